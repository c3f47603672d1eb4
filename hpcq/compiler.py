"""``compile`` and ``Compiler``: run the preset pass manager of a level.

:func:`compile` builds the level's staged pass manager
(:func:`hpcq.presets.preset_pass_manager`: the stages ``init``, ``optimization``,
``finalize``, and what each level runs), runs it on the input, and wraps the circuit
and the property set's records in a :class:`CompileResult`. Output gates: ``u3`` and
``cx``, plus the circuit's measurements, resets and barriers.

A block is replaced only by a circuit that implements it exactly: the structure a
search finds at its threshold is refit to machine precision
(:func:`hpcq.synthesis.refit`) and kept only within a Hilbert-Schmidt distance of
:data:`~hpcq.passes.resynthesize.MAX_BLOCK_DISTANCE` (``1e-12``) of the block. Every
replaced block's distance adds to ``CompileResult.error_bound``; with ``verify=True``
the result is also checked as a whole (:mod:`hpcq.passes.verify`), at random values
of its parameters when it has unbound ones.

Example:
    >>> import hpcq
    >>> result = hpcq.compile(hpcq.Circuit(2).h(0).h(0).cx(0, 1).cx(0, 1), 1)
    >>> len(result.circuit), result.stats["after"]["cx"]
    (0, 0)
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from hpcq import presets
from hpcq.exceptions import VerificationError
from hpcq.ir.circuit import Circuit, is_path
from hpcq.passes.control import gate_counts
from hpcq.passes.verify import error_bound

logger = logging.getLogger(__name__)

#: Optimization levels :func:`compile` accepts.
LEVELS = presets.LEVELS

#: ``progress(event, done, total)``, with ``event`` one of: ``"run"`` (level 3 starts
#: its run ``done`` of ``total`` seeded runs), ``"sweep"`` (resynthesis sweep ``done`` of
#: the current run starts, on blocks of ``total`` qubits), ``"blocks"`` (``done`` of the
#: sweep's ``total`` blocks finished) and ``"verify"`` (the whole-circuit check starts;
#: ``0, 0``).
ProgressFn = Callable[[str, int, int], None]


@dataclass
class CompileResult:
    """The compiled circuit and how it was obtained.

    Attributes:
        circuit: The compiled circuit (``u3``, ``cx`` and the input's directives).
        error_bound: Sum of the Hilbert-Schmidt distances of every replaced block: a
            bound on the distance ``d`` of ``circuit`` from the input (the distance is
            a metric, unchanged by the gates around a block). The entries of the two
            unitaries, at the best global phase, differ by at most
            ``sqrt(2**(n + 1)) * d`` on ``n`` qubits.
        stats: ``num_qubits``, ``level``, ``before`` and ``after`` (``cx``, ``1q``,
            ``depth``, ``ops``), ``passes`` (seconds per step), ``resynthesis`` (one
            entry per sweep), ``verify`` (the check's report) and ``seconds``.
        name: Where the input came from (a path), if known.
    """

    circuit: Circuit
    error_bound: float
    stats: dict[str, Any] = field(default_factory=dict)
    name: str | None = None


def circuit_stats(circuit: Circuit) -> dict[str, Any]:
    """CX count, single-qubit gate count, depth and operation counts of ``circuit``."""
    cx, one_qubit = gate_counts(circuit)
    return {"cx": cx, "1q": one_qubit, "depth": circuit.depth(), "ops": circuit.count_ops()}


def _as_circuit(source: Any) -> tuple[Circuit, str | None]:
    """``(circuit, name)``: a unitary becomes a circuit of one ``UnitaryGate``."""
    from hpcq.passes import to_circuit

    if isinstance(source, np.ndarray):
        from hpcq.ir.gates import UnitaryGate

        gate = UnitaryGate(source)
        return Circuit(gate.num_qubits).append(gate, tuple(range(gate.num_qubits))), None
    name = str(source) if isinstance(source, (str, Path)) and is_path(source) else None
    return to_circuit(source), name


def _compile_one(
    source: Any,
    level: int,
    seed: int | None,
    max_block_size: int,
    threshold: float,
    verify: bool,
    progress: ProgressFn | None = None,
    verify_threads: int | None = None,
) -> CompileResult:
    start = time.perf_counter()
    original, name = _as_circuit(source)
    pm = presets.preset_pass_manager(
        level,
        seed=seed,
        max_block_size=max_block_size,
        threshold=threshold,
        verify=verify,
        progress=progress,
        verify_threads=verify_threads,
    )
    seconds: dict[str, float] = {}

    def timed(pass_: Any, time: float, **_: Any) -> None:
        seconds[pass_.name()] = seconds.get(pass_.name(), 0.0) + time

    try:
        compiled = pm.run(original, callback=timed)
    except VerificationError as exc:
        raise VerificationError(f"{name or 'circuit'}: {exc}") from None
    properties = pm.property_set
    before = circuit_stats(original)
    stats: dict[str, Any] = {
        "num_qubits": original.num_qubits,
        "level": level,
        "before": before,
        "after": circuit_stats(compiled),
        "passes": seconds,
        "stages": dict(properties["stage_seconds"] or {}),
        "resynthesis": list(properties["resynthesis"] or []),
    }
    if verify:
        stats["verify"] = properties["verify"]
    stats["seconds"] = time.perf_counter() - start
    logger.info(
        "compiled %s at -O%d: CX %d -> %d, 1q %d -> %d in %.2f s",
        name or "circuit", level, before["cx"], stats["after"]["cx"], before["1q"],
        stats["after"]["1q"], stats["seconds"],
    )  # fmt: skip
    bound = error_bound(properties["block_distances"] or [])
    return CompileResult(compiled, bound, stats, name)


def _compile_task(args: tuple[Any, ...]) -> CompileResult:
    # Module-level so that it pickles: one circuit of a list, as a runtime task. Other
    # circuits run beside it on the other workers, so its check uses one thread.
    source, level, seed, max_block_size, threshold, verify = args
    return _compile_one(
        source, level, seed, max_block_size, threshold, verify, None, verify_threads=1
    )


@contextlib.contextmanager
def _active(compiler: Compiler | Any | None) -> Iterator[None]:
    """Make ``compiler``'s runtime the active one for the duration."""
    if compiler is None:
        yield
        return
    from hpcq.runtime import activated

    client = compiler.client if isinstance(compiler, Compiler) else compiler
    handle = getattr(client, "handle", None)
    if handle is None:
        raise TypeError(
            f"compiler must be an hpcq.Compiler or a RuntimeClient, not {type(compiler).__name__}"
        )
    with activated(handle):
        yield


def compile(
    input: Any,
    optimization_level: int = 2,
    *,
    seed: int | None = None,
    compiler: Compiler | Any | None = None,
    max_block_size: int = 3,
    threshold: float = 1e-8,
    verify: bool = True,
    progress: ProgressFn | None = None,
) -> Any:
    """Compile a circuit (or several) at an optimization level.

    Args:
        input: An :class:`hpcq.Circuit`, OpenQASM 2 text, a path to a ``.qasm`` file,
            a Qiskit circuit, a unitary ``numpy`` array (synthesized first), or a list
            of these (compiled in parallel when a runtime is available).
        optimization_level: 0 to 3 (see :mod:`hpcq.presets`).
        seed: Seed of every random start: the same seed gives the same circuit.
        compiler: An :class:`hpcq.Compiler` (or ``RuntimeClient``) whose runtime runs
            the tasks. Without one, the runtime active here is used, else serial.
        max_block_size: Widest block resynthesized at levels 2 and 3 (2 to 4).
        threshold: Largest Hilbert-Schmidt cost of a replacement block.
        verify: Check the result against the input as a whole.
        progress: ``progress(event, done, total)`` as the compile goes on (the events:
            :data:`ProgressFn`).

    Returns:
        A :class:`CompileResult`, or a list of them for a list input (same order).

    Raises:
        ValueError: A bad argument.
        QasmError: Malformed QASM input.
        VerificationError: The compiled circuit failed its whole-circuit check.
    """
    presets.check_options(optimization_level, max_block_size, threshold)
    with _active(compiler):
        if isinstance(input, (list, tuple)):
            return _compile_list(
                list(input), optimization_level, seed, max_block_size, threshold, verify
            )
        return _compile_one(
            input, optimization_level, seed, max_block_size, threshold, verify, progress
        )


def _size_estimate(item: Any) -> int:
    """A rough size of a list item, to start the biggest circuits first."""
    if isinstance(item, np.ndarray):
        return int(item.size) * 64
    if isinstance(item, Circuit):
        return len(item) * 32
    if isinstance(item, str) and not is_path(item):
        return len(item)
    if isinstance(item, (str, Path)):
        try:
            return Path(item).stat().st_size
        except OSError:
            return 0
    return 0


def _compile_list(
    inputs: list[Any],
    level: int,
    seed: int | None,
    max_block_size: int,
    threshold: float,
    verify: bool,
) -> list[CompileResult]:
    """Compile every input, one runtime task per circuit, biggest first.

    Each task resynthesizes its blocks through the same runtime (nested tasks), and a
    worker waiting for them runs other tasks meanwhile; idle workers steal unstarted
    circuits, so a batch of unequal circuits stays balanced. Results come back in the
    order of ``inputs``.
    """
    from hpcq.runtime import get_runtime, has_runtime

    args = [(item, level, seed, max_block_size, threshold, verify) for item in inputs]
    if has_runtime() and get_runtime().num_workers > 0:
        handle = get_runtime()
        order = sorted(range(len(args)), key=lambda i: -_size_estimate(inputs[i]))
        futures = {i: handle.submit(_compile_task, args[i]) for i in order}
        results: list[CompileResult] = handle.wait([futures[i] for i in range(len(args))]).result()
        return results
    return [_compile_task(a) for a in args]


class Compiler:
    """A parallel runtime kept up between compilations; a context manager.

    Args:
        num_workers: Worker ranks (attached mode: spawned here; default: the CPUs this
            process may use; 0: serial). Under ``mpiexec`` the world's ranks are used.
        address: ``HOST:PORT`` of a detached runtime (``hpcq serve``) to connect to.
        token_file: The detached runtime's token file.

    Example:
        >>> import hpcq
        >>> with hpcq.Compiler(num_workers=0) as compiler:
        ...     result = compiler.compile(hpcq.Circuit(1).h(0).h(0), 1)
        >>> len(result.circuit)
        0
    """

    def __init__(
        self,
        num_workers: int | None = None,
        *,
        address: str | None = None,
        token_file: str | None = None,
    ) -> None:
        from hpcq.runtime.client import RuntimeClient

        self.client = RuntimeClient(num_workers, address=address, token_file=token_file)

    @property
    def num_workers(self) -> int:
        """Worker ranks serving this compiler (0 when serial)."""
        return int(self.client.num_workers)

    @property
    def handle(self) -> Any:
        """The runtime handle (``submit``, ``map``, ``wait``, ``cancel``, ``next``)."""
        return self.client.handle

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` as a task; its future."""
        return self.client.submit(fn, *args, **kwargs)

    def map(self, fn: Callable[[Any], Any], iterable: Iterable[Any]) -> Any:
        """Run ``fn`` on every item; the future of the list of results."""
        return self.client.map(fn, iterable)

    def compile(
        self,
        input: Any,
        optimization_level: int = 2,
        *,
        seed: int | None = None,
        max_block_size: int = 3,
        threshold: float = 1e-8,
        verify: bool = True,
        progress: ProgressFn | None = None,
    ) -> Any:
        """:func:`compile` on this compiler's runtime (same arguments)."""
        return compile(
            input,
            optimization_level,
            seed=seed,
            compiler=self,
            max_block_size=max_block_size,
            threshold=threshold,
            verify=verify,
            progress=progress,
        )

    def close(self) -> None:
        """Shut the runtime down (attached ranks exit); idempotent."""
        self.client.close()

    def __enter__(self) -> Compiler:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
