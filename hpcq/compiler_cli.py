"""``hpcq compile``: compile OpenQASM files at an optimization level.

Everything about the files is settled before the first circuit compiles: the inputs
exist (a directory stands for the ``.qasm`` files inside it), every output has a known
format, its directory exists (it is created) and takes new files, and so does the
report's. A mistake there is one line naming the file, with nothing compiled.

Each output is written atomically (a temporary file renamed over the target) as soon
as its circuit is done, and so is the ``--report``, rewritten after every circuit; a
job killed part-way keeps every finished circuit and a report that says how far it
got. ``--resume`` skips an output only when it is complete and valid (it reads back as
its format, fits its input, and matches the earlier report), and the resumed run's
report keeps the earlier circuits' statistics. A malformed input is reported
(``file:line:col: message``) while the others compile; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, TextIO

_DESCRIPTION = """\
Compile OpenQASM files or QIR modules. Levels: 0 parse and rebase to u3+cx; 1 also fuse
single-qubit gates and cancel CX pairs; 2 also resynthesize every block of <= 3 qubits in
parallel; 3 also joins two-qubit terms across commuting gates, then level 2 to a fixed point with
CX-deletion scanning (best of three seeded runs), then 4-qubit blocks.

INPUT is a file, or a directory standing for the .qasm files directly inside it.
INPUT may be OpenQASM 2 or 3 (the version line decides), or a base-profile QIR module
(.ll or .bc, QIR 1 or 2, from any producer): compiled to a .ll output, its quantum
instructions are replaced and its outputs, labels and attributes kept.
OUT is a file for one input, FILE.qasm or FILE.ll (QIR); otherwise a directory, created
if missing, holding one NAME.qasm (or NAME.ll with --format ll) per input; a name ending
in / is always a directory. A .qasm output is OpenQASM 2, or 3 with --format qasm3.
Outputs and the report are checked before any work starts.
Run under 'mpiexec -n N hpcq compile ...' to use N-1 worker ranks, or pass --workers K.
"""

_EPILOG = """\
examples:
  hpcq compile examples/bell.qasm -O1                  QASM on standard output
  hpcq compile examples/bell.qasm -o out/bell.ll       QIR, out/ created if missing
  hpcq compile examples/bell.qasm --format qasm3       OpenQASM 3 on standard output
  hpcq compile prog.ll -O3 -o prog.opt.ll              optimize another producer's QIR
  hpcq compile examples/ -O2 -o out --report out/report.json --resume
                                                       a batch that a rerun continues
"""

# Output suffix -> format, for a single output file.
_FORMATS = {".qasm": "qasm", ".ll": "ll"}
# Format -> the suffix of its files. OpenQASM 3 keeps ``.qasm``, as its producers write.
_SUFFIXES = {"qasm": ".qasm", "qasm3": ".qasm", "ll": ".ll"}

_PENDING = "pending"
_COMPILED = "compiled"
_FAILED = "failed"


def _threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must be a number in (0, 1), not {text!r}")
    return value


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, not {text!r}")
    return value


def register(subparsers: Any) -> None:
    """Add ``hpcq compile`` to the ``hpcq`` command."""
    parser = subparsers.add_parser(
        "compile",
        help="optimize OpenQASM circuits (levels 0-3), write QASM or QIR",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="OpenQASM files, or directories (the .qasm files directly inside each)",
    )
    parser.add_argument(
        "-O",
        dest="level",
        metavar="LEVEL",
        type=int,
        default=2,
        choices=(0, 1, 2, 3),
        help="optimization level 0-3 (default 2)",
    )
    parser.add_argument(
        "-o",
        dest="output",
        metavar="OUT",
        help="output file (one input: .qasm or .ll) or directory; default, or -: "
        "standard output for one input",
    )
    parser.add_argument(
        "--format",
        choices=("qasm", "qasm3", "ll"),
        help="qasm (OpenQASM 2), qasm3 (OpenQASM 3, also in a .qasm file) or ll (QIR); "
        "default: the suffix of -o FILE, else qasm",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        help="seed of the random starts (default 0: a rerun gives the same circuits)",
    )
    parser.add_argument(
        "--workers", type=_workers, default=None, metavar="K", help="worker ranks to start "
        "(default: serial, or the world's ranks under mpiexec)",
    )  # fmt: skip
    parser.add_argument(
        "--report",
        metavar="FILE.json",
        help="statistics of every circuit as JSON, rewritten after each circuit",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="skip inputs whose output exists and is complete (reads back, fits its "
        "input and the earlier --report); others are compiled again",
    )
    parser.add_argument(
        "--block-size",
        type=int,
        default=3,
        choices=(2, 3, 4),
        help="widest block resynthesized at levels 2 and 3, in qubits (default 3)",
    )
    parser.add_argument(
        "--threshold",
        type=_threshold,
        metavar="COST",
        default=1e-8,
        help="largest Hilbert-Schmidt cost of a resynthesized block (default 1e-8)",
    )
    parser.add_argument(
        "--no-verify", action="store_true", help="skip checking the result against the input"
    )
    parser.set_defaults(func=_cmd_compile)


def output_paths(
    inputs: list[str], output: str | None, fmt: str | None
) -> tuple[list[Path | None], str]:
    """Where each input's result goes (``None``: standard output), and in which format.

    Only looks at the file system; creates nothing.

    Raises:
        ValueError: Several inputs without an output directory, a file name for several
            outputs, an unknown suffix for one, a ``--format`` that contradicts the
            suffix, two inputs with one output, or an output that is an input or a
            directory.
    """
    if output is None or output == "-":
        if len(inputs) > 1:
            raise ValueError(
                f"several inputs need -o DIRECTORY ({len(inputs)} circuits, one output each)"
            )
        return [None], fmt or "qasm"
    out = Path(output)
    as_directory = output.endswith(("/", os.sep)) or out.is_dir()
    if len(inputs) == 1 and not as_directory and out.suffix:
        kind = _FORMATS.get(out.suffix)
        if kind is None:
            raise ValueError(
                f"-o {output}: unknown output suffix {out.suffix!r}; one output is a .qasm "
                f"or .ll file (end the name with / for a directory)"
            )
        if fmt is not None and _SUFFIXES[fmt] != out.suffix:
            raise ValueError(f"--format {fmt} contradicts -o {output}, a {kind} file")
        paths: list[Path | None] = [out]
        kind_of_all = fmt or kind
    else:
        if out.exists() and not out.is_dir():
            raise ValueError(f"-o {output}: exists and is not a directory")
        if len(inputs) > 1 and not as_directory and out.suffix in _FORMATS:
            raise ValueError(
                f"-o {output} names a file, but {len(inputs)} inputs need a directory"
            )
        kind_of_all = fmt or "qasm"
        paths = []
        written: dict[Path, str] = {}
        for name in inputs:
            target = out / (Path(name).stem + _SUFFIXES[kind_of_all])
            if target in written:
                raise ValueError(f"{written[target]} and {name} would both be written to {target}")
            written[target] = name
            paths.append(target)
    sources = {Path(name).resolve(): name for name in inputs}
    for name, path in zip(inputs, paths, strict=True):
        if path is not None and path.resolve() in sources:
            raise ValueError(f"-o {output} would overwrite the input {sources[path.resolve()]}")
        if path is not None and path.is_dir():
            raise ValueError(f"{path}, the output of {name}, is a directory")
    return paths, kind_of_all


def report_path(report: str, inputs: list[str], outputs: list[Path | None]) -> Path:
    """The ``--report`` file, refused when it is a directory, an input or an output."""
    path = Path(report)
    if path.is_dir():
        raise ValueError(f"--report {report} is a directory; name a file such as report.json")
    taken = {Path(name).resolve() for name in inputs}
    taken |= {p.resolve() for p in outputs if p is not None}
    if path.resolve() in taken:
        raise ValueError(f"--report {report} is also an input or an output")
    return path


def prepare_directory(directory: Path, option: str) -> None:
    """Create ``directory`` if it is missing and check that it takes new files.

    Raises:
        NotADirectoryError: A file stands where the directory or a parent should be.
        PermissionError: The directory cannot be created or cannot take new files.
    """
    for ancestor in (directory, *directory.parents):
        if ancestor.exists():
            if not ancestor.is_dir():
                raise NotADirectoryError(f"{option}: {ancestor} is not a directory")
            break
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PermissionError(
            f"{option}: cannot create the directory {directory}: {exc.strerror or exc}"
        ) from exc
    # The permission bits answer quickly for most users; root passes them, and a
    # read-only mount, an ACL or an immutable directory can still refuse, so a file
    # is created for real as well.
    if not os.access(directory, os.W_OK | os.X_OK):
        raise PermissionError(f"{option}: cannot write in {directory}: permission denied")
    try:
        fd, probe = tempfile.mkstemp(prefix=".hpcq-write-check-", dir=directory)
    except OSError as exc:
        raise PermissionError(
            f"{option}: cannot write in {directory}: {exc.strerror or exc}"
        ) from exc
    os.close(fd)
    os.unlink(probe)


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


def render(circuit: Any, fmt: str, name: str, where: str = "<stdout>") -> str:
    """The circuit as OpenQASM 2 (``fmt == "qasm"``) or 3 (``"qasm3"``) text, or as a
    validated QIR module (``"ll"``)."""
    if fmt == "ll":
        from hpcq.exceptions import QirError
        from hpcq.qir import check, emit

        text = emit(circuit, name=Path(name).stem.replace("-", "_") or "program")
        problems = check(text, where=where)
        if problems:
            raise QirError(f"{where}: emitted QIR is invalid: {problems[0]}")
        return text
    return str(circuit.to_qasm(version=3 if fmt == "qasm3" else 2))


def _same_file_key(name: str) -> str:
    # A rerun may name the same file differently (relative, absolute, through a link).
    return str(Path(name).resolve())


def earlier_rows(report: Path) -> tuple[dict[str, dict[str, Any]], str | None]:
    """The compiled rows of an earlier report by input, and why the report was unreadable.

    Rows are keyed by the input's resolved path, so a rerun may name it differently.

    A report that is missing, corrupt or of another shape gives no rows (and a reason),
    never an error: the outputs themselves decide what is done.
    """
    if not report.exists():
        return {}, None
    try:
        rows = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return {}, f"cannot read the earlier report {report} ({exc}): its statistics are lost"
    if not isinstance(rows, list):
        return {}, f"the earlier report {report} is not a list of rows: its statistics are lost"
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        if isinstance(row, dict) and row.get("status") == _COMPILED and "input" in row:
            found[_same_file_key(str(row["input"]))] = row
    return found, None


def output_problem(
    path: Path, fmt: str, source: str, earlier: dict[str, Any] | None
) -> str | None:
    """Why an existing output cannot be kept by ``--resume``, or ``None`` if it can.

    It can when it is non-empty UTF-8 text that reads back as its format: QASM with the
    input's qubits, classical bits and measurements (and, when the earlier report has a
    row for it, exactly that row's operation counts), or QIR that passes
    :func:`hpcq.qir.check`.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if not data.strip():
        return "is empty"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "is not UTF-8 text"
    if fmt == "ll":
        return _qir_problem(text, path)
    from hpcq.ir.qasm3 import declares_version_3

    # A rerun that asks for the other OpenQASM version must not keep the old file.
    if declares_version_3(text) != (fmt == "qasm3"):
        return f"is OpenQASM {3 if fmt == 'qasm' else 2}, not the version asked for"
    return _qasm_problem(path, source, earlier)


def _qir_problem(text: str, path: Path) -> str | None:
    from hpcq.exceptions import HpcqError
    from hpcq.qir import check

    try:
        problems = check(text, where=str(path))
    except HpcqError as exc:
        return f"is not a valid QIR module ({exc})"
    if problems:
        return f"fails the QIR check ({problems[0]})"
    return None


def _qasm_problem(path: Path, source: str, earlier: dict[str, Any] | None) -> str | None:
    from hpcq.exceptions import HpcqError
    from hpcq.ir import Circuit

    try:
        written = Circuit.from_file(path)
    except (HpcqError, ValueError, RecursionError) as exc:
        return f"does not read back as OpenQASM ({exc})"
    try:
        original = Circuit.from_file(source)
    except (HpcqError, OSError, ValueError, RecursionError):
        return "cannot be checked against its input, which does not read"
    ops = written.count_ops()
    measured = ops.get("measure", 0), original.count_ops().get("measure", 0)
    if written.num_qubits != original.num_qubits:
        return f"has {written.num_qubits} qubits where its input has {original.num_qubits}"
    if written.num_clbits != original.num_clbits:
        return f"has {written.num_clbits} bits where its input has {original.num_clbits}"
    if measured[0] != measured[1]:
        return f"has {measured[0]} measurements where its input has {measured[1]}"
    expected = ((earlier or {}).get("stats") or {}).get("after", {}).get("ops")
    if isinstance(expected, dict) and dict(ops) != expected:
        return "does not match the earlier report's operation counts"
    return None


class Progress:
    """A one-line progress bar on a terminal; plain log lines otherwise."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.stream = stream
        self.tty = stream.isatty()
        self.done = 0
        self.start = time.perf_counter()
        self.name = ""
        self._stage_reset()

    def _stage_reset(self) -> None:
        self.run = ""
        self.stage = ""
        self.blocks = (0, 0)
        self.stage_start = time.perf_counter()

    def begin(self, name: str) -> None:
        self.name = name
        self._stage_reset()
        self._draw()

    def on_blocks(self, event: str, done: int, total: int) -> None:
        """The compiler's progress function (events: :data:`hpcq.compiler.ProgressFn`)."""
        if event == "run":
            self.run = f"run {done}/{total}"
        elif event == "sweep":
            self.stage = f"sweep {done} ({total}-qubit blocks)"
            self.blocks = (0, 0)
            self.stage_start = time.perf_counter()
        elif event == "verify":
            self.stage = "verify"
            self.blocks = (0, 0)
        elif event == "blocks":
            self.blocks = (done, total)
        if self.tty:
            self._draw()

    def finish(self, line: str) -> None:
        self.done += 1
        self.say(line)

    def say(self, line: str) -> None:
        """A line above the bar (the bar is drawn again below it)."""
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
        now = time.perf_counter()
        eta = ""
        if self.done:
            eta = f", ETA {(now - self.start) / self.done * (self.total - self.done):.0f} s"
        width = 20
        filled = int(width * self.done / max(1, self.total))
        bar = "#" * filled + "." * (width - filled)
        parts = [part for part in (self.run, self.stage) if part]
        done, total = self.blocks
        if total:
            text = f"blocks {done}/{total}"
            if 0 < done < total:
                # The sweep's own rate: its blocks are alike, the next sweep's may not be.
                left = (now - self.stage_start) / done * (total - done)
                text += f" (sweep ETA {left:.0f} s)"
            parts.append(text)
        stage = f" {self.name}: {', '.join(parts)}" if parts else f" {self.name}"
        self.stream.write(
            f"\r\033[K[{bar}] circuits {self.done}/{self.total}{eta}{stage}"[: self._columns()]
        )
        self.stream.flush()

    def _columns(self) -> int:
        # Longer than the terminal, the line would wrap and \r redraw only its tail.
        return max(40, shutil.get_terminal_size((120, 24)).columns - 1) + len("\r\033[K")


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
    """The final table: circuit, qubits, CX, single-qubit gates, depth, time, bound.

    A circuit kept by ``--resume`` shows the earlier run's counts, ``resumed`` for time.
    A circuit that failed has no row: its error line, printed when it failed, says
    everything. Nothing is printed when no circuit has a row.
    """
    header = ("circuit", "qubits", "CX", "1q gates", "depth", "time", "error bound")
    lines = [header]
    for r in rows:
        if r.get("status") == _FAILED:
            continue
        if r.get("status") != _COMPILED:
            lines.append((Path(r["input"]).name, "-", r.get("status", "?"), "", "", "", ""))
            continue
        lines.append(
            (
                Path(r["input"]).name,
                str(r["qubits"]),
                f"{r['cx_before']} -> {r['cx_after']}",
                f"{r['1q_before']} -> {r['1q_after']}",
                f"{r['depth_before']} -> {r['depth_after']}",
                "resumed" if r.get("resumed") else f"{r['seconds']:.2f} s",
                f"{r['error_bound']:.1e} ({r['verify'] or 'not verified'})",
            )
        )
    if len(lines) == 1:
        return
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


# A rewrite of the report takes time in proportion to its rows (measured: 6 ms for 100
# rows, 60 ms for 1,000, 0.5 s for 10,000), so rewriting it after every one of many
# quick circuits would cost more than compiling them. A rewrite is put off while less
# time than this many times the last rewrite's has passed since it: the report then
# costs at most about a tenth of the run, and any circuit that compiles for longer
# (every one at -O2) is in the report as soon as it is done. Lower is more current.
REPORT_PATIENCE = 10.0


class ReportFile:
    """The ``--report`` JSON, rewritten atomically as rows change (none: no report)."""

    def __init__(self, path: Path | None, rows: list[dict[str, Any]]) -> None:
        self.path = path
        self.rows = rows
        self.stale = False
        self.last_cost = 0.0
        self.last_end: float | None = None  # not written yet

    def update(self) -> None:
        """Rewrite the report now, unless that is put off (see ``REPORT_PATIENCE``)."""
        self.stale = True
        last = self.last_end
        if last is None or time.perf_counter() - last >= REPORT_PATIENCE * self.last_cost:
            self.flush()

    def flush(self) -> None:
        """Rewrite the report if a row changed since the last rewrite."""
        if self.path is None or not self.stale:
            return
        start = time.perf_counter()
        write_atomically(self.path, json.dumps(self.rows, indent=2, default=str) + "\n")
        self.last_end = time.perf_counter()
        self.last_cost = self.last_end - start
        self.stale = False


def _resumed_row(
    pending: dict[str, Any], path: Path, fmt: str, earlier: dict[str, dict[str, Any]]
) -> tuple[dict[str, Any] | None, str]:
    """The report row that keeps the existing ``path``, or ``None`` and why it cannot be kept.

    The earlier report's row counts only when it describes this very output.
    """
    before = earlier.get(_same_file_key(pending["input"]))
    if before is not None and _same_file_key(str(before.get("output"))) != str(path.resolve()):
        before = None
    problem = output_problem(path, fmt, pending["input"], before)
    if problem is not None:
        return None, problem
    if before is not None:
        # The earlier row under this run's names for the same files.
        names = {"input": pending["input"], "output": pending["output"]}
        return {**before, **names, "resumed": True}, ""
    note = "no earlier report row: statistics unknown"
    return {**pending, "status": "skipped (exists)", "note": note}, ""


#: What a first compile spends compiling numba kernels (measured on a 2-core machine).
FIRST_RUN_SECONDS = "about 10 s"


def _say_if_first_run(progress: Progress) -> None:
    """Tell a user at a terminal why the first compile of an installation is slow."""
    from hpcq.synthesis.warmup import kernels_cached

    if kernels_cached() is False:
        progress.say(
            f"hpcq compile: first run: compiling hpcq's numba kernels ({FIRST_RUN_SECONDS}, "
            "once; 'hpcq warmup' does it ahead of time)"
        )


def _read_qir(name: str) -> Any:
    """A QIR input (``.ll`` or ``.bc``) read into a circuit, or ``None`` for QASM."""
    if Path(name).suffix not in (".ll", ".bc"):
        return None
    from hpcq.qir import read_circuit
    from hpcq.qir.toolchain import read_module

    return read_circuit(read_module(name), name)


def _cmd_compile(args: argparse.Namespace) -> int:
    from hpcq.cli import describe_error, expand_inputs, raise_stop_requested
    from hpcq.exceptions import HpcqError

    # Every check on the files comes before the workers start and the first compile.
    inputs = expand_inputs(args.inputs)
    paths, fmt = output_paths(inputs, args.output, args.format)
    report = report_path(args.report, inputs, paths) if args.report else None
    for directory in sorted({p.parent for p in paths if p is not None}):
        prepare_directory(directory, f"-o {args.output}")
    if report is not None:
        prepare_directory(report.parent, f"--report {args.report}")
    progress = Progress(len(inputs), sys.stderr)
    if progress.tty and args.level >= 2:
        _say_if_first_run(progress)
    earlier: dict[str, dict[str, Any]] = {}
    if args.resume and report is not None:
        earlier, problem = earlier_rows(report)
        if problem:
            progress.say(f"hpcq compile: warning: {problem}")
    if args.resume and args.output is None:
        progress.say("hpcq compile: warning: --resume does nothing without -o")
    rows: list[dict[str, Any]] = [
        {"input": name, "output": str(path) if path is not None else "-", "status": _PENDING}
        for name, path in zip(inputs, paths, strict=True)
    ]
    written = ReportFile(report, rows)
    written.update()

    previous = signal.signal(signal.SIGTERM, raise_stop_requested)
    failed = 0
    try:
        with _open_compiler(args.workers) as compiler:
            for index, (name, path) in enumerate(zip(inputs, paths, strict=True)):
                if args.resume and path is not None and path.exists():
                    kept, problem = _resumed_row(rows[index], path, fmt, earlier)
                    if kept is not None:
                        rows[index] = kept
                        written.update()
                        progress.finish(f"hpcq compile: {name}: skipped, {path} is complete")
                        continue
                    progress.say(
                        f"hpcq compile: {name}: {path} exists but {problem}; compiling it again"
                    )
                progress.begin(Path(name).name)
                start = time.perf_counter()
                try:
                    qir_input = _read_qir(name)
                    result = compiler.compile(
                        Path(name) if qir_input is None else qir_input.circuit,
                        args.level,
                        seed=args.seed,
                        max_block_size=args.block_size,
                        threshold=args.threshold,
                        verify=not args.no_verify,
                        progress=progress.on_blocks,
                    )
                    if qir_input is not None and fmt == "ll":
                        # the module's own outputs, labels and attributes, kept
                        text = qir_input.write(result.circuit)
                    else:
                        text = render(result.circuit, fmt, name, str(path or "<stdout>"))
                except (HpcqError, OSError, ValueError) as exc:
                    failed += 1
                    message = describe_error(exc)
                    rows[index] = {**rows[index], "status": _FAILED, "error": message}
                    written.update()
                    progress.finish(f"hpcq: error: {message}")
                    continue
                seconds = time.perf_counter() - start
                if path is None:
                    sys.stdout.write(text)
                else:
                    write_atomically(path, text)
                row = _row(name, result, seconds)
                row["status"] = _COMPILED
                row["output"] = str(path) if path is not None else "-"
                rows[index] = row
                written.update()
                progress.finish(
                    f"hpcq compile: {name}: CX {row['cx_before']} -> {row['cx_after']} "
                    f"in {seconds:.2f} s" + (f" -> {path}" if path is not None else "")
                )
    except BaseException:
        # Stopped (SIGTERM, Ctrl-C) or failed: the rows done so far still reach the
        # report, and an error writing it must not hide the one that got here.
        with contextlib.suppress(OSError):
            written.flush()
        raise
    finally:
        progress.close()
        signal.signal(signal.SIGTERM, previous)
    written.flush()
    table_stream = sys.stderr if paths == [None] else sys.stdout
    print_table(rows, table_stream)
    return 1 if failed else 0
