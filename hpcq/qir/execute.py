"""Running circuits and QIR modules: as a linked executable or in-process (JIT).

Both ways link hpcq's C runtime library, so they print the same shot output; the JIT
way compiles the module with LLVM's MCJIT inside this process and loads the runtime's
shared library into it, which saves the link step.
"""

from __future__ import annotations

import ctypes
import logging
import os
import random
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Union

from hpcq.exceptions import QirError
from hpcq.qir.output import counts as count_output
from hpcq.qir.output import parse_output
from hpcq.qir.reader import to_opaque

if TYPE_CHECKING:
    from hpcq.ir import Circuit

logger = logging.getLogger(__name__)

Source = Union["Circuit", str, "os.PathLike[str]"]
Params = Mapping[str, float] | Sequence[float] | None


def module_text(source: Source) -> tuple[str, str]:
    """``(QIR text, name for messages)`` for a circuit, a ``.qasm``/``.ll``/``.bc`` path."""
    from hpcq.ir import Circuit
    from hpcq.qir.emitter import emit
    from hpcq.qir.toolchain import read_module

    if isinstance(source, Circuit):
        return emit(measured(source, "<circuit>")), "<circuit>"
    path = Path(source)
    if path.suffix in (".ll", ".bc"):
        return read_module(path), str(path)
    if path.suffix == ".qasm":
        return emit(measured(Circuit.from_file(path), str(path))), str(path)
    raise ValueError(f"{path}: expected a .qasm, .ll or .bc file")


def measured(circuit: Circuit, where: str = "<circuit>") -> Circuit:
    """``circuit``, or a copy measuring every qubit when it measures none.

    A circuit without measurements would record no result to count: like Qiskit's
    ``measure_all``, the copy gets a classical register ``meas`` (``meas1``, ... if the
    name is taken) with qubit ``i`` measured into bit ``i`` at the end.
    """
    if circuit.num_qubits == 0 or any(op.name == "measure" for op in circuit):
        return circuit
    taken = {r.name for r in (*circuit.qregs, *circuit.cregs)}
    name, number = "meas", 0
    while name in taken:
        number += 1
        name = f"meas{number}"
    logger.warning("%s: no measurements: measuring every qubit into %s", where, name)
    copy = circuit.copy()
    register = copy.add_register(name, circuit.num_qubits, quantum=False)
    for qubit in range(circuit.num_qubits):
        copy.measure(qubit, register.start + qubit)
    return copy


def _parameter_values(names: Sequence[str], params: Params) -> list[float]:
    if params is None:
        params = {}
    if isinstance(params, Mapping):
        clean = [n.removeprefix("arg.") for n in names]
        missing = [n for n in clean if n not in params]
        unknown = sorted(set(params) - set(clean))
        if missing or unknown:
            raise ValueError(
                f"the entry point takes parameters ({', '.join(clean)}); "
                f"missing: {', '.join(missing) or '-'}; unknown: {', '.join(unknown) or '-'}"
            )
        return [float(params[n]) for n in clean]
    values = [float(v) for v in params]
    if len(values) != len(names):
        raise ValueError(f"the entry point takes {len(names)} parameter(s), got {len(values)}")
    return values


def run_output(
    source: Source,
    *,
    shots: int = 1024,
    seed: int | None = None,
    params: Params = None,
    jit: bool = False,
    max_loop_iterations: int | None = None,
) -> str:
    """The shot output (qir-runner's format) of running ``source``.

    Args:
        source: A circuit, or a ``.qasm``, ``.ll`` or ``.bc`` file. A circuit or
            ``.qasm`` file is emitted as it is (the emitter lowers it to QIR's gates;
            ``hpcq run`` compiles a ``.qasm`` at -O1 first: qir takes circuits and
            never calls the compiler).
        shots: Number of shots (at least 1).
        seed: Seed of the simulator's random numbers (random when ``None``).
        params: Values of the entry point's parameters, by name or in order.
        jit: Run in this process through LLVM's JIT instead of linking a program.
        max_loop_iterations: Loop iterations allowed in one shot of a module that
            declares backwards branching (``None``: the runtime's default); past it the
            run stops with an error instead of hanging.

    Raises:
        QirError: The module cannot be built or fails at run time.
        ValueError: Bad ``shots``, ``seed`` or ``params``.
    """
    if not isinstance(shots, int) or shots < 1:
        raise ValueError(f"shots must be a positive integer, not {shots!r}")
    if seed is None:
        seed = random.SystemRandom().randrange(2**63)
    if not isinstance(seed, int) or not 0 <= seed < 2**64:
        raise ValueError(f"seed must be an integer from 0 to 2**64 - 1, not {seed!r}")
    if max_loop_iterations is not None and (
        not isinstance(max_loop_iterations, int) or not 0 < max_loop_iterations < 2**64
    ):
        raise ValueError(
            f"max_loop_iterations must be a positive integer, not {max_loop_iterations!r}"
        )
    text, where = module_text(source)
    text = to_opaque(text)
    if jit:
        return _run_jit(text, where, shots, seed, params, max_loop_iterations)
    return _run_executable(text, where, shots, seed, params, max_loop_iterations)


def run(source: Source, **options: object) -> dict[str, int]:
    """Counts of the register values over the shots; options as for :func:`run_output`.

    Keys follow Qiskit: registers last-first separated by spaces, bits most significant
    first. A circuit without measurements has every qubit measured (see
    :func:`measured`).

    Raises:
        QirError: As :func:`run_output`, and when the program records no output at all
            (there would be nothing to count).
    """
    output = run_output(source, **options)  # type: ignore[arg-type]
    shots = parse_output(output)
    if not any(kind not in ("TUPLE", "ARRAY") for shot in shots for kind, _, _ in shot.records):
        where = source if isinstance(source, (str, os.PathLike)) else "<circuit>"
        raise QirError(
            f"{where}: the program records no output (no result, no value; at most empty "
            "tuples or arrays), so there is nothing to count"
        )
    return count_output(output)


def _run_executable(
    text: str, where: str, shots: int, seed: int, params: Params, max_loops: int | None
) -> str:
    from hpcq.qir.entry import inspect
    from hpcq.qir.toolchain import build

    info = inspect(text, where)
    entry = info.entry_point
    if entry is None:
        raise QirError(f"{where}: no entry point to run")
    values = _parameter_values(entry.parameters, params)
    with tempfile.TemporaryDirectory(prefix="hpcq-run-") as tmp:
        program = build(text, Path(tmp) / "program", where=where)
        command = [str(program), "--shots", str(shots), "--seed", str(seed)]
        if max_loops is not None:
            command += ["--max-loop-iterations", str(max_loops)]
        command.append("--")
        command += [repr(v) for v in values]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise QirError(
            f"{where}: the program failed (status {done.returncode}): {done.stderr.strip()}"
        )
    return done.stdout


def _run_jit(
    text: str, where: str, shots: int, seed: int, params: Params, max_loops: int | None
) -> str:
    import llvmlite.binding as llvm

    from hpcq.qir.entry import add_shot_wrapper, bound_loops, rename_main
    from hpcq.qir.llvm import parse, target_machine
    from hpcq.qir.toolchain import runtime_library
    from hpcq.qir.validate import require_runtime_functions, require_safe

    # what would crash the runtime would crash this process: refuse it first, and name
    # a missing function here rather than as the JIT's unresolved symbol
    require_safe(text, where=where)
    require_runtime_functions(text, where=where)
    text = rename_main(text, where)
    wrapped, entry = add_shot_wrapper(bound_loops(text, where), where)
    values = _parameter_values(entry.parameters, params)
    library = runtime_library()
    llvm.load_library_permanently(str(library.shared))
    runtime = ctypes.CDLL(str(library.shared))
    # the library stays loaded between runs: every run sets its limit (0 is the default)
    runtime.hpcq_rt_set_max_loop_iterations.restype = None
    runtime.hpcq_rt_set_max_loop_iterations.argtypes = [ctypes.c_uint64]
    runtime.hpcq_rt_set_max_loop_iterations(max_loops or 0)
    session = runtime.hpcq_rt_run_session
    session.restype = ctypes.c_int
    session.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_double),
        ctypes.c_int64,
        ctypes.c_uint64,
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_size_t,
    ]
    module = parse(wrapped, where)
    machine = target_machine()
    module.triple = machine.triple
    engine = llvm.create_mcjit_compiler(module, machine)
    engine.finalize_object()
    shot = engine.get_function_address("__hpcq_shot")
    array = (ctypes.c_double * max(len(values), 1))(*values)
    error = ctypes.create_string_buffer(1024)
    with tempfile.TemporaryDirectory(prefix="hpcq-jit-") as tmp:
        out = Path(tmp) / "output.txt"
        status = session(
            shot,
            array,
            shots,
            seed,
            entry.metadata().encode(),
            str(out).encode(),
            error,
            len(error),
        )
        if status != 0:
            raise QirError(f"{where}: {error.value.decode(errors='replace')}")
        result = out.read_text()
    del engine
    return result
