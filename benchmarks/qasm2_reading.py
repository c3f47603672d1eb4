"""How long hpcq's OpenQASM 2 reader takes on pathological files, and on real ones.

Usage (from the repository root)::

    python benchmarks/qasm2_reading.py                  # every case, then the shared circuits
    python benchmarks/qasm2_reading.py --timeout 60     # give up on a case after 60 s
    python benchmarks/qasm2_reading.py --no-shared      # pathological cases only

Part one reads small programs whose shape made older readers backtrack exponentially
(blank lines, spaces or tabs before a statement that is not a plain indexed gate, a
long comment line) and large ones that a linear reader must get through quickly
(100,000 blank lines, a 100,000-character comment, a 100,000-character identifier).
Each case runs in a child process under ``--timeout``, so a reader that never finishes
is reported as such instead of stalling the benchmark; the time shown is the child's
own measurement of ``hpcq.ir.qasm2.loads`` alone (the best of ``--repeats`` runs).
Running the script with ``PYTHONPATH`` pointing at another checkout measures that one.

Part two reads the shared circuits with hpcq and with ``qiskit.qasm2.loads`` (its
legacy ``qelib1.inc`` settings, which the shared circuits need) from text already in
memory, and prints the median of each and the ratio Qiskit / hpcq (above 1: hpcq is
faster).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CIRCUITS = ROOT.parent / "shared" / "circuits"

_HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\ncreg c[1];\n'


def _cases() -> dict[str, str]:
    """Name -> program text of every pathological case."""
    return {
        "20 blank lines before measure": _HEADER + "\n" * 20 + "measure q -> c;\n",
        "22 blank lines before measure": _HEADER + "\n" * 22 + "measure q -> c;\n",
        "26 blank lines before measure": _HEADER + "\n" * 26 + "measure q -> c;\n",
        "22 spaces before barrier": _HEADER + " " * 22 + "barrier q;\n",
        "22 tabs before h q;": _HEADER + "\t" * 22 + "h q;\n",
        "800-char comment before measure": _HEADER + "//" + "x" * 800 + "\nmeasure q -> c;\n",
        "100,000 blank lines": _HEADER + "\n" * 100_000 + "measure q -> c;\n",
        "100,000-char comment": _HEADER + "//" + "x" * 100_000 + "\nmeasure q -> c;\n",
        "100,000-char identifier": _HEADER + "h" * 100_000 + " q[0];\n",
        "100,000 statements": _HEADER + "h q[0];\n" * 100_000,
    }


def _time_case(name: str, repeats: int) -> float:
    """Run in the child process: the best time of ``loads`` on one case."""
    from hpcq.exceptions import QasmError
    from hpcq.ir import qasm2

    text = _cases()[name]
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        # A clear error is an answer too; the time to reach it is what counts.
        with contextlib.suppress(QasmError):
            qasm2.loads(text)
        best = min(best, time.perf_counter() - start)
    return best


def _run_child(name: str, repeats: int, timeout: float) -> str:
    command = [sys.executable, __file__, "--child", name, "--repeats", str(repeats)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=dict(os.environ)
        )
    except subprocess.TimeoutExpired:
        return f"> {timeout:g} s (stopped)"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return f"failed: {last[:60]}"
    return f"{float(done.stdout.strip()):.4f} s"


def _median(function: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _shared(repeats: int) -> None:
    from qiskit import qasm2 as qiskit_qasm2

    from hpcq.ir import qasm2

    def qiskit_loads(text: str) -> object:
        return qiskit_qasm2.loads(
            text,
            include_path=qiskit_qasm2.LEGACY_INCLUDE_PATH,
            custom_instructions=qiskit_qasm2.LEGACY_CUSTOM_INSTRUCTIONS,
            custom_classical=qiskit_qasm2.LEGACY_CUSTOM_CLASSICAL,
        )

    header = f"{'circuit':<20}{'KB':>6}{'hpcq':>10}{'qiskit':>10}{'ratio':>7}"
    print(header)
    print("-" * len(header))
    for path in sorted(CIRCUITS.glob("*.qasm")):
        text = path.read_text()
        qasm2.loads(text)  # warm hpcq's built-in qelib1 outside the timing
        ours = _median(lambda t=text: qasm2.loads(t), repeats)
        theirs = _median(lambda t=text: qiskit_loads(t), repeats)
        kb = len(text) / 1000
        print(f"{path.stem:<20}{kb:>6.0f}{ours:>9.4f}s{theirs:>9.4f}s{theirs / ours:>7.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per case")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per case")
    parser.add_argument("--no-shared", action="store_true", help="skip the shared circuits")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(f"{_time_case(args.child, args.repeats):.6f}")
        return 0
    width = max(map(len, _cases()))
    for name in _cases():
        print(f"{name:<{width}}  {_run_child(name, args.repeats, args.timeout)}", flush=True)
    if not args.no_shared and CIRCUITS.is_dir():
        print()
        _shared(args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
