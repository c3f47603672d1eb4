"""``compile`` and ``Compiler``: the preset pipelines by optimization level.

Levels (output gates: ``u3`` and ``cx``, plus the circuit's measurements, resets and
barriers):

0. Parse, expand user-defined gates, rebase to ``u3`` + ``cx``.
1. Level 0, then single-qubit fusion and CX cancellation (through commuting gates).
2. Level 1, then partition into blocks of at most ``max_block_size`` (3) qubits,
   resynthesize every block in parallel, keep a block's new circuit only where it has
   fewer CX (then fewer single-qubit gates) within the threshold, and fuse again.
3. Level 1, then a sweep over two-qubit blocks joined across commuting gates
   (:mod:`hpcq.passes.commutation_partition`), then level 2 repeated (with CX-deletion
   scanning of every block, and on 3-qubit blocks an exhaustive search over the
   structures with one CX fewer, :mod:`hpcq.passes.structure_search`) until the CX
   count and single-qubit count stop falling, rotating between the commuting-pairs,
   reversed, greedy and forward partitions (:mod:`hpcq.passes.reverse_partition`,
   :mod:`hpcq.passes.greedy_partition`), fused again. All of it runs from
   :data:`RESTARTS` seeds (circuits of at most :data:`RESTART_MAX_CX` CX) and the
   result with the fewest CX is kept; then, once, every 4-qubit block is resynthesized
   with a short search (:data:`FOUR_QUBIT_EXPANSIONS`).

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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from hpcq.exceptions import VerificationError
from hpcq.ir.circuit import Circuit

logger = logging.getLogger(__name__)

#: Optimization levels :func:`compile` accepts.
LEVELS = (0, 1, 2, 3)

#: Most level-2 sweeps level 3 runs while looking for a fixed point.
MAX_SWEEPS = 10

#: Level 3 runs its sweeps this many times, from different seeds, and keeps the
#: result with the fewest CX (then single-qubit gates): block synthesis is randomized,
#: and on adder9 single runs end between 59 and 64 CX.
RESTARTS = 3

#: Circuits with more CX than this (after level 1) get one level-3 run, not RESTARTS.
RESTART_MAX_CX = 1000

#: Search nodes LEAP may expand on each block of level 3's 4-qubit sweep. A search that
#: succeeds climbs with few expansions;
#: one that cannot succeed would otherwise wander for minutes (adder9's 19-CX block:
#: 100 s at the default of 1000, 0.6 s at 15).
FOUR_QUBIT_EXPANSIONS = 15

#: ``partitioner(circuit, max_block_size)``: blocks and pass-through operations.
Partitioner = Callable[[Circuit, int], list[Any]]

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
    ops = circuit.count_ops()
    one_qubit = sum(1 for op in circuit if len(op.qubits) == 1 and op.gate.is_unitary)
    return {"cx": ops.get("cx", 0), "1q": one_qubit, "depth": circuit.depth(), "ops": ops}


def _check_args(level: object, max_block_size: object, threshold: object) -> None:
    if level not in LEVELS or isinstance(level, bool):
        raise ValueError(f"optimization_level must be 0, 1, 2 or 3, not {level!r}")
    if not isinstance(max_block_size, int) or not 2 <= max_block_size <= 4:
        raise ValueError(f"max_block_size must be 2, 3 or 4, not {max_block_size!r}")
    if not isinstance(threshold, (int, float)) or not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be a number in (0, 1), not {threshold!r}")


class _Run:
    """One compilation: the current circuit, timings and block distances."""

    def __init__(self, seed: int | None, progress: ProgressFn | None) -> None:
        self.seed = 0 if seed is None else int(seed)
        self.progress = progress
        self.passes: dict[str, float] = {}
        self.distances: list[float] = []
        self.sweeps: list[dict[str, Any]] = []
        # Block outcomes by block key: a block tried in one sweep is not sent again.
        self.cache: dict[bytes, Circuit | None] = {}

    def report(self, event: str, done: int, total: int) -> None:
        """Tell the caller's progress function, if any (see :data:`ProgressFn`)."""
        if self.progress is not None:
            self.progress(event, done, total)

    def restart(self, attempt: int) -> _Run:
        """A fresh run from another seed whose pass times add up in this one's."""
        other = _Run(self.seed + 104_729 * attempt, self.progress)
        other.passes = self.passes
        return other

    def adopt(self, other: _Run) -> None:
        """Take ``other``'s block distances and sweeps (its circuit was kept)."""
        self.distances.extend(other.distances)
        self.sweeps.extend(other.sweeps)

    def step(self, name: str, circuit: Circuit, passes: Sequence[Any]) -> Circuit:
        from hpcq.passes import PassManager

        start = time.perf_counter()
        out = PassManager(list(passes)).run(circuit)
        self.passes[name] = self.passes.get(name, 0.0) + time.perf_counter() - start
        return out

    def simplify(self, circuit: Circuit) -> Circuit:
        from hpcq.passes import CancelCX, Fuse1Q

        return self.step("fuse_cancel", circuit, [Fuse1Q(), CancelCX(), Fuse1Q()])

    def sweep(
        self,
        circuit: Circuit,
        k: int,
        threshold: float,
        *,
        delete_cx: bool,
        min_cx: int = 2,
        partitioner: Partitioner | None = None,
        max_expansions: int | None = None,
    ) -> Circuit:
        from hpcq.passes.resynthesize import resynthesize

        self.report("sweep", len(self.sweeps) + 1, k)

        def blocks(done: int, total: int) -> None:
            if self.progress is not None:
                self.progress("blocks", done, total)

        result = resynthesize(
            circuit,
            max_block_size=k,
            threshold=threshold,
            seed=self.seed + 7919 * len(self.sweeps),
            delete_cx=delete_cx,
            min_cx=min_cx,
            progress=blocks,
            partitioner=partitioner,
            cache=self.cache,
            max_expansions=max_expansions,
        )
        stats = result.stats
        name = f"resynthesize_k{k}"
        self.passes[name] = self.passes.get(name, 0.0) + stats.seconds
        self.distances.extend(stats.distances)
        self.sweeps.append(
            {
                "block_size": k,
                "partition": getattr(partitioner, "__name__", "partition"),
                "blocks": stats.blocks,
                "sent": stats.candidates,
                "replaced": stats.replaced,
                "cx_saved": stats.cx_saved,
                "seconds": stats.seconds,
                "task_seconds": stats.task_seconds,
            }
        )
        return self.simplify(result.circuit)


def _pipeline(
    circuit: Circuit, level: int, run: _Run, max_block_size: int, threshold: float
) -> Circuit:
    from hpcq.passes import Rebase, Unroll

    circuit = run.step("unroll_rebase", circuit, [Unroll(), Rebase("u3")])
    if level == 0:
        return circuit
    circuit = run.simplify(circuit)
    if level == 1:
        return circuit
    if level == 2:
        return run.sweep(circuit, max_block_size, threshold, delete_cx=False)
    attempts = RESTARTS if _counts(circuit)[0] <= RESTART_MAX_CX else 1
    best: tuple[tuple[int, int], Circuit, _Run] | None = None
    for attempt in range(attempts):
        trial = run.restart(attempt)
        run.report("run", attempt + 1, attempts)
        out = _level3(circuit, trial, max_block_size, threshold)
        if best is None or _counts(out) < best[0]:
            best = (_counts(out), out, trial)
    assert best is not None
    run.adopt(best[2])
    circuit = best[1]
    if max_block_size < 4:
        # Once, on the kept result: every 4-qubit block, with a short search each.
        circuit = run.sweep(
            circuit, 4, threshold, delete_cx=False, max_expansions=FOUR_QUBIT_EXPANSIONS
        )
    return circuit


def _level3(circuit: Circuit, run: _Run, max_block_size: int, threshold: float) -> Circuit:
    """One level-3 run: commuting terms joined, then sweeps to a fixed point."""
    from hpcq.passes.commutation_partition import commutation_partition

    # Across commuting gates first: the 3-qubit sweeps then start from joined terms.
    circuit = run.sweep(circuit, 2, threshold, delete_cx=False, partitioner=commutation_partition)
    circuit = run.sweep(circuit, max_block_size, threshold, delete_cx=True)
    return _fixed_point(circuit, run, max_block_size, threshold)


def _counts(circuit: Circuit) -> tuple[int, int]:
    stats = circuit_stats(circuit)
    return stats["cx"], stats["1q"]


def _fixed_point(circuit: Circuit, run: _Run, k: int, threshold: float) -> Circuit:
    """Sweeps alternating forward and reversed partitions until neither improves."""
    from hpcq.passes.commutation_partition import commutation_partition
    from hpcq.passes.greedy_partition import greedy_partition
    from hpcq.passes.partition import partition
    from hpcq.passes.reverse_partition import reverse_partition

    partitioners: tuple[Partitioner, ...] = (
        commutation_partition,
        reverse_partition,
        greedy_partition,
        partition,
    )
    stale = 0
    for sweep in range(MAX_SWEEPS - 1):
        before = _counts(circuit)
        partitioner = partitioners[sweep % len(partitioners)]
        circuit = run.sweep(
            circuit,
            2 if partitioner is commutation_partition else k,
            threshold,
            delete_cx=True,
            partitioner=partitioner,
        )
        stale = stale + 1 if _counts(circuit) >= before else 0
        if stale >= len(partitioners):
            break
    return circuit


def _as_circuit(source: Any) -> tuple[Circuit, Circuit | None, str | None]:
    """``(circuit, reference, name)``; ``reference`` is set for a unitary input."""
    from hpcq.passes import to_circuit

    if isinstance(source, np.ndarray):
        from hpcq.ir.gates import UnitaryGate

        gate = UnitaryGate(source)
        reference = Circuit(gate.num_qubits).append(gate, tuple(range(gate.num_qubits)))
        return reference, reference, None
    name = str(source) if isinstance(source, Path) else None
    if isinstance(source, str) and "\n" not in source and ";" not in source:
        name = source
    return to_circuit(source), None, name


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
    from hpcq.passes.verify import error_bound
    from hpcq.passes.verify import verify as verify_circuits

    start = time.perf_counter()
    original, reference, name = _as_circuit(source)
    run = _Run(seed, progress)
    circuit = original
    if reference is not None:
        from hpcq.synthesis import synthesize

        t0 = time.perf_counter()
        matrix = reference[0].matrix()
        from hpcq.passes.resynthesize import MAX_BLOCK_DISTANCE

        # Exact (refit within MAX_BLOCK_DISTANCE), as every replaced block is.
        circuit = synthesize(
            matrix, threshold=threshold, seed=run.seed, max_distance=MAX_BLOCK_DISTANCE
        )
        run.passes["synthesize"] = time.perf_counter() - t0
        from hpcq.ir.distance import hilbert_schmidt_distance

        run.distances.append(hilbert_schmidt_distance(circuit.unitary(), matrix))
    before = circuit_stats(original)
    compiled = _pipeline(circuit, level, run, max_block_size, threshold)
    bound = error_bound(run.distances)
    stats: dict[str, Any] = {
        "num_qubits": original.num_qubits,
        "level": level,
        "before": before,
        "after": circuit_stats(compiled),
        "passes": run.passes,
        "resynthesis": run.sweeps,
    }
    if verify:
        from hpcq import _config

        threads = _verify_threads() if verify_threads is None else verify_threads
        run.report("verify", 0, 0)
        report = verify_circuits(
            original, compiled, bound=bound, seed=run.seed, threads=threads,
            budget=_config.verify_budget(),
        )  # fmt: skip
        stats["verify"] = report.to_dict()
        if not report.ok:
            raise VerificationError(
                f"{name or 'circuit'}: compiled circuit failed the {report.method} check "
                f"(distance {report.distance}, tolerance {report.tolerance:.1e})"
            )
    stats["seconds"] = time.perf_counter() - start
    logger.info(
        "compiled %s at -O%d: CX %d -> %d, 1q %d -> %d in %.2f s",
        name or "circuit", level, before["cx"], stats["after"]["cx"], before["1q"],
        stats["after"]["1q"], stats["seconds"],
    )  # fmt: skip
    return CompileResult(compiled, bound, stats, name)


def _verify_threads() -> int:
    """Threads for the whole-circuit check: one per idle worker, at most the CPUs here.

    The check runs on the client after the workers have finished, so their cores are
    free; inside a task (a list compile) it runs on one thread (see ``_compile_task``).
    """
    import os

    from hpcq.runtime import get_runtime, has_runtime

    workers = int(getattr(get_runtime(), "num_workers", 0) or 0) if has_runtime() else 0
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(workers, cpus))


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
    from hpcq.runtime._context import reset_runtime, set_runtime

    client = compiler.client if isinstance(compiler, Compiler) else compiler
    handle = getattr(client, "handle", None)
    if handle is None:
        raise TypeError(
            f"compiler must be an hpcq.Compiler or a RuntimeClient, not {type(compiler).__name__}"
        )
    token = set_runtime(handle)
    try:
        yield
    finally:
        reset_runtime(token)


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
        optimization_level: 0 to 3 (see the module docstring).
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
    _check_args(optimization_level, max_block_size, threshold)
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
    if isinstance(item, str) and ("\n" in item or ";" in item):
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
