"""The optimization levels as staged pass managers: :func:`preset_pass_manager`.

Every level has the stages ``init``, ``optimization`` and ``finalize``
(:data:`hpcq.passes.staged.STAGES`):

* ``init``: :class:`~hpcq.passes.check.KeepInput`, :class:`~hpcq.passes.Unroll` (user
  gates expanded), :class:`~hpcq.passes.synthesize.Synthesize` (unitary gates, exactly),
  :class:`~hpcq.passes.Rebase` to ``u3`` + ``cx``.
* ``optimization``, by level:

  0. nothing.
  1. single-qubit fusion and CX cancellation through commuting gates
     (``Fuse1Q``, ``CancelCX``, ``Fuse1Q``: "simplify" below).
  2. simplify, one :class:`~hpcq.passes.resynthesize.Resynthesize` sweep over blocks of
     at most ``max_block_size`` qubits, simplify.
  3. simplify, then from :data:`RESTARTS` seeds (:class:`~hpcq.passes.control.SeededRestarts`,
     inputs of at most :data:`RESTART_MAX_CX` CX; the run with the fewest CX is kept):
     a sweep over two-qubit blocks joined across commuting gates, a sweep with
     CX-deletion scanning, then a fixed point (a ``DoWhileController``) of sweeps
     rotating among the commuting-pairs, reversed, greedy and forward partitions until
     :data:`PATIENCE` sweeps in a row bring nothing or :data:`MAX_SWEEPS` ``- 1`` ran;
     finally, once, a sweep over 4-qubit blocks with short searches
     (:data:`FOUR_QUBIT_EXPANSIONS`). Every sweep is followed by simplify.

* ``finalize``: :class:`~hpcq.passes.check.Verify` (when ``verify``).

A run's records live in its property set: ``input``, ``block_distances``,
``resynthesis``, ``block_cache``, ``seed_offset``, ``fixed_point``, ``verify``,
``error_bound``, ``stage_seconds`` (see docs/concepts.md).

Example:
    >>> import hpcq
    >>> pm = hpcq.preset_pass_manager(1)
    >>> print(pm)
    init:
      KeepInput
      Unroll
      Synthesize
      Rebase(u3)
    optimization:
      Fuse1Q
      CancelCX
      Fuse1Q
    finalize:
      Verify
    >>> pm.run(hpcq.Circuit(2).h(0).h(0).cx(0, 1).cx(0, 1))
    Circuit(2 qubits, 0 clbits, 0 operations)
"""

from __future__ import annotations

from collections.abc import Callable

from hpcq.passes import CancelCX, Fuse1Q, Rebase, Unroll
from hpcq.passes.check import KeepInput, Verify
from hpcq.passes.commutation_partition import commutation_partition
from hpcq.passes.control import (
    Improving,
    RotatingController,
    SeededRestarts,
    StartFixedPoint,
    TrackImprovement,
)
from hpcq.passes.greedy_partition import greedy_partition
from hpcq.passes.partition import partition
from hpcq.passes.resynthesize import MAX_BLOCK_DISTANCE, Partitioner, Resynthesize
from hpcq.passes.reverse_partition import reverse_partition
from hpcq.passes.staged import StagedPassManager
from hpcq.passes.synthesize import Synthesize
from hpcq.passmanager import DoWhileController, Task

#: Optimization levels.
LEVELS = (0, 1, 2, 3)

#: Most level-2 sweeps level 3 runs while looking for a fixed point.
MAX_SWEEPS = 10

#: Sweeps in a row without improvement that end level 3's fixed point (one rotation).
PATIENCE = 4

#: Level 3 runs its sweeps this many times, from different seeds, and keeps the
#: result with the fewest CX (then single-qubit gates): block synthesis is randomized,
#: and on adder9 single runs end between 59 and 64 CX.
RESTARTS = 3

#: Circuits with more CX than this (after level 1) get one level-3 run, not RESTARTS.
RESTART_MAX_CX = 1000

#: Search nodes LEAP may expand on each block of level 3's 4-qubit sweep. A search that
#: succeeds climbs with few expansions; one that cannot succeed would otherwise wander
#: for minutes (adder9's 19-CX block: 100 s at the default of 1000, 0.6 s at 15).
FOUR_QUBIT_EXPANSIONS = 15

#: The fixed point's partitioners, in turn (the commuting-pairs one on 2-qubit blocks).
ROTATION: tuple[Partitioner, ...] = (
    commutation_partition,
    reverse_partition,
    greedy_partition,
    partition,
)

#: ``progress(event, done, total)``: ``"run"``, ``"sweep"``, ``"blocks"``, ``"verify"``
#: (see :data:`hpcq.compiler.ProgressFn`).
Progress = Callable[[str, int, int], None]


def check_options(level: object, max_block_size: object, threshold: object) -> None:
    """Raise ``ValueError`` naming the first bad one of these settings."""
    if level not in LEVELS or isinstance(level, bool):
        raise ValueError(f"optimization_level must be 0, 1, 2 or 3, not {level!r}")
    if not isinstance(max_block_size, int) or not 2 <= max_block_size <= 4:
        raise ValueError(f"max_block_size must be 2, 3 or 4, not {max_block_size!r}")
    if not isinstance(threshold, (int, float)) or not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be a number in (0, 1), not {threshold!r}")


def preset_pass_manager(
    optimization_level: int = 2,
    *,
    seed: int | None = None,
    max_block_size: int = 3,
    threshold: float = 1e-8,
    verify: bool = True,
    progress: Progress | None = None,
    verify_threads: int | None = None,
) -> StagedPassManager:
    """The pass manager of an optimization level (what :func:`hpcq.compile` runs).

    Args:
        optimization_level: 0 to 3 (see the module docstring).
        seed: Seed of every random start (``None``: 0): the same seed, the same circuit.
        max_block_size: Widest block resynthesized at levels 2 and 3 (2 to 4).
        threshold: Largest Hilbert-Schmidt cost a block search accepts (the kept
            circuit is then refit to within ``MAX_BLOCK_DISTANCE``).
        verify: End with the whole-circuit check (the ``finalize`` stage).
        progress: ``progress(event, done, total)`` as the run goes on.
        verify_threads: Threads of the check (``None``: one per idle worker).

    Returns:
        A :class:`~hpcq.passes.staged.StagedPassManager`; add passes to a stage with
        ``pm.optimization.append(...)``, run it with ``pm.run(circuit)``, read what it
        found in ``pm.property_set``.

    Raises:
        ValueError: A bad setting.
    """
    check_options(optimization_level, max_block_size, threshold)
    base = 0 if seed is None else int(seed)
    init: list[Task] = [
        KeepInput(),
        Unroll(),
        Synthesize(threshold=threshold, seed=base, max_distance=MAX_BLOCK_DISTANCE),
        Rebase("u3"),
    ]
    finalize: list[Task] = (
        [Verify(seed=base, threads=verify_threads, progress=progress)] if verify else []
    )

    def sweep(k: int, **options: object) -> list[Task]:
        return [
            Resynthesize(k, threshold, base, progress=progress, **options),  # type: ignore[arg-type]
            *_simplify(),
        ]

    optimization: list[Task] = []
    if optimization_level >= 1:
        optimization += _simplify()
    if optimization_level == 2:
        optimization += sweep(max_block_size)
    if optimization_level == 3:
        rounds = DoWhileController(
            [
                RotatingController(
                    [
                        Resynthesize(
                            2 if p is commutation_partition else max_block_size,
                            threshold,
                            base,
                            delete_cx=True,
                            partitioner=p,
                            progress=progress,
                        )
                        for p in ROTATION
                    ]
                ),
                *_simplify(),
                TrackImprovement(),
            ],
            do_while=Improving(PATIENCE, MAX_SWEEPS - 1),
            max_iteration=MAX_SWEEPS,
        )
        one_run: list[Task] = [
            # across commuting gates first: the wider sweeps start from joined terms
            *sweep(2, partitioner=commutation_partition),
            *sweep(max_block_size, delete_cx=True),
            StartFixedPoint(),
            rounds,
        ]
        optimization.append(
            SeededRestarts(one_run, restarts=RESTARTS, max_cx=RESTART_MAX_CX, progress=progress)
        )
        if max_block_size < 4:
            # once, on the kept result: every 4-qubit block, with a short search each
            optimization += sweep(4, max_expansions=FOUR_QUBIT_EXPANSIONS)
    return StagedPassManager(init=init, optimization=optimization, finalize=finalize)


def _simplify() -> list[Task]:
    return [Fuse1Q(), CancelCX(), Fuse1Q()]
