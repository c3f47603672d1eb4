"""The ``hpcq`` command.

``hpcq --help`` lists the sub-commands. Each area of the package contributes its own
sub-commands through a ``register(subparsers)`` function in a small module that
imports nothing heavy, so that ``hpcq --help`` stays fast; the work is imported when a
command runs.

Errors print one line, ``hpcq: error: ...``, and exit with status 1 (2 for bad usage);
``--debug`` shows the traceback instead. Commands that read circuits take files or
directories; a directory stands for the ``.qasm`` files directly inside it.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import platform
import sys
from collections.abc import Sequence
from pathlib import Path

from hpcq import _config
from hpcq._version import __version__
from hpcq.exceptions import HpcqError

# Modules that add sub-commands, in the order --help lists them.
_COMMAND_MODULES = (
    "hpcq.compiler_cli",
    "hpcq.qir_cli",
    "hpcq.runtime.cli",
    "hpcq.synthesis.cli",
)

_EPILOG = """\
examples:
  hpcq stats examples/bell.qasm          qubits, operations by name, depth
  hpcq info                              versions, MPI library, C compiler
  mpiexec -n 4 hpcq compile a.qasm -O2   compile with the runtime on 3 ranks

environment: HPCQ_THREADS (threads per rank, default 1), HPCQ_LOG_LEVEL, HPCQ_NO_MPI,
HPCQ_CC, HPCQ_CACHE_DIR; see the documentation.
"""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    pass


class StopRequested(KeyboardInterrupt):
    """SIGTERM (``scancel``, a Slurm time limit) turned into an unwinding exception.

    It unwinds like Ctrl-C, so temporary files are removed and finished outputs stay;
    :func:`main` reports it in one line with the conventional status 143.
    """


def raise_stop_requested(signum: int, frame: object) -> None:
    """A SIGTERM handler for long commands: unwind through :class:`StopRequested`."""
    raise StopRequested


def expand_inputs(names: Sequence[str], suffix: str = ".qasm") -> list[str]:
    """The input files named on a command line, each directory replaced by its circuits.

    A directory stands for the ``suffix`` files directly inside it (not in its
    sub-directories), in name order: the same list as ``find DIR -maxdepth 1 -name
    '*.qasm' | sort`` in the Slurm templates. A file named twice is kept once.

    Raises:
        FileNotFoundError: Some names do not exist (all of them are named).
        ValueError: A directory holds no ``suffix`` file.
    """
    missing = [name for name in names if not os.path.exists(name)]
    if missing:
        label = "input not found" if len(missing) == 1 else "inputs not found"
        raise FileNotFoundError(f"{label}: {', '.join(missing)}")
    files: list[str] = []
    seen: set[Path] = set()
    for name in names:
        if os.path.isdir(name):
            entries = Path(name).iterdir()
            inside = sorted(e for e in entries if e.suffix == suffix and e.is_file())
            if not inside:
                raise ValueError(f"{name}: no {suffix} files in this directory")
            found = [str(entry) for entry in inside]
        else:
            found = [name]
        for path in found:
            key = Path(path).resolve()
            if key not in seen:
                seen.add(key)
                files.append(path)
    return files


def describe_error(exc: BaseException) -> str:
    """The one-line message for an error, naming the file of an ``OSError``.

    ``str()`` of an ``OSError`` reads ``[Errno 2] No such file or directory: 'x'``;
    ``x: No such file or directory`` reads better and puts the file first, like the
    ``file:line:col`` of a syntax error.
    """
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        if exc.filename2 is not None:
            return f"{exc.filename} -> {exc.filename2}: {exc.strerror}"
        return f"{exc.filename}: {exc.strerror}"
    return str(exc)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="hpcq",
        description="hpcq: an MPI-parallel quantum circuit compiler (OpenQASM 2 or 3 -> QIR).",
        epilog=_EPILOG,
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"hpcq {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show full tracebacks and debug logging"
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log output (-v info, -vv debug)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")

    info = subparsers.add_parser(
        "info",
        help="versions of hpcq and its dependencies, the MPI library and C compiler found",
        description="Print the versions of hpcq, numpy, numba, llvmlite and mpi4py, the MPI "
        "library found, the C compiler found, and the world size when run under mpiexec.",
    )
    info.set_defaults(func=_cmd_info)

    stats = subparsers.add_parser(
        "stats",
        help="qubits, operations by name and depth of OpenQASM 2 or 3 files",
        description="Parse OpenQASM 2 or 3 files and print their qubits, operations by name "
        "and depth.",
    )
    stats.add_argument(
        "files",
        nargs="+",
        metavar="FILE.qasm",
        help="OpenQASM files, or directories (the .qasm files directly inside each)",
    )
    stats.add_argument(
        "--json",
        action="store_true",
        help="print JSON instead of text: an object for one file, else a list",
    )
    stats.set_defaults(func=_cmd_stats)

    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # An area not installed in this build; a missing module *inside* it is a bug.
            if exc.name is None or not name.startswith(exc.name):
                raise
            continue
        module.register(subparsers)
    return parser


def _cmd_info(args: argparse.Namespace) -> int:
    rows: list[tuple[str, str]] = [("hpcq", __version__), ("python", platform.python_version())]
    for package in ("numpy", "numba", "llvmlite", "mpi4py"):
        try:
            module = importlib.import_module(package)
            rows.append((package, str(getattr(module, "__version__", "?"))))
        except ImportError:
            rows.append((package, "not installed"))
    rows.extend(_mpi_rows())
    from hpcq.qir.toolchain import find_c_compiler

    rows.append(("C compiler", find_c_compiler() or "not found (needed by 'hpcq build')"))
    rows.append(("threads per rank", str(_config.threads())))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    return 0


def _mpi_rows() -> list[tuple[str, str]]:
    if _config.mpi_disabled():
        return [("MPI", "disabled by HPCQ_NO_MPI")]
    try:
        from mpi4py import MPI
    except ImportError as exc:
        return [("MPI", f"unavailable ({exc}); hpcq runs serially")]
    library = MPI.Get_library_version().strip().splitlines()[0]
    major, minor = MPI.Get_version()
    version = f"{major}.{minor}"
    return [
        ("MPI library", library),
        ("MPI standard", version),
        ("world size", str(MPI.COMM_WORLD.Get_size())),
    ]


def _cmd_stats(args: argparse.Namespace) -> int:
    import json

    from hpcq.ir import Circuit

    results = []
    for path in expand_inputs(args.files):
        circuit = Circuit.from_file(path)
        results.append(
            {
                "file": path,
                "qubits": circuit.num_qubits,
                "clbits": circuit.num_clbits,
                "operations": len(circuit),
                "depth": circuit.depth(),
                "ops": circuit.count_ops(),
            }
        )
    if args.json:
        # One file named alone gives one object; a directory may hold any number of
        # files, so anything else is a list, whatever its length.
        alone = len(args.files) == 1 and not os.path.isdir(args.files[0])
        print(json.dumps(results[0] if alone else results, indent=2))
        return 0
    for entry in results:
        print(f"{entry['file']}")
        print(f"  qubits      {entry['qubits']}")
        print(f"  clbits      {entry['clbits']}")
        print(f"  operations  {entry['operations']}")
        print(f"  depth       {entry['depth']}")
        ops = entry["ops"]
        assert isinstance(ops, dict)
        for name, count in ops.items():
            print(f"    {name:<10}{count}")
    return 0


def _configure_logging(verbosity: int, debug: bool) -> None:
    if debug or verbosity >= 2:
        level = logging.DEBUG
    elif verbosity == 1:
        level = logging.INFO
    else:
        level = getattr(logging, _config.log_level(), logging.WARNING)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``hpcq`` command; returns the exit status.

    Under ``mpiexec -n N`` (or ``srun``) every rank runs this: ranks other than 0
    become the runtime's managers and workers here and never return; rank 0 brings
    the runtime up over them and runs the command.
    """
    from hpcq.runtime import launch

    launch.serve_if_worker()
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    _configure_logging(args.verbose, args.debug)
    if launch.launcher_present():
        # The other ranks are waiting for rank 0 to start the runtime; it stops at exit.
        launch.world_server()
    try:
        return int(args.func(args) or 0)
    except StopRequested:
        from hpcq.runtime import terminate

        print(terminate.MESSAGE, file=sys.stderr)
        return terminate.EXIT_STATUS
    except KeyboardInterrupt:
        print("hpcq: interrupted", file=sys.stderr)
        return 130
    except (HpcqError, OSError, ValueError, TypeError) as exc:
        if args.debug:
            raise
        print(f"hpcq: error: {describe_error(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
