"""hpcq's OpenQASM 3 reader beside the reference parser and Qiskit's reader.

Usage (from the repository root; needs ``qiskit``, ``openqasm3[parser]`` and
``qiskit_qasm3_import``, which hpcq itself does not need)::

    python benchmarks/qasm3_reading.py                # every shared circuit
    python benchmarks/qasm3_reading.py --repeats 5 qft5 hub18

Each shared circuit is read with ``qiskit.qasm2`` and written with
``qiskit.qasm3.dumps``; that text is what every reader gets. Three questions:

* correctness: does ``hpcq.ir.qasm3.loads`` give the gates, qubits and angles that
  ``qiskit.qasm3.loads`` gives on the same text (and, up to 10 qubits, the unitary of
  the OpenQASM 2 original up to global phase)?
* speed: the best of ``--repeats`` wall times of ``hpcq.ir.qasm3.loads`` (a circuit),
  ``openqasm3.parse`` (only an abstract syntax tree: turning it into a circuit would be
  more work on top) and ``qiskit.qasm3.loads`` (a circuit, over ``openqasm3``);
* error places: on a corpus of malformed programs, does each reader name the line and
  column of the fault?
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import math
import re
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CIRCUITS = ROOT.parent / "shared" / "circuits"

H = 'OPENQASM 3.0;\ninclude "stdgates.inc";\n'
# (name, program, line, column of the fault). Columns are 1-based.
MALFORMED: list[tuple[str, str, int, int]] = [
    ("missing semicolon", H + "qubit[2] q;\nh q[0]\nh q[1];\n", 5, 1),
    ("bad character", H + "qubit[1] q;\nh q[0]; $$\n", 4, 9),
    ("unclosed gate body", H + "gate g a { x a;\n", 3, 6),
    ("dangling operator", H + "qubit[1] q;\nrx(1 +) q[0];\n", 4, 7),
    ("unbalanced parenthesis", H + "qubit[1] q;\nrx((1 + 2) q[0];\n", 4, 12),
    ("missing bracket", H + "qubit[2] q;\nh q[0;\n", 4, 6),
    ("undefined gate", H + "qubit[1] q;\nfoo q[0];\n", 4, 1),
    ("undefined register", H + "qubit[1] q;\nh r[0];\n", 4, 3),
    ("index out of range", H + "qubit[2] q;\nh q[2];\n", 4, 3),
    ("wrong parameter count", H + "qubit[1] q;\nrx(0.1, 0.2) q[0];\n", 4, 1),
    ("wrong qubit count", H + "qubit[2] q;\ncx q[0];\n", 4, 1),
    ("measure size mismatch", H + "qubit[2] q;\nbit[3] c;\nc = measure q;\n", 5, 5),
]


def _best(function: Callable[[], object], repeats: int) -> float:
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def _same_gates(ours: object, theirs: object) -> tuple[bool, str]:
    """Whether hpcq's circuit has Qiskit's gates, qubits and angles, in order."""
    from hpcq.ir.interop import from_qiskit

    reference = from_qiskit(theirs)  # type: ignore[arg-type]
    mine = list(ours)  # type: ignore[call-overload]
    if len(mine) != len(reference):
        return False, f"{len(mine)} operations against {len(reference)}"
    for k, (a, b) in enumerate(zip(mine, reference, strict=True)):
        names = {a.name, b.name}
        if a.name != b.name and names != {"u", "u3"}:
            return False, f"operation {k}: {a.name} against {b.name}"
        if a.qubits != b.qubits or a.clbits != b.clbits:
            return False, f"operation {k}: qubits {a.qubits} against {b.qubits}"
        for p, q in zip(a.params, b.params, strict=True):
            if not math.isclose(float(p), float(q), rel_tol=1e-12, abs_tol=1e-12):
                return False, f"operation {k}: angle {p} against {q}"
    return True, ""


def _place(exc: BaseException, printed: str) -> tuple[int | None, int | None]:
    line = getattr(exc, "line", None)
    column = getattr(exc, "column", None)
    if line is None:
        # The reference parser's syntax errors carry no place; ANTLR prints one to
        # stderr as "line L:C ..." with a 0-based column, which is counted here.
        # Qiskit's importer starts its messages with "L,C:", also 0-based.
        match = re.search(r"line (\d+):(\d+)", printed) or re.match(r"\W*(\d+),(\d+):", str(exc))
        if match:
            line, column = int(match.group(1)), int(match.group(2)) + 1
    return line, column


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="circuit names (default: all shared)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per reader")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")

    import numpy as np
    import openqasm3
    import qiskit.qasm2
    import qiskit.qasm3
    from qiskit.quantum_info import Operator

    from hpcq.ir import qasm3

    paths = (
        [CIRCUITS / f"{n}.qasm" for n in args.names]
        if args.names
        else sorted(CIRCUITS.glob("*.qasm"), key=lambda p: p.stat().st_size)
    )
    print(
        "| circuit | KiB | hpcq = Qiskit's reading | unitary = original | hpcq s "
        "| openqasm3.parse s | qiskit.qasm3.loads s | Qiskit / hpcq |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for path in paths:
        original = qiskit.qasm2.load(
            str(path), custom_instructions=qiskit.qasm2.LEGACY_CUSTOM_INSTRUCTIONS
        )
        text = qiskit.qasm3.dumps(original)
        ours = qasm3.loads(text)
        theirs = qiskit.qasm3.loads(text)
        same, why = _same_gates(ours, theirs)
        unitary = "-"
        if original.num_qubits <= 10:
            unitary = str(Operator(ours.unitary()).equiv(Operator(original)))
        repeats = args.repeats if len(text) < 200_000 else 1
        t_hpcq = _best(functools.partial(qasm3.loads, text), max(repeats, 3))
        t_ref = _best(functools.partial(openqasm3.parse, text), repeats)
        t_qiskit = _best(functools.partial(qiskit.qasm3.loads, text), repeats)
        print(
            f"| {path.stem} | {len(text) / 1024:.0f} | {same}{' (' + why + ')' if why else ''} "
            f"| {unitary} | {t_hpcq:.3f} | {t_ref:.2f} | {t_qiskit:.2f} "
            f"| {t_qiskit / t_hpcq:.0f}x |",
            flush=True,
        )

    print()
    print("| malformed program | fault at | hpcq | openqasm3.parse | qiskit.qasm3.loads |")
    print("|---|---|---|---|---|")
    right = {"hpcq": 0, "reference": 0, "qiskit": 0}
    readers: dict[str, Callable[[str], object]] = {
        "hpcq": qasm3.loads,
        "reference": openqasm3.parse,
        "qiskit": qiskit.qasm3.loads,
    }
    for name, program, line, column in MALFORMED:
        cells = []
        for key, read in readers.items():
            printed = io.StringIO()
            try:
                with contextlib.redirect_stderr(printed):
                    read(program)
            except Exception as exc:  # any reader's error is what is looked at
                place = _place(exc, printed.getvalue())
                if place == (line, column):
                    right[key] += 1
                    cells.append(f"{place[0]}:{place[1]}")
                elif place[0] is None:
                    cells.append(f"no place ({type(exc).__name__})")
                else:
                    cells.append(f"{place[0]}:{place[1]} (wrong)")
            else:
                cells.append("accepted")
        print(f"| {name} | {line}:{column} | " + " | ".join(cells) + " |")
    total = len(MALFORMED)
    print(
        f"\nright places: hpcq {right['hpcq']}/{total}, openqasm3.parse "
        f"{right['reference']}/{total}, qiskit.qasm3.loads {right['qiskit']}/{total}"
    )
    del np
    return 0


if __name__ == "__main__":
    sys.exit(main())
