"""hpcq against BQSKit and Qiskit on the shared benchmark circuits, in one run.

Usage (from the repository root)::

    python benchmarks/compare_peers.py                      # everything, one table
    python benchmarks/compare_peers.py --peers-only --cache peers.json   # peers, saved
    python benchmarks/compare_peers.py --cache peers.json   # hpcq now, peers from cache
    python benchmarks/compare_peers.py --large              # the large circuits at -O2
    python benchmarks/compare_peers.py --efficiency hub18   # -O2 with 1 and 2 workers

The small circuits (qft5, tfim, grover5, adder9, qaoa12, heisenberg-16-20) are
compiled by hpcq at -O3, by BQSKit with ``bqskit.compile(..., optimization_level=3)``
on a 2-worker BQSKit compiler, and by Qiskit with ``transpile(optimization_level=3,
basis_gates=['u3', 'cx'])`` after a level-0 translation to u3+cx (as in the shared
README). BQSKit runs take minutes, so ``--peers-only`` with ``--cache`` measures them
once (e.g. in the background) and a later run reads them back; the table printed is
always produced by this script, with the cache's measurement date noted.

The large circuits are compiled by hpcq at -O2 (verified) and by Qiskit O3.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CIRCUITS = ROOT.parent / "shared" / "circuits"
SMALL = ["qft5", "tfim", "grover5", "adder9", "qaoa12", "heisenberg-16-20"]
LARGE = ["adder63", "qft64", "tfim64", "tfxy64", "hub18", "mul60", "shor26"]


def _path(name: str) -> Path:
    return CIRCUITS / f"{name}.qasm"


# --- peers --------------------------------------------------------------------------


def run_qiskit(name: str) -> dict[str, Any]:
    """Qiskit O3 to u3+cx; the input is the file translated to u3+cx at level 0."""
    from qiskit import QuantumCircuit, transpile

    qc = QuantumCircuit.from_qasm_file(str(_path(name)))
    qc.remove_final_measurements()
    base = transpile(qc, basis_gates=["u3", "cx"], optimization_level=0)
    start = time.perf_counter()
    out = transpile(base, basis_gates=["u3", "cx"], optimization_level=3, seed_transpiler=1)
    elapsed = time.perf_counter() - start
    ops = out.count_ops()
    return {
        "cx_in": int(base.count_ops().get("cx", 0)),
        "cx": int(ops.get("cx", 0)),
        "1q": int(sum(v for k, v in ops.items() if k not in ("cx", "barrier", "measure"))),
        "time": elapsed,
    }


def run_bqskit(name: str, workers: int = 2) -> dict[str, Any]:
    """BQSKit O3 with a ``workers``-worker compiler (started outside the timing)."""
    from bqskit import Circuit, compile
    from bqskit.compiler import Compiler
    from bqskit.ir.gates import CNOTGate

    circuit = Circuit.from_file(str(_path(name)))
    with Compiler(num_workers=workers) as compiler:
        start = time.perf_counter()
        out = compile(circuit, optimization_level=3, compiler=compiler, seed=1)
        elapsed = time.perf_counter() - start
    counts = out.gate_counts
    cx = int(counts.get(CNOTGate(), 0))
    one_q = int(sum(v for g, v in counts.items() if g.num_qudits == 1))
    return {
        "cx_in": int(circuit.gate_counts.get(CNOTGate(), 0)),
        "cx": cx,
        "1q": one_q,
        "time": elapsed,
    }


# --- hpcq ---------------------------------------------------------------------------


def run_hpcq(names: list[str], level: int, workers: int) -> dict[str, dict[str, Any]]:
    """Compile ``names`` one after the other with one ``hpcq.Compiler`` kept open."""
    import hpcq

    results: dict[str, dict[str, Any]] = {}
    with hpcq.Compiler(num_workers=workers) as compiler:
        for name in names:
            start = time.perf_counter()
            result = compiler.compile(str(_path(name)), optimization_level=level, seed=1)
            elapsed = time.perf_counter() - start
            stats = result.stats
            check = stats.get("verify", {})
            results[name] = {
                "qubits": stats["num_qubits"],
                "cx_in": stats["before"]["cx"],
                "cx": stats["after"]["cx"],
                "1q_in": stats["before"]["1q"],
                "1q": stats["after"]["1q"],
                "depth_in": stats["before"]["depth"],
                "depth": stats["after"]["depth"],
                "time": elapsed,
                "error_bound": result.error_bound,
                "verified": check.get("method"),
                "verify_ok": check.get("ok"),
                "verify_distance": check.get("distance"),
                "verify_time": check.get("seconds"),
                "verify_reason": check.get("reason", ""),
                "passes": stats.get("passes", {}),
                "resynthesis_seconds": sum(
                    w["seconds"] for w in stats.get("resynthesis", []) if w["block_size"] == 3
                ),
                "task_seconds": sum(w["task_seconds"] for w in stats.get("resynthesis", [])),
            }
            print(f"  hpcq -O{level} {name}: {results[name]}", file=sys.stderr, flush=True)
    return results


def _spin(_: int) -> float:
    start = time.perf_counter()
    x = 0
    for i in range(20_000_000):
        x += i * i % 7
    return time.perf_counter() - start


def machine_ceiling() -> float:
    """The efficiency a perfectly parallel CPU-bound job gets here now (1 vs 2 processes).

    On a machine shared with other jobs this is below 1; hpcq's efficiency is reported
    beside it, measured in the same run.
    """
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(2) as pool:
        one = pool.map(_spin, [0], chunksize=1)[0]
        two = max(pool.map(_spin, [0, 1], chunksize=1))
    return one / two


def efficiency(name: str) -> dict[str, Any]:
    """-O2 time with 1 and with 2 workers, and the parallel efficiency t1 / (2 t2).

    Also reported per run: the resynthesis sweep's wall time, the sum of its tasks'
    own times (the work), and the whole-circuit check's time; and the machine's own
    ceiling (:func:`machine_ceiling`, before and after), with hpcq's efficiency
    relative to it.
    """
    before = machine_ceiling()
    one = run_hpcq([name], 2, 1)[name]
    two = run_hpcq([name], 2, 2)[name]
    after = machine_ceiling()
    detail = {
        f"{label}_{key}": value
        for label, r in (("w1", one), ("w2", two))
        for key, value in (
            ("resynthesis_s", r["resynthesis_seconds"]),
            ("task_s", r["task_seconds"]),
            ("verify_s", r["verify_time"]),
            ("cx", r["cx"]),
        )
    }
    ceiling = (before + after) / 2
    eff = one["time"] / (2 * two["time"])
    return {"t1": one["time"], "t2": two["time"], "efficiency": eff,
            "machine_ceiling": ceiling, "relative_to_ceiling": eff / ceiling,
            **detail}  # fmt: skip


# --- table --------------------------------------------------------------------------


def _fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


def print_small_table(hpcq_res: dict[str, Any], peers: dict[str, Any]) -> None:
    print(
        "| circuit | CX in | hpcq -O3 CX (time) | Qiskit O3 CX (time) | BQSKit O3 CX (time) "
        "| CX vs min(peers) | time / BQSKit |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in SMALL:
        h = hpcq_res.get(name)
        q = peers.get("qiskit", {}).get(name)
        b = peers.get("bqskit", {}).get(name)
        if h is None and q is None and b is None:
            continue
        cx_in = (h or q or b)["cx_in"]
        cell = lambda r: "-" if r is None else f"{r['cx']} ({_fmt_time(r['time'])})"  # noqa: E731
        best = min([r["cx"] for r in (q, b) if r is not None], default=None)
        ratio_cx = f"{h['cx']}/{best}" if h and best is not None else "-"
        ratio_t = f"{h['time'] / b['time']:.3f}" if h and b else "-"
        print(f"| {name} | {cx_in} | {cell(h)} | {cell(q)} | {cell(b)} | {ratio_cx} | {ratio_t} |")


def print_large_table(hpcq_res: dict[str, Any], peers: dict[str, Any]) -> None:
    print(
        "| circuit | qubits | CX | 1q | depth | hpcq -O2 time | check (time) | distance "
        "| error bound | Qiskit O3 CX (time) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    notes = []
    for name in LARGE:
        h = hpcq_res.get(name)
        if h is None:
            continue
        q = peers.get("qiskit", {}).get(name)
        qcell = "-" if q is None else f"{q['cx']} ({_fmt_time(q['time'])})"
        ok = "ok" if h["verify_ok"] else "FAILED"
        dist = "-" if h["verify_distance"] is None else f"{h['verify_distance']:.1e}"
        print(
            f"| {name} | {h['qubits']} | {h['cx_in']} -> {h['cx']} | {h['1q_in']} -> {h['1q']} "
            f"| {h['depth_in']} -> {h['depth']} | {_fmt_time(h['time'])} "
            f"| {h['verified']} {ok} ({_fmt_time(h['verify_time'])}) | {dist} "
            f"| {h['error_bound']:.1e} | {qcell} |"
        )
        if h["verify_reason"]:
            notes.append(f"{name}: {h['verify_reason']}")
    for note in notes:
        print(f"- {note}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peers-only", action="store_true", help="measure only the peers")
    parser.add_argument("--hpcq-only", action="store_true", help="measure only hpcq")
    parser.add_argument("--cache", type=Path, help="JSON file of peer results (read/written)")
    parser.add_argument("--circuits", nargs="*", help="subset of the small circuits")
    parser.add_argument("--large", action="store_true", help="the large circuits at -O2")
    parser.add_argument("--efficiency", metavar="CIRCUIT", help="1 vs 2 workers at -O2")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-bqskit", action="store_true", help="skip BQSKit")
    args = parser.parse_args()

    if args.efficiency:
        print(json.dumps(efficiency(args.efficiency), indent=2))
        return 0

    names = args.circuits or (LARGE if args.large else SMALL)
    peers: dict[str, Any] = {"qiskit": {}, "bqskit": {}}
    if args.cache and args.cache.exists():
        peers = json.loads(args.cache.read_text())
        print(f"peers from {args.cache} (measured {peers.get('date', '?')})", file=sys.stderr)
    if not args.hpcq_only:
        for name in names:
            peers["qiskit"][name] = run_qiskit(name)
            print(f"  qiskit {name}: {peers['qiskit'][name]}", file=sys.stderr, flush=True)
            if not args.no_bqskit and not args.large and name not in peers["bqskit"]:
                peers["bqskit"][name] = run_bqskit(name, args.workers)
                print(f"  bqskit {name}: {peers['bqskit'][name]}", file=sys.stderr, flush=True)
                if args.cache:
                    peers["date"] = time.strftime("%Y-%m-%d %H:%M")
                    args.cache.write_text(json.dumps(peers, indent=2))
        peers["date"] = time.strftime("%Y-%m-%d %H:%M")
        if args.cache:
            args.cache.write_text(json.dumps(peers, indent=2))
    hpcq_res: dict[str, Any] = {}
    if not args.peers_only:
        hpcq_res = run_hpcq(names, 2 if args.large else 3, args.workers)
    if args.large:
        print_large_table(hpcq_res, peers)
    else:
        print_small_table(hpcq_res, peers)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
