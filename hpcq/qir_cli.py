"""Sub-commands of the QIR backend: ``hpcq qir check``, ``hpcq build`` and ``hpcq run``.

Only argparse is imported here; the work is imported when a command runs.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    """Add ``qir``, ``build`` and ``run`` to the ``hpcq`` command."""
    qir = subparsers.add_parser(
        "qir",
        help="QIR tools: check a module against the QIR profiles",
        description="Tools for QIR modules.",
    )
    qir_commands = qir.add_subparsers(dest="qir_command", metavar="COMMAND", required=True)
    check = qir_commands.add_parser(
        "check",
        help="validate QIR modules against the base/adaptive profile rules",
        description="Parse QIR modules (.ll or .bc) with LLVM and check the profile rules: "
        "block structure, allowed instructions, qubit and result ids, declared functions, "
        "one entry point, module flags; and the safety rules that build and run also apply "
        "(indirect-call, recursion, output-label, back-edge, angle). Prints each violation "
        "with its rule, function and instruction; exits 1 if there is any.",
    )
    check.add_argument("files", nargs="+", metavar="FILE.ll", help="QIR modules")
    check.add_argument(
        "--extensions",
        action="store_true",
        help="allow hpcq's extensions (main, finalize, hooks, double parameters, libraries)",
    )
    check.set_defaults(func=_cmd_check)

    build = subparsers.add_parser(
        "build",
        help="link a QIR module with hpcq's runtime into a program or library",
        description="Build a QIR module (QIR 1 or 2, from any producer) into an executable "
        "(a module with an entry point: main is added) or a static/shared library (a module "
        "without one; name the output .a or .so). Functions the runtime does not provide "
        "are named before linking. Needs a C compiler (HPCQ_CC, CC, cc, gcc or clang).",
    )
    build.add_argument("module", metavar="PROG.ll", help="a QIR module (.ll or .bc)")
    build.add_argument("-o", "--output", required=True, help="the file to write")
    build.add_argument(
        "--kind",
        choices=("auto", "executable", "static", "shared"),
        default="auto",
        help="what to build (default: executable with an entry point, else a library "
        "by the output's suffix, .so shared, .a static)",
    )
    build.set_defaults(func=_cmd_build)

    run = subparsers.add_parser(
        "run",
        help="run a circuit or QIR module and print the counts",
        description="Compile (OpenQASM 2 or 3) or read (QIR) a program, link it with hpcq's "
        "runtime or JIT it in-process, run it for --shots shots and print the counts of "
        "its classical registers (keys: registers last-first, bits most significant first).",
    )
    run.add_argument(
        "source", metavar="IN.qasm|IN.ll", help="an OpenQASM 2 or 3 file or a QIR module"
    )
    run.add_argument("--shots", type=int, default=1024, help="number of shots (default 1024)")
    run.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    run.add_argument("--json", action="store_true", help="print the counts as JSON")
    run.add_argument("--jit", action="store_true", help="run in-process with LLVM's JIT")
    run.add_argument(
        "--max-loop-iterations",
        type=_positive,
        default=None,
        metavar="N",
        help="stop a shot with an error after N loop iterations, in a module that declares "
        "backwards branching (default: the runtime's, 10000000)",
    )
    run.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="value of a parameter of the entry point (repeatable)",
    )
    run.set_defaults(func=_cmd_run)


def _positive(text: str) -> int:
    """An argparse type: an integer from 1 to 2**64 - 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 0 < value < 2**64:
        raise argparse.ArgumentTypeError(f"needs a positive integer, not {text!r}")
    return value


@contextlib.contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """SIGTERM unwinds (hpcq's main reports it, status 143), so temporary build
    directories are removed and a running program is killed on the way out."""
    from hpcq.cli import raise_stop_requested

    try:
        previous = signal.signal(signal.SIGTERM, raise_stop_requested)
    except ValueError:  # not the main thread: leave signals to the caller
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _cmd_check(args: argparse.Namespace) -> int:
    from hpcq.qir.toolchain import read_module
    from hpcq.qir.validate import check

    failed = 0
    for path in args.files:
        violations = check(read_module(path), extensions=args.extensions, where=path)
        errors = [v for v in violations if not v.warning]
        warnings = len(violations) - len(errors)
        if errors:
            failed += 1
            also = f" and {warnings} warning(s)" if warnings else ""
            print(f"{path}: {len(errors)} violation(s){also}")
        elif warnings:
            print(f"{path}: ok, {warnings} warning(s)")
        else:
            print(f"{path}: ok")
        for violation in violations:
            print(f"  {violation}")
    return 1 if failed else 0


def _cmd_build(args: argparse.Namespace) -> int:
    from hpcq.qir.toolchain import build, describe_kind, read_module, resolve_kind

    module = read_module(args.module)
    kind = resolve_kind(module, args.output, args.kind, args.module)
    with _stop_on_sigterm():
        path = build(module, args.output, kind=kind, where=args.module)
    print(f"wrote {path}: {describe_kind(kind)}")
    return 0


def _lightly_compiled(source: str) -> Any:
    """A ``.qasm`` source compiled at -O1 (measured first if it measures nothing); a
    QIR module's path as it is. Circuits with symbolic parameters are not compiled:
    the compiler verifies at bound values, the emitter lowers them as they are."""
    if Path(source).suffix != ".qasm":
        return source
    from hpcq.compiler import compile
    from hpcq.ir import Circuit
    from hpcq.qir.execute import measured

    circuit = measured(Circuit.from_file(source), source)
    if circuit.parameters:
        return circuit
    return compile(circuit, optimization_level=1).circuit


def _cmd_run(args: argparse.Namespace) -> int:
    import json

    from hpcq.qir.execute import run

    params: dict[str, float] = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--param expects NAME=VALUE, not {item!r}")
        try:
            params[name.strip()] = float(value)
        except ValueError:
            raise ValueError(f"--param {name}: {value!r} is not a number") from None
    with _stop_on_sigterm():
        counts = run(
            _lightly_compiled(args.source),
            shots=args.shots,
            seed=args.seed,
            params=params,
            jit=args.jit,
            max_loop_iterations=args.max_loop_iterations,
        )
    if args.json:
        print(json.dumps(counts, indent=2))
        return 0
    width = max((len(k) for k in counts), default=5)
    print(f"{'result':<{width}}  {'count':>7}  {'fraction':>8}")
    for key, count in counts.items():
        print(f"{key:<{width}}  {count:>7}  {count / args.shots:>8.4f}")
    return 0
