"""hpcq's OpenQASM 2 reader against Qiskit's ``qiskit.qasm2.load`` on the same files.

Usage (from the repository root)::

    python benchmarks/qasm_bench.py                 # every shared circuit, 7 repeats
    python benchmarks/qasm_bench.py --repeats 15 shor26 mul60

Each reader parses each file ``--repeats`` times, alternating hpcq and Qiskit so that
machine noise hits both alike; the table gives the median wall time of each and the
ratio Qiskit / hpcq (above 1: hpcq is faster). Qiskit reads with its legacy
``qelib1.inc`` settings (``p``, ``sx`` and the other gates hpcq's built-in
``qelib1.inc`` has), which every shared circuit needs. hpcq's writer time is also
shown (``Circuit.to_qasm``), with Qiskit's ``qasm2.dumps`` beside it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CIRCUITS = ROOT.parent / "shared" / "circuits"


def _median_time(function: Callable[[], object], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="circuit names (default: all shared)")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per reader")
    args = parser.parse_args(argv)

    from qiskit import qasm2 as qiskit_qasm2

    from hpcq.ir import qasm2

    def qiskit_load(path: Path) -> object:
        return qiskit_qasm2.load(
            str(path),
            include_path=qiskit_qasm2.LEGACY_INCLUDE_PATH,
            custom_instructions=qiskit_qasm2.LEGACY_CUSTOM_INSTRUCTIONS,
            custom_classical=qiskit_qasm2.LEGACY_CUSTOM_CLASSICAL,
        )

    paths = (
        [CIRCUITS / f"{n}.qasm" for n in args.names]
        if args.names
        else sorted(CIRCUITS.glob("*.qasm"))
    )
    header = (
        f"{'circuit':<18}{'KB':>6}{'ops':>8}  {'hpcq read':>10}{'qiskit read':>12}"
        f"{'ratio':>7}  {'hpcq write':>11}{'qiskit write':>13}"
    )
    print(header)
    print("-" * len(header))
    total_hpcq = total_qiskit = 0.0
    for path in paths:
        # Warm both readers (imports, hpcq's qelib1 composites) outside the timing.
        circuit = qasm2.load(path)
        theirs = qiskit_load(path)
        ours_t: list[float] = []
        qiskit_t: list[float] = []
        for _ in range(args.repeats):
            ours_t += _median_time(lambda p=path: qasm2.load(p), 1)
            qiskit_t += _median_time(lambda p=path: qiskit_load(p), 1)
        write_ours = statistics.median(_median_time(lambda c=circuit: qasm2.dumps(c), 3))
        write_qiskit = statistics.median(_median_time(lambda c=theirs: qiskit_qasm2.dumps(c), 3))
        ours, qiskit = statistics.median(ours_t), statistics.median(qiskit_t)
        total_hpcq += ours
        total_qiskit += qiskit
        print(
            f"{path.stem:<18}{path.stat().st_size / 1024:>6.0f}{len(circuit):>8}  "
            f"{ours * 1e3:>8.1f}ms{qiskit * 1e3:>10.1f}ms{qiskit / ours:>7.2f}  "
            f"{write_ours * 1e3:>9.1f}ms{write_qiskit * 1e3:>11.1f}ms"
        )
    print("-" * len(header))
    print(
        f"{'total':<32}  {total_hpcq * 1e3:>8.1f}ms{total_qiskit * 1e3:>10.1f}ms"
        f"{total_qiskit / total_hpcq:>7.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
