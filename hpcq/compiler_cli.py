"""``hpcq compile``: compile OpenQASM 2 files at an optimization level.

Each output is written atomically (a temporary file renamed over the target) as soon
as its circuit is done, so a job killed part-way keeps every finished circuit and
``--resume`` skips them on the next run. A malformed input is reported
(``file:line:col: message``) while the others compile; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, TextIO

_DESCRIPTION = """\
Compile OpenQASM 2 files. Levels: 0 parse and rebase to u3+cx; 1 also fuse single-qubit
gates and cancel CX pairs; 2 also resynthesize every block of <= 3 qubits in parallel;
3 also joins two-qubit terms across commuting gates, then level 2 to a fixed point with
CX-deletion scanning (best of three seeded runs), then 4-qubit blocks.
OUT is a file for one input (.qasm, or .ll for QIR) and a directory for several.
Run under 'mpiexec -n N hpcq compile ...' to use N-1 worker ranks, or pass --workers K.
"""


def register(subparsers: Any) -> None:
    """Add ``hpcq compile`` to the ``hpcq`` command."""
    parser = subparsers.add_parser(
        "compile",
        help="optimize OpenQASM 2 circuits (levels 0-3), write QASM or QIR",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("inputs", nargs="+", metavar="IN.qasm", help="OpenQASM 2 files")
    parser.add_argument(
        "-O", dest="level", type=int, default=2, choices=(0, 1, 2, 3), help="level (default 2)"
    )
    parser.add_argument(
        "-o",
        dest="output",
        metavar="OUT",
        help="output file (one input) or directory (several); default: stdout for one input",
    )
    parser.add_argument(
        "--format",
        choices=("qasm", "ll"),
        help="output format in a directory (default qasm; a file's suffix decides for one)",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of the random starts")
    parser.add_argument(
        "--workers", type=int, default=None, help="worker ranks to start (default: serial, "
        "or the world's ranks under mpiexec)",
    )  # fmt: skip
    parser.add_argument("--report", metavar="FILE.json", help="write statistics as JSON")
    parser.add_argument(
        "--resume", action="store_true", help="skip inputs whose output already exists"
    )
    parser.add_argument(
        "--block-size", type=int, default=3, choices=(2, 3, 4), help="block width (default 3)"
    )
    parser.add_argument("--threshold", type=float, default=1e-8, help="synthesis threshold")
    parser.add_argument("--no-verify", action="store_true", help="skip the whole-circuit check")
    parser.set_defaults(func=_cmd_compile)


def output_paths(inputs: list[str], output: str | None, fmt: str | None) -> list[Path | None]:
    """Where each input's result goes (``None``: standard output).

    Raises:
        ValueError: Several inputs without an output directory, or duplicate names.
    """
    if output is None:
        if len(inputs) > 1:
            raise ValueError("several inputs need -o DIRECTORY")
        return [None]
    out = Path(output)
    if len(inputs) == 1 and not out.is_dir() and out.suffix in (".qasm", ".ll"):
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    suffix = "." + (fmt or "qasm")
    paths: list[Path | None] = []
    seen: set[Path] = set()
    for name in inputs:
        path = out / (Path(name).stem + suffix)
        if path in seen:
            raise ValueError(f"two inputs would both be written to {path}")
        seen.add(path)
        paths.append(path)
    return paths


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed over it."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render(circuit: Any, path: Path | None, name: str) -> str:
    """The circuit as QASM text, or as a validated QIR module for a ``.ll`` path."""
    if path is not None and path.suffix == ".ll":
        from hpcq.exceptions import QirError
        from hpcq.qir import check, emit

        text = emit(circuit, name=Path(name).stem.replace("-", "_") or "program")
        problems = check(text, where=str(path))
        if problems:
            raise QirError(f"{path}: emitted QIR is invalid: {problems[0]}")
        return text
    return str(circuit.to_qasm())


class Progress:
    """A one-line progress bar on a terminal; plain log lines otherwise."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.stream = stream
        self.tty = stream.isatty()
        self.done = 0
        self.start = time.perf_counter()
        self.name = ""
        self.blocks = (0, 0)

    def begin(self, name: str) -> None:
        self.name = name
        self.blocks = (0, 0)
        self._draw()

    def on_blocks(self, event: str, done: int, total: int) -> None:
        self.blocks = (done, total)
        if self.tty:
            self._draw()

    def finish(self, line: str) -> None:
        self.done += 1
        if self.tty:
            self.stream.write("\r\033[K")
        self.stream.write(line + "\n")
        self._draw()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\r\033[K")
            self.stream.flush()

    def _draw(self) -> None:
        if not self.tty:
            return
        elapsed = time.perf_counter() - self.start
        eta = ""
        if self.done:
            eta = f" ETA {elapsed / self.done * (self.total - self.done):.0f} s"
        width = 20
        filled = int(width * self.done / max(1, self.total))
        bar = "#" * filled + "." * (width - filled)
        blocks = f" blocks {self.blocks[0]}/{self.blocks[1]}" if self.blocks[1] else ""
        self.stream.write(
            f"\r\033[K[{bar}] circuits {self.done}/{self.total}{blocks} {self.name}{eta}"
        )
        self.stream.flush()


def _row(name: str, result: Any, seconds: float) -> dict[str, Any]:
    stats = result.stats
    verify = stats.get("verify") or {}
    return {
        "input": name,
        "qubits": stats["num_qubits"],
        "cx_before": stats["before"]["cx"],
        "cx_after": stats["after"]["cx"],
        "1q_before": stats["before"]["1q"],
        "1q_after": stats["after"]["1q"],
        "depth_before": stats["before"]["depth"],
        "depth_after": stats["after"]["depth"],
        "seconds": seconds,
        "error_bound": result.error_bound,
        "verify": verify.get("method"),
        "stats": stats,
    }


def print_table(rows: list[dict[str, Any]], stream: TextIO) -> None:
    """The final table: circuit, qubits, CX, single-qubit gates, depth, time, bound."""
    header = ("circuit", "qubits", "CX", "1q gates", "depth", "time", "error bound")
    lines = [header]
    for r in rows:
        if r.get("status") != "compiled":
            lines.append((Path(r["input"]).name, "-", r.get("status", "?"), "", "", "", ""))
            continue
        lines.append(
            (
                Path(r["input"]).name,
                str(r["qubits"]),
                f"{r['cx_before']} -> {r['cx_after']}",
                f"{r['1q_before']} -> {r['1q_after']}",
                f"{r['depth_before']} -> {r['depth_after']}",
                f"{r['seconds']:.2f} s",
                f"{r['error_bound']:.1e} ({r['verify']})",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        stream.write(
            "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() + "\n"
        )


def _open_compiler(workers: int | None) -> Any:
    from hpcq.compiler import Compiler
    from hpcq.runtime.launch import launcher_present

    if workers is None and not launcher_present():
        return Compiler(num_workers=0)
    return Compiler(num_workers=workers)


def _cmd_compile(args: argparse.Namespace) -> int:
    from hpcq.exceptions import HpcqError

    inputs: list[str] = list(args.inputs)
    fmt = args.format
    paths = output_paths(inputs, args.output, fmt)
    from hpcq.cli import raise_stop_requested

    previous = signal.signal(signal.SIGTERM, raise_stop_requested)
    rows: list[dict[str, Any]] = []
    failed = 0
    progress = Progress(len(inputs), sys.stderr)
    try:
        with _open_compiler(args.workers) as compiler:
            for name, path in zip(inputs, paths, strict=True):
                if args.resume and path is not None and path.exists():
                    rows.append({"input": name, "status": "skipped (exists)"})
                    progress.finish(f"hpcq compile: {name}: skipped, {path} exists")
                    continue
                progress.begin(Path(name).name)
                start = time.perf_counter()
                try:
                    result = compiler.compile(
                        Path(name),
                        args.level,
                        seed=args.seed,
                        max_block_size=args.block_size,
                        threshold=args.threshold,
                        verify=not args.no_verify,
                        progress=progress.on_blocks,
                    )
                    text = render(result.circuit, path, name)
                except (HpcqError, OSError, ValueError) as exc:
                    failed += 1
                    rows.append({"input": name, "status": "failed", "error": str(exc)})
                    progress.finish(f"hpcq: error: {exc}")
                    continue
                seconds = time.perf_counter() - start
                if path is None:
                    sys.stdout.write(text)
                else:
                    write_atomically(path, text)
                row = _row(name, result, seconds)
                row["status"] = "compiled"
                row["output"] = str(path) if path is not None else "-"
                rows.append(row)
                progress.finish(
                    f"hpcq compile: {name}: CX {row['cx_before']} -> {row['cx_after']} "
                    f"in {seconds:.2f} s" + (f" -> {path}" if path is not None else "")
                )
    finally:
        progress.close()
        signal.signal(signal.SIGTERM, previous)
    table_stream = sys.stderr if paths == [None] else sys.stdout
    print_table(rows, table_stream)
    if args.report:
        report = [{k: v for k, v in r.items()} for r in rows]
        write_atomically(Path(args.report), json.dumps(report, indent=2, default=str) + "\n")
    return 1 if failed else 0
