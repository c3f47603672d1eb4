"""Simulation, unitaries and equivalence checks on the shared circuits.

Usage (from the repository root)::

    python benchmarks/simulation.py                     # every circuit that fits
    python benchmarks/simulation.py qft5 adder9          # some of them
    python benchmarks/simulation.py --repeat 5           # best of 5 runs (default 3)
    PYTHONPATH=/path/to/other/checkout python benchmarks/simulation.py   # other code

The script only uses names that every version of hpcq since the state-vector
verifier has (``Circuit.unitary``, ``hpcq.ir.equivalent``,
``hpcq.ir.simulate.operations_statevector``, ``hpcq.passes.verify.verify``), so the
same file times the code before and after a change side by side.

For each circuit of at most ``--max-qubits`` qubits (26 by default, a 1 GiB state),
the table gives the best wall time of ``--repeat`` runs (one run from 20 qubits up) of:

* ``unitary``: ``circuit.unitary()`` (12 qubits at most);
* ``equivalent``: ``hpcq.ir.equivalent(circuit, circuit.copy())``: whole unitaries up
  to 12 qubits, four random states above (up to ``--max-equivalent`` qubits);
* ``state``: ``operations_statevector(circuit.operations, n)`` from ``|0...0>`` (up
  to ``--max-equivalent`` qubits);
* ``verify``: ``verify(circuit, circuit.copy())`` on one thread, what the compiler's
  final check runs (whole unitary up to 12 qubits, random states above).

Every kernel is compiled (or loaded from numba's cache) on a small circuit before
anything is timed. A ``-`` is an operation not run at that width.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CIRCUITS = ROOT.parent / "shared" / "circuits"


def _best(fn: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _warm() -> None:
    """Compile or load every kernel the timed calls use, outside the timings."""
    from hpcq.ir import Circuit, equivalent
    from hpcq.ir.simulate import operations_statevector
    from hpcq.passes.verify import verify

    for n in (3, 10, 14):
        c = Circuit(n)
        for q in range(n - 1):
            c.h(q).cx(q, q + 1).t(q + 1).ccx(q, q + 1, (q + 2) % n).rz(0.3, q)
        if n <= 12:
            c.unitary()
        equivalent(c, c.copy())
        operations_statevector(c.operations, n)
        verify(c, c.copy())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("circuits", nargs="*", help="names in ../shared/circuits (default all)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement")
    parser.add_argument("--max-qubits", type=int, default=26, help="widest circuit verified")
    parser.add_argument(
        "--max-equivalent",
        type=int,
        default=18,
        help="widest circuit given to equivalent and operations_statevector",
    )
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    args = parser.parse_args(argv)

    import hpcq
    from hpcq.ir import Circuit, equivalent
    from hpcq.ir.simulate import operations_statevector
    from hpcq.passes.verify import verify

    print(f"hpcq from {Path(hpcq.__file__).parent}")
    _warm()
    names = args.circuits or sorted(p.stem for p in CIRCUITS.glob("*.qasm"))
    header = (
        f"{'circuit':<18}{'qubits':>7}{'ops':>7} | {'unitary':>9}{'equivalent':>11}"
        f"{'state':>9}{'verify':>9}  (seconds)"
    )
    print(header)
    print("-" * len(header))
    rows: list[dict[str, Any]] = []
    for name in names:
        circuit = Circuit.from_file(CIRCUITS / f"{name}.qasm")
        n = circuit.num_qubits
        if n > args.max_qubits:
            continue
        repeat = args.repeat if n < 20 else 1
        other = circuit.copy()
        row: dict[str, Any] = {"circuit": name, "qubits": n, "ops": len(circuit)}
        row["unitary"] = _best(circuit.unitary, repeat) if n <= 12 else None
        if n <= args.max_equivalent:
            row["equivalent"] = _best(lambda c=circuit, o=other: equivalent(c, o), repeat)
            row["state"] = _best(
                lambda c=circuit: operations_statevector(c.operations, c.num_qubits), repeat
            )
        else:
            row["equivalent"] = row["state"] = None
        row["verify"] = _best(lambda c=circuit, o=other: verify(c, o), repeat)
        rows.append(row)
        cells = "".join(
            f"{'-' if row[key] is None else format(row[key], '.4f'):>{width}}"
            for key, width in (("unitary", 9), ("equivalent", 11), ("state", 9), ("verify", 9))
        )
        print(f"{name:<18}{n:>7}{len(circuit):>7} | {cells}", flush=True)
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
