"""Check the circuits a Slurm job compiled: usage ``verify_outputs.py OUT_DIR IN.qasm...``.

For every input, the output directory must hold a compiled circuit of the same stem
(``.qasm``, or ``.ll`` checked with ``hpcq qir check``). A ``.qasm`` output must parse,
act on the same number of qubits, keep every measurement, and (for inputs without
mid-circuit measurements or conditions, of at most 12 qubits) implement the input's
unitary up to global phase, within a Hilbert-Schmidt distance of 1e-3 (resynthesized
blocks are accepted at a cost of 1e-8, a distance of about 1e-4 each). Prints one
``verified`` line per circuit; exits 1 with a message naming the circuit on the first
failure.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _measurement_free(circuit: object) -> object | None:
    """The circuit without its final measurements, or None when it measures mid-way."""
    from hpcq.ir import Circuit

    assert isinstance(circuit, Circuit)
    ops = circuit.operations
    if any(op.condition is not None or op.name == "reset" for op in ops):
        return None
    measured: set[int] = set()
    for op in ops:
        if op.name == "measure":
            measured.update(op.qubits)
        elif op.name != "barrier" and measured.intersection(op.qubits):
            return None
    return circuit.without_measurements()


def verify(out_dir: Path, source: Path) -> str:
    """Check one input's output; returns a one-line summary or raises AssertionError."""
    from hpcq.ir import Circuit, hilbert_schmidt_distance

    outputs = out_dir.glob(f"{source.stem}.*")
    candidates = sorted(p for p in outputs if p.suffix in (".qasm", ".ll"))
    assert candidates, f"{source.name}: no output in {out_dir}"
    output = candidates[0]
    if output.suffix == ".ll":
        check = subprocess.run(
            [sys.executable, "-m", "hpcq", "qir", "check", str(output)],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, f"{output}: hpcq qir check failed: {check.stderr}"
        return f"verified {output.name}: valid QIR"
    before = Circuit.from_file(source)
    after = Circuit.from_file(output)
    assert after.num_qubits == before.num_qubits, (
        f"{output.name}: {after.num_qubits} qubits, input has {before.num_qubits}"
    )
    measures = before.count_ops().get("measure", 0)
    assert after.count_ops().get("measure", 0) == measures, f"{output.name}: measurements lost"
    summary = f"verified {output.name}: {before.num_qubits} qubits"
    plain_before, plain_after = _measurement_free(before), _measurement_free(after)
    if plain_before is not None and plain_after is not None and before.num_qubits <= 12:
        distance = hilbert_schmidt_distance(plain_before, plain_after)
        assert distance <= 1e-3, (
            f"{output.name}: its unitary is {distance:.1e} away from {source.name}'s"
        )
        summary += ", same unitary"
    cx_before = before.count_ops().get("cx", 0)
    cx_after = after.count_ops().get("cx", 0)
    return f"{summary}, cx {cx_before} -> {cx_after}"


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: verify_outputs.py OUT_DIR IN.qasm...", file=sys.stderr)
        return 2
    out_dir = Path(argv[0])
    for name in argv[1:]:
        try:
            print(verify(out_dir, Path(name)))
        except AssertionError as exc:
            print(f"verify: error: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
