"""Building: the runtime library (compiled once and cached), objects and linking.

``build(module, output)`` turns a QIR module into

* an executable, when the module has an entry point (``main`` is added if missing);
* a static (``.a``) or shared (``.so``) library, when it has no entry point: its
  functions get the runtime's function-level hooks and the runtime is linked in, so a
  host program links only this one library (plus ``-lm``).

The runtime library is compiled with the C compiler :func:`find_c_compiler`
finds, into ``hpcq._config.cache_dir()/runtime/<key>``, keyed on a hash of the C
sources and the compiler, so it is built once per machine and compiler.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from hpcq import _config
from hpcq.exceptions import QirError

logger = logging.getLogger(__name__)

_SOURCES = ("hpcq_rt.c", "hpcq_rt.h")
_CFLAGS = ("-std=c99", "-O3", "-ffp-contract=off", "-fPIC", "-Wall")
_BITCODE = b"BC\xc0\xde"
_BITCODE_WRAPPER = b"\xde\xc0\x17\x0b"


@dataclass(frozen=True)
class RuntimeLibrary:
    """The built runtime library.

    Attributes:
        directory: Where its files are (also holds ``hpcq_rt.h``).
        object: ``hpcq_rt.o``, position independent.
        static: ``libhpcq_rt.a``.
        shared: ``libhpcq_rt.so``.
        compiler: The compiler command that built it.
    """

    directory: Path
    object: Path
    static: Path
    shared: Path
    compiler: tuple[str, ...]

    @property
    def header(self) -> Path:
        return self.directory / "hpcq_rt.h"


def source_dir() -> Path:
    """The directory holding the runtime's C sources."""
    return Path(str(resources.files("hpcq.qir") / "csrc"))


def find_c_compiler() -> str | None:
    """The C compiler hpcq uses: ``HPCQ_CC``, ``CC``, then cc, gcc or clang on PATH."""
    named = _config.c_compiler()
    if named:
        return shutil.which(named.split()[0]) and named
    for candidate in ("cc", "gcc", "clang"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


def c_compiler() -> tuple[str, ...]:
    """The C compiler command.

    Raises:
        QirError: No C compiler found (set HPCQ_CC or CC, or install cc/gcc/clang).
    """
    found = find_c_compiler()
    if not found:
        named = _config.c_compiler()
        detail = f" ({named!r} from HPCQ_CC/CC is not on PATH)" if named else ""
        raise QirError(
            f"no C compiler found{detail}: building QIR programs needs one; "
            "install gcc or clang, or set HPCQ_CC"
        )
    return tuple(shlex.split(found))


def _run(command: list[str], what: str) -> None:
    logger.debug("running %s", shlex.join(command))
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise QirError(f"{what}: cannot run {command[0]}: {exc}") from exc
    if done.returncode != 0:
        raise QirError(f"{what} failed ({shlex.join(command)}):\n{done.stderr.strip()}")


def runtime_library() -> RuntimeLibrary:
    """The runtime library for this compiler, built into the cache on first use."""
    compiler = c_compiler()
    sources = source_dir()
    digest = hashlib.sha256()
    for name in _SOURCES:
        digest.update((sources / name).read_bytes())
    digest.update(" ".join(compiler + _CFLAGS).encode())
    resolved = shutil.which(compiler[0]) or compiler[0]
    digest.update(resolved.encode())
    directory = _config.cache_dir() / "runtime" / digest.hexdigest()[:16]
    library = RuntimeLibrary(
        directory,
        directory / "hpcq_rt.o",
        directory / "libhpcq_rt.a",
        directory / "libhpcq_rt.so",
        compiler,
    )
    if library.shared.exists() and library.static.exists():
        return library
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="build-", dir=directory.parent))
    try:
        for name in _SOURCES:
            shutil.copy(sources / name, staging / name)
        obj = staging / "hpcq_rt.o"
        _run(
            [*compiler, *_CFLAGS, "-c", str(staging / "hpcq_rt.c"), "-o", str(obj)],
            "compiling the runtime",
        )
        _archive(staging / "libhpcq_rt.a", [obj])
        _run(
            [*compiler, "-shared", "-o", str(staging / "libhpcq_rt.so"), str(obj), "-lm"],
            "linking the shared runtime",
        )
        try:
            os.replace(staging, directory)
        except OSError:
            if not library.shared.exists():  # not a concurrent build that won
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    logger.info("built the hpcq runtime library in %s", directory)
    return library


def _archive(output: Path, objects: list[Path]) -> None:
    ar = shutil.which("ar") or shutil.which("llvm-ar")
    if ar is None:
        raise QirError("no 'ar' archiver found to make a static library (install binutils)")
    if output.exists():
        output.unlink()
    _run([ar, "rcs", str(output), *map(str, objects)], "archiving")


def read_module(path: str | os.PathLike[str]) -> str:
    """The text of a ``.ll`` or ``.bc`` file (bitcode is recognized by its content),
    as QIR 2: typed pointers (QIR 1) are converted (:func:`hpcq.qir.reader.to_opaque`).

    Raises:
        QirError: OpenQASM instead of QIR, text that is not UTF-8, or not valid LLVM
            IR or bitcode; the message names the file.
        OSError: The file cannot be read.
    """
    from hpcq.qir.llvm import parse_bitcode
    from hpcq.qir.reader import to_opaque

    path = Path(path)
    data = path.read_bytes()
    if data[:4] == _BITCODE or data[:4] == _BITCODE_WRAPPER:
        return str(parse_bitcode(data, str(path)))
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if path.suffix in (".qasm", ".qasm2", ".qasm3") or head.startswith(b"OPENQASM"):
        raise QirError(
            f"{path}: an OpenQASM file, not QIR: compile it first "
            f"(hpcq compile {path} -o {path.with_suffix('.ll')}), or run it with hpcq run"
        )
    try:
        return to_opaque(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise QirError(
            f"{path}: not UTF-8 text: byte 0x{data[exc.start]:02x} at line {line}, "
            f"column {column}; a .ll file is LLVM IR text (a .bc file is bitcode)"
        ) from None


_LIBRARY_SUFFIXES = {".a": "static", ".so": "shared"}


def resolve_kind(module: str, output: str | os.PathLike[str], kind: str, where: str) -> str:
    """What :func:`build` makes of ``module`` for ``output``: ``"executable"``,
    ``"static"`` or ``"shared"``.

    Raises:
        QirError: A program asked of a module without an entry point (``kind`` is
            ``"executable"``, or ``"auto"`` with an output not named ``.a`` or ``.so``),
            or a library of one with an entry point.
        ValueError: An unknown ``kind``.
    """
    from hpcq.qir.entry import inspect

    if kind not in ("auto", "executable", "static", "shared"):
        raise ValueError(f"kind must be auto, executable, static or shared, not {kind!r}")
    info = inspect(module, where)
    program = bool(info.entry_points) or info.has_main
    suffix = Path(output).suffix
    if kind == "auto":
        if program:
            return "executable"
        if suffix not in _LIBRARY_SUFFIXES:
            raise QirError(
                f'{where}: no entry point (no function has the "entry_point" or '
                f'"EntryPoint" attribute), so it is a library, not a program: name the '
                f"output .a (static) or .so (shared), or pass --kind static or shared"
            )
        return _LIBRARY_SUFFIXES[suffix]
    if kind == "executable" and not program:
        raise QirError(
            f"{where}: no entry point and no main: a library module; build it as a library"
        )
    if kind != "executable" and program:
        raise QirError(f"{where}: has an entry point; a library has none")
    return kind


def describe_kind(kind: str) -> str:
    """Words for what :func:`build` wrote, for messages."""
    return {
        "executable": "an executable program",
        "static": "a static library (ar archive; the module has no entry point)",
        "shared": "a shared library (the module has no entry point)",
    }[kind]


def build(
    module: str,
    output: str | os.PathLike[str],
    *,
    kind: str = "auto",
    where: str = "<module>",
) -> Path:
    """Build a QIR module (text) into a program or a library.

    Args:
        module: The module as LLVM IR text (QIR 1 or 2; an entry point named ``main``
            is renamed and called from the ``main`` hpcq adds).
        output: The file to write.
        kind: ``"executable"``, ``"static"``, ``"shared"`` or ``"auto"``: an
            executable for a module with an entry point or ``main``, else a library,
            shared when ``output`` ends in ``.so``, static when it ends in ``.a``
            (another name is an error: a program was asked of a library module).
        where: A name for the module in messages.

    Returns:
        The path written.

    Raises:
        QirError: The module is invalid, breaks a safety rule
            (:data:`hpcq.qir.validate.SAFETY_RULES`), calls a function the runtime
            does not provide (named, before anything is linked), is of the wrong kind,
            or a tool fails.
    """
    from hpcq.qir.entry import add_hooks, add_main, bound_loops, inspect, rename_main
    from hpcq.qir.llvm import object_code
    from hpcq.qir.reader import to_opaque
    from hpcq.qir.validate import require_runtime_functions, require_safe

    output = Path(output)
    module = to_opaque(module)
    require_safe(module, where=where)
    kind = resolve_kind(module, output, kind, where)
    require_runtime_functions(module, program=kind == "executable", where=where)
    info = inspect(bound_loops(rename_main(module, where), where), where)
    if kind == "executable":
        text = info.text if info.has_main else add_main(info.text, where)
    else:
        text = add_hooks(info.text, where)
    library = runtime_library()
    with tempfile.TemporaryDirectory(prefix="hpcq-build-") as tmp:
        obj = Path(tmp) / "module.o"
        obj.write_bytes(object_code(text, where))
        output.parent.mkdir(parents=True, exist_ok=True)
        if kind == "executable":
            _run(
                [*library.compiler, str(obj), str(library.static), "-lm", "-o", str(output)],
                "linking",
            )
        elif kind == "static":
            _archive(output, [obj, library.object])
        else:
            _run(
                [
                    *library.compiler,
                    "-shared",
                    "-o",
                    str(output),
                    str(obj),
                    str(library.object),
                    "-lm",
                ],
                "linking the shared library",
            )
    logger.info("built %s %s", kind, output)
    return output
