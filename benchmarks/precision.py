"""How far each level's output is from its input, by hpcq's and Qiskit's checks.

Usage (from the repository root)::

    python benchmarks/precision.py                       # every level, every circuit
    python benchmarks/precision.py --levels 3 --circuits qft4 tfim
    python benchmarks/precision.py --json precision.json

For each circuit (the shared circuits of up to 12 qubits, and the three small ones the
precision tests use: a 4-qubit QFT, a 4-qubit W-state preparation and a 5-qubit mod-5
Toffoli network) and each level, ``hpcq.compile(..., seed=1, verify=False)`` is run
and the output compared with the input as whole unitaries:

- ``distance``: the Hilbert-Schmidt distance ``sqrt(1 - |Tr(U^dagger V)|^2 / N^2)``,
  computed here from the entries (``||U - e^{ia} V||_F`` at the aligning phase), so
  that it is exact down to rounding whatever hpcq version is measured;
- ``max entry``: ``max |U - e^{ia} V|`` at that phase, the quantity
  :func:`hpcq.ir.equivalent` compares with its ``atol`` (``1e-7``);
- ``bound``: the ``error_bound`` hpcq reported (it must not be below ``distance``);
- ``hpcq``/``qiskit``: :func:`hpcq.ir.equivalent` and Qiskit's ``Operator.equiv`` at
  their default tolerances.

The script measures whichever hpcq is importable: run it with ``PYTHONPATH`` set to an
older checkout to compare before and after.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "circuits"
SHARED_SMALL = ["qft5", "tfim", "grover5", "adder9", "qaoa12"]


def _circuits() -> dict[str, str]:
    sys.path.insert(0, str(ROOT / "tests" / "compiler"))
    from precision_circuits import CIRCUITS

    texts = dict(CIRCUITS)
    for name in SHARED_SMALL:
        texts[name] = (SHARED / f"{name}.qasm").read_text()
    return texts


def _compare(u: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    """``(distance, max entry)`` of ``u`` and ``v`` at the phase that aligns them."""
    trace = complex(np.vdot(v, u))
    align = trace / abs(trace) if trace != 0 else 1.0
    diff = u - align * v
    n = u.shape[0]
    cost = min(1.0, float(np.vdot(diff, diff).real) / (2 * n))
    return math.sqrt(max(0.0, cost * (2.0 - cost))), float(np.max(np.abs(diff)))


def measure(name: str, text: str, level: int) -> dict[str, Any]:
    """One circuit at one level: counts, time and the four precision figures."""
    import hpcq
    from hpcq.ir import equivalent

    original = hpcq.Circuit.from_qasm(text).without_measurements()
    start = time.perf_counter()
    result = hpcq.compile(original, optimization_level=level, seed=1, verify=False)
    seconds = time.perf_counter() - start
    out = result.circuit
    distance, max_entry = _compare(out.unitary(), original.unitary())
    row: dict[str, Any] = {
        "circuit": name,
        "level": level,
        "qubits": original.num_qubits,
        "cx_in": original.count_ops().get("cx", 0),
        "cx_out": out.count_ops().get("cx", 0),
        "seconds": seconds,
        "distance": distance,
        "max_entry": max_entry,
        "bound": result.error_bound,
        "hpcq_equivalent": bool(equivalent(out, original)),
    }
    try:
        from qiskit.quantum_info import Operator

        from hpcq.ir.interop import to_qiskit

        row["qiskit_equiv"] = bool(Operator(to_qiskit(out)).equiv(Operator(to_qiskit(original))))
    except ImportError:
        row["qiskit_equiv"] = None
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[0, 1, 2, 3])
    parser.add_argument("--circuits", nargs="+", help="names (default: all)")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)
    texts = _circuits()
    names = args.circuits or list(texts)
    rows = []
    print(
        f"{'circuit':<8} {'O':>1} {'cx in':>6} {'cx out':>6} {'time s':>7} {'distance':>9} "
        f"{'max entry':>9} {'bound':>9} {'hpcq':>5} {'qiskit':>6}"
    )
    for name in names:
        for level in args.levels:
            row = measure(name, texts[name], level)
            rows.append(row)
            print(
                f"{name:<8} {level:>1} {row['cx_in']:>6} {row['cx_out']:>6} "
                f"{row['seconds']:>7.2f} {row['distance']:>9.1e} {row['max_entry']:>9.1e} "
                f"{row['bound']:>9.1e} {row['hpcq_equivalent']!s:>5} {row['qiskit_equiv']!s:>6}",
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    bad = [r for r in rows if not (r["hpcq_equivalent"] and r["qiskit_equiv"] is not False)]
    print(f"{len(rows) - len(bad)} of {len(rows)} outputs pass both checks")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
