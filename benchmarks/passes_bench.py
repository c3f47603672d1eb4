"""Fuse1Q + CancelCX against Qiskit's equivalent passes on the shared circuits.

Usage (from the repository root)::

    python benchmarks/passes_bench.py                 # every circuit in ../shared/circuits
    python benchmarks/passes_bench.py shor26 qft64    # some of them
    python benchmarks/passes_bench.py --repeat 5       # best of 5 runs (default 3)

For each circuit, parsed once by each library, the table gives the operations before
and after, and the best wall time of ``--repeat`` runs of:

* hpcq: ``PassManager([Fuse1Q(), CancelCX()]).run(circuit)``;
* Qiskit "inv": ``PassManager([Optimize1qGatesDecomposition(["u3", "cx"]),
  InverseCancellation([...self-inverse gates, (s, sdg), (t, tdg)])])``;
* Qiskit "comm": ``PassManager([Optimize1qGatesDecomposition(["u3", "cx"]),
  CommutativeCancellation()])``.

Both sides include their pass manager's own overhead (copying the input, Qiskit's
circuit-to-DAG conversion). ``ratio`` is the hpcq time over the faster Qiskit time.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CIRCUITS = ROOT.parent / "shared" / "circuits"


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def _qiskit_pass_managers() -> dict[str, Any]:
    from qiskit.circuit.library import (
        CXGate,
        CZGate,
        HGate,
        SdgGate,
        SGate,
        SwapGate,
        TdgGate,
        TGate,
        XGate,
        YGate,
        ZGate,
    )
    from qiskit.transpiler import PassManager
    from qiskit.transpiler.passes import (
        CommutativeCancellation,
        InverseCancellation,
        Optimize1qGatesDecomposition,
    )

    inverse = [
        CXGate(),
        CZGate(),
        SwapGate(),
        HGate(),
        XGate(),
        YGate(),
        ZGate(),
        (SGate(), SdgGate()),
        (TGate(), TdgGate()),
    ]
    return {
        "inv": PassManager(
            [Optimize1qGatesDecomposition(basis=["u3", "cx"]), InverseCancellation(inverse)]
        ),
        "comm": PassManager(
            [Optimize1qGatesDecomposition(basis=["u3", "cx"]), CommutativeCancellation()]
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("circuits", nargs="*", help="names in ../shared/circuits (default all)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement")
    args = parser.parse_args(argv)

    from qiskit import QuantumCircuit

    from hpcq import Circuit
    from hpcq.passes import CancelCX, Fuse1Q, PassManager

    names = args.circuits or sorted(p.stem for p in CIRCUITS.glob("*.qasm"))
    qiskit_pms = _qiskit_pass_managers()
    header = (
        f"{'circuit':<18}{'ops in':>8}{'cx in':>7} | {'hpcq ops':>9}{'cx':>7}{'time s':>9} | "
        f"{'inv ops':>8}{'cx':>7}{'time s':>9} | {'comm ops':>9}{'cx':>7}{'time s':>9} | "
        f"{'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    for name in names:
        path = CIRCUITS / f"{name}.qasm"
        circuit = Circuit.from_file(path)
        qc = QuantumCircuit.from_qasm_file(str(path))
        pm = PassManager([Fuse1Q(), CancelCX()])
        hpcq_time, out = _best(lambda pm=pm, c=circuit: pm.run(c), args.repeat)
        row = (
            f"{name:<18}{len(circuit):>8}{circuit.count_ops().get('cx', 0):>7} | "
            f"{len(out):>9}{out.count_ops().get('cx', 0):>7}{hpcq_time:>9.4f} | "
        )
        peer_times = []
        for key in ("inv", "comm"):
            peer_time, peer_out = _best(lambda p=qiskit_pms[key], c=qc: p.run(c), args.repeat)
            peer_times.append(peer_time)
            cx = peer_out.count_ops().get("cx", 0)
            width = 8 if key == "inv" else 9
            row += f"{peer_out.size():>{width}}{cx:>7}{peer_time:>9.4f} | "
        row += f"{hpcq_time / min(peer_times):>6.2f}"
        print(row, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
