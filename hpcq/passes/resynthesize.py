"""Block resynthesis: partition, synthesize every block in parallel, keep improvements.

The circuit (``cx`` + single-qubit gates) is partitioned into blocks of at most ``k``
qubits (:mod:`hpcq.passes.partition`). Every block with at least two CX becomes a
task that synthesizes its unitary with at most as many CX as it has now
(:func:`hpcq.synthesize` with ``max_cx``) and, optionally, scans the result for CX
that can be deleted (re-instantiating the structure without each CX in turn). A
block's new circuit is kept only when it has fewer CX, or as many CX and fewer
single-qubit gates, and its Hilbert-Schmidt cost against the block is within the
threshold; its distance is recorded so that the errors add up to a bound.

Tasks run through the active runtime (``get_runtime().map``) when there is one, in
batches balanced by estimated cost, and serially otherwise.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hpcq.exceptions import SynthesisError
from hpcq.ir.circuit import Circuit
from hpcq.ir.distance import hilbert_schmidt_distance
from hpcq.passes.base import TransformationPass
from hpcq.passes.control import gate_counts
from hpcq.passes.partition import Block, PartitionItem, block_from_circuit, partition

logger = logging.getLogger(__name__)

#: ``progress(done, total)`` is called as blocks finish.
Progress = Callable[[int, int], None]

#: ``partitioner(circuit, max_block_size)``: blocks and pass-through operations.
Partitioner = Callable[[Circuit, int], list[PartitionItem]]


#: Largest Hilbert-Schmidt distance of a kept block after its refit. A structure the
#: search accepted at its threshold is refit to rounding (about 1e-15) when it reaches
#: the block exactly; one that reaches it only approximately stays far above this and
#: is not kept. Lower would reject exact forms whose rounding is unlucky; higher would
#: let approximate forms add up across thousands of blocks (the whole circuit's
#: entries move by at most ``2**(k/2)`` times the sum of the kept distances).
MAX_BLOCK_DISTANCE = 1e-12


@dataclass(frozen=True)
class BlockTask:
    """One block to resynthesize (pickled to a worker).

    Attributes:
        index: Position of the block among the partition items.
        unitary: The block's unitary on its local qubits.
        cx: Its current CX count.
        one_qubit: Its current single-qubit gate count.
        cx_pairs: Its CX gates as local ``(control, target)`` pairs.
        threshold: Hilbert-Schmidt cost at which a search succeeds.
        seed: Seed of the synthesis starts.
        delete_cx: Also try deleting CX one by one and re-instantiating.
        max_expansions: Cap on the search's expanded nodes (``None``: its default).
        max_distance: Largest Hilbert-Schmidt distance of a kept circuit after its
            refit (see :data:`MAX_BLOCK_DISTANCE`).
    """

    index: int
    unitary: np.ndarray
    cx: int
    one_qubit: int
    cx_pairs: tuple[tuple[int, int], ...]
    threshold: float
    seed: int
    delete_cx: bool = False
    max_expansions: int | None = None
    max_distance: float = MAX_BLOCK_DISTANCE


@dataclass(frozen=True)
class BlockOutcome:
    """What a :class:`BlockTask` produced.

    Attributes:
        index: The task's index.
        circuit: The better local circuit, or ``None`` when nothing better was found.
        distance: Hilbert-Schmidt distance of ``circuit`` to the block (0 if none).
        seconds: Time spent.
        note: Why nothing better was kept, when it was not.
    """

    index: int
    circuit: Circuit | None
    distance: float
    seconds: float
    note: str = ""


@dataclass
class ResynthesisStats:
    """Counts of one resynthesis sweep.

    Attributes:
        blocks: Blocks in the partition.
        candidates: Blocks sent to synthesis (at least two CX).
        replaced: Blocks whose new circuit was kept.
        cx_saved: CX removed in total.
        seconds: Wall time of the sweep.
        task_seconds: Sum of the tasks' own times (work done over all workers).
        distances: Distance of each replaced block.
    """

    blocks: int = 0
    candidates: int = 0
    replaced: int = 0
    cx_saved: int = 0
    seconds: float = 0.0
    task_seconds: float = 0.0
    distances: list[float] = field(default_factory=list)


def _one_qubit(operations: Sequence[Any]) -> int:
    return gate_counts(operations)[1]


def _better(new: Circuit, cx: int, one_qubit: int) -> bool:
    return gate_counts(new) < (cx, one_qubit)


def _exact_form(candidate: Circuit, target: np.ndarray, max_distance: float) -> Circuit | None:
    """``candidate`` refit to ``target`` and fused, or ``None`` if it stays too far."""
    from hpcq.passes.fuse1q import Fuse1Q
    from hpcq.synthesis import refit

    fitted = refit(candidate, target)
    fused = Fuse1Q().run(fitted)
    if fused.operations != fitted.operations:
        # Fusion rounds, and drops gates within 1e-10 of the identity: fit again.
        fused = refit(fused, target)
    if hilbert_schmidt_distance(fused.unitary(), target) > max_distance:
        return None
    return fused


def _delete_scan(
    target: np.ndarray,
    pairs: tuple[tuple[int, int], ...],
    threshold: float,
    seed: int,
    max_distance: float = MAX_BLOCK_DISTANCE,
) -> Circuit | None:
    """The structure ``pairs`` with as many CX deleted as re-instantiation allows.

    A deletion counts only where the shorter structure reaches ``target`` exactly (its
    refit within ``max_distance``): the scan goes on from exact forms only.
    """
    from hpcq.synthesis import Template, instantiate

    n = target.shape[0].bit_length() - 1
    best: Circuit | None = None
    current = list(pairs)
    i = len(current) - 1
    while i >= 0 and current:
        trial = current[:i] + current[i + 1 :]
        result = instantiate(Template(n, tuple(trial)), target, seed=seed + i, threshold=threshold)
        if result.cost <= threshold:
            exact = _exact_form(result.circuit(), target, max_distance)
            if exact is not None:
                current = trial
                best = exact
        i = min(i, len(current)) - 1
    return best


def _search_block(task: BlockTask, *, delete_cx: bool) -> tuple[list[Circuit], str]:
    """LEAP/QSearch with at most the block's CX, then (level 3) a CX-deletion scan."""
    from hpcq.synthesis import synthesize

    candidates: list[Circuit] = []
    note = ""
    try:
        found = synthesize(
            task.unitary,
            threshold=task.threshold,
            max_cx=task.cx,
            seed=task.seed,
            max_expansions=task.max_expansions,
            max_distance=task.max_distance,
        )
        candidates.append(found)
    except SynthesisError as exc:
        note = f"synthesis: {exc}"
    if delete_cx:
        if candidates:
            pairs = tuple((op.qubits[0], op.qubits[1]) for op in candidates[0] if op.name == "cx")
        else:
            pairs = task.cx_pairs
        pruned = _delete_scan(task.unitary, pairs, task.threshold, task.seed, task.max_distance)
        if pruned is not None:
            candidates.append(pruned)
    return candidates, note


def resynthesize_block(task: BlockTask) -> BlockOutcome:
    """Synthesize one block; runs on any rank (a runtime task).

    Every candidate is refit to the block (:func:`hpcq.synthesis.refit`) and fused;
    the best one within ``task.max_distance`` of the block is kept.
    """
    from hpcq.passes.structure_search import MAX_STRUCTURES, fewer_cx

    start = time.perf_counter()
    candidates: list[Circuit] = []
    note = ""
    num_qubits = task.unitary.shape[0].bit_length() - 1
    # Level 3 on 3 qubits: after LEAP, every structure with one CX fewer than its best
    # is tried (while they are few), which finds the slowly converging structures the
    # greedy search passes over; the deletion scan is then redundant.
    exhaustive = task.delete_cx and num_qubits == 3
    candidates, note = _search_block(task, delete_cx=task.delete_cx and not exhaustive)
    if exhaustive:
        fewest = min([c.count_ops().get("cx", 0) for c in candidates], default=task.cx)
        # Where LEAP already shortened the block the search pays less often: fewer
        # structures are tried there (measured on tfim: most of the time, no gain).
        limit = MAX_STRUCTURES if fewest >= task.cx else MAX_STRUCTURES // 2
        found = fewer_cx(
            task.unitary,
            fewest,
            threshold=task.threshold,
            seed=task.seed,
            max_structures=limit,
            max_distance=task.max_distance,
        )
        if found is not None:
            candidates.append(found)
    best: Circuit | None = None
    best_key = (task.cx, task.one_qubit)
    for candidate in candidates:
        if candidate.count_ops().get("cx", 0) > best_key[0]:
            continue
        exact = _exact_form(candidate, task.unitary, task.max_distance)
        if exact is None:
            note = note or "no shorter circuit reaches the block exactly"
            continue
        key = gate_counts(exact)
        if key < best_key:
            best, best_key = exact, key
    distance = 0.0
    if best is not None:
        distance = hilbert_schmidt_distance(best.unitary(), task.unitary)
        note = ""
    elif not note:
        note = "no shorter circuit"
    return BlockOutcome(task.index, best, distance, time.perf_counter() - start, note)


def block_key(task: BlockTask) -> bytes:
    """What a block's outcome depends on: its unitary, counts, structure and settings.

    Blocks with the same key get the same outcome, so a sweep need not send a block
    an earlier sweep already tried (the seed is left out on purpose: a block that
    failed once is not retried with the next seed in the same compilation).
    """
    digest = hashlib.blake2b(digest_size=20)
    digest.update(np.ascontiguousarray(task.unitary).tobytes())
    digest.update(repr((task.cx, task.one_qubit, task.cx_pairs, task.threshold)).encode())
    digest.update(repr((task.delete_cx, task.max_expansions, task.max_distance)).encode())
    return digest.digest()


def _distance(circuit: Circuit, task: BlockTask) -> float:
    return hilbert_schmidt_distance(circuit.unitary(), task.unitary)


def resynthesize_batch(tasks: Sequence[BlockTask]) -> list[BlockOutcome]:
    """Resynthesize several blocks (one runtime task: fewer, larger messages)."""
    return [resynthesize_block(task) for task in tasks]


def resynthesize_batch_in_place(tasks: Sequence[BlockTask]) -> list[BlockOutcome]:
    """:func:`resynthesize_batch` with each block's search run inside this task.

    Used when there are enough blocks to keep every worker busy: the blocks are the
    parallelism, and the searches' own sub-tasks (one per template expansion, a few
    milliseconds each) would only add messages and waiting.
    """
    from hpcq.runtime import activated

    with activated(None):
        return resynthesize_batch(tasks)


def _cost_estimate(task: BlockTask) -> float:
    # Search effort grows with the width (unitary size) and the CX to beat.
    return float((4 ** (task.unitary.shape[0].bit_length() - 1)) * (1 + task.cx))


def guided_batches(tasks: Sequence[BlockTask], num_batches: int) -> list[list[BlockTask]]:
    """``tasks`` cut into at most ``num_batches`` batches of decreasing estimated cost.

    Batch ``i`` of ``m`` gets about ``(m - i) / (m (m + 1) / 2)`` of the total cost, the
    costliest tasks first. The runtime places batches in order and idle workers steal
    unstarted ones, so the run ends on small batches: when the last worker finishes,
    the others have been idle for at most about one small batch (``2 / (m (m + 1))``
    of the work), where equal batches would leave up to one ``1 / m`` share.
    """
    ordered = sorted(tasks, key=_cost_estimate, reverse=True)
    m = max(1, min(num_batches, len(ordered)))
    total = sum(_cost_estimate(t) for t in ordered)
    share = total / (m * (m + 1) / 2)
    batches: list[list[BlockTask]] = []
    current: list[BlockTask] = []
    load = 0.0
    for position, task in enumerate(ordered):
        current.append(task)
        load += _cost_estimate(task)
        left = len(ordered) - position - 1
        # Close the batch at its target, keeping at least one task per later batch.
        target = share * (m - len(batches))
        if len(batches) < m - 1 and left > 0 and (load >= target or left <= m - 1 - len(batches)):
            batches.append(current)
            current, load = [], 0.0
    if current:
        batches.append(current)
    return batches


BATCHES_PER_WORKER = 12
"""Batches a sweep is cut into per worker (see :func:`guided_batches`)."""


def run_tasks(tasks: Sequence[BlockTask], progress: Progress | None = None) -> list[BlockOutcome]:
    """Run the block tasks on the active runtime, or serially without one."""
    from hpcq.runtime import get_runtime, has_runtime

    total = len(tasks)
    outcomes: list[BlockOutcome] = []
    if not tasks:
        return outcomes
    handle = get_runtime() if has_runtime() else None
    workers = int(getattr(handle, "num_workers", 0) or 0) if handle is not None else 0
    if handle is None or workers == 0:
        for task in sorted(tasks, key=_cost_estimate, reverse=True):
            outcomes.append(resynthesize_block(task))
            if progress is not None:
                progress(len(outcomes), total)
        return outcomes
    # Many batches of decreasing estimated cost, each its own task (a map would pack
    # them into a few chunks per worker): estimates are rough, so small late batches
    # are what keeps every worker busy until the end of the sweep.
    batches = guided_batches(tasks, workers * BATCHES_PER_WORKER)
    # With at least two blocks per worker the blocks alone keep the workers busy.
    fn = resynthesize_batch_in_place if len(tasks) >= 2 * workers else resynthesize_batch
    futures = [handle.submit(fn, batch) for batch in batches]
    for future in futures:
        batch_outcomes = future.result()
        outcomes.extend(batch_outcomes)
        if progress is not None:
            progress(len(outcomes), total)
    return outcomes


@dataclass
class ResynthesisResult:
    """The circuit after one sweep, and its statistics."""

    circuit: Circuit
    stats: ResynthesisStats


def resynthesize(
    circuit: Circuit,
    *,
    max_block_size: int = 3,
    threshold: float = 1e-8,
    seed: int | None = None,
    delete_cx: bool = False,
    min_cx: int = 2,
    progress: Progress | None = None,
    partitioner: Partitioner | None = None,
    cache: dict[bytes, Circuit | None] | None = None,
    max_expansions: int | None = None,
) -> ResynthesisResult:
    """One resynthesis sweep over ``circuit`` (gates: ``cx`` and single-qubit gates).

    Args:
        circuit: The circuit; blocks are formed from its bound unitary gates.
        max_block_size: Widest block.
        threshold: Largest Hilbert-Schmidt cost of a replacement.
        seed: Base seed (block ``i`` uses ``seed + i``); ``None`` means 0.
        delete_cx: Also scan each block for deletable CX (level 3).
        min_cx: Only blocks with at least this many CX are sent to synthesis.
        progress: Called with (blocks done, blocks sent) as results arrive.
        partitioner: ``partitioner(circuit, k)`` splits the circuit (default:
            :func:`~hpcq.passes.partition.partition`).
        cache: Outcomes of earlier sweeps by :func:`block_key` (the better circuit, or
            ``None`` for no improvement); blocks found there are not sent again, and
            new outcomes are added.
        max_expansions: Cap on each block search's expanded nodes (see
            :func:`hpcq.synthesize`); ``None`` leaves the search's default.

    Raises:
        ValueError: ``max_block_size`` is below 2 or ``threshold`` is not in (0, 1).
    """
    if max_block_size < 2:
        raise ValueError(f"max_block_size must be at least 2, not {max_block_size}")
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be in (0, 1), not {threshold!r}")
    start = time.perf_counter()
    base_seed = 0 if seed is None else int(seed)
    items: list[PartitionItem] = (partitioner or partition)(circuit, max_block_size)
    tasks: list[BlockTask] = []
    sent: list[BlockTask] = []
    cached: list[BlockOutcome] = []
    stats = ResynthesisStats()
    for index, item in enumerate(items):
        if not isinstance(item, Block):
            continue
        stats.blocks += 1
        cx = item.count("cx")
        if cx < max(2, min_cx) or cx != item.num_multi_qubit():
            continue
        local = item.circuit()
        pairs = tuple((op.qubits[0], op.qubits[1]) for op in local if op.name == "cx")
        task = BlockTask(
            index,
            local.unitary(),
            cx,
            _one_qubit(item.operations),
            pairs,
            threshold,
            base_seed + index,
            delete_cx,
            max_expansions,
        )
        if cache is not None and (key := block_key(task)) in cache:
            known = cache[key]
            if known is not None:
                cached.append(BlockOutcome(index, known, _distance(known, task), 0.0, "cached"))
            tasks.append(task)
            continue
        tasks.append(task)
        sent.append(task)
    stats.candidates = len(sent)
    outcomes = run_tasks(sent, progress) + cached
    by_index = {task.index: task for task in tasks}
    if cache is not None:
        for outcome in outcomes:
            if outcome.note != "cached":
                cache[block_key(by_index[outcome.index])] = outcome.circuit
    for outcome in outcomes:
        stats.task_seconds += outcome.seconds
        if outcome.circuit is None:
            continue
        task = by_index[outcome.index]
        block = items[outcome.index]
        assert isinstance(block, Block)
        if not _better(outcome.circuit, task.cx, task.one_qubit):
            continue
        items[outcome.index] = block_from_circuit(outcome.circuit, block.qubits)
        stats.replaced += 1
        stats.cx_saved += task.cx - outcome.circuit.count_ops().get("cx", 0)
        stats.distances.append(outcome.distance)
    out = circuit.copy_empty()
    for item in items:
        if isinstance(item, Block):
            out.extend(item.operations)
        else:
            out.append(item)
    stats.seconds = time.perf_counter() - start
    logger.info(
        "resynthesis (k=%d): %d blocks, %d sent, %d replaced, %d CX saved in %.2f s",
        max_block_size, stats.blocks, stats.candidates, stats.replaced, stats.cx_saved,
        stats.seconds,
    )  # fmt: skip
    return ResynthesisResult(out, stats)


#: Seed stride between the sweeps of one run: sweep ``i`` of a run starts from
#: ``seed + SWEEP_SEED_STRIDE * i``, so that no two sweeps repeat each other's starts.
SWEEP_SEED_STRIDE = 7919

#: ``progress(event, done, total)``: ``"sweep"`` (sweep ``done`` of the run starts, on
#: blocks of ``total`` qubits) and ``"blocks"`` (``done`` of ``total`` blocks finished).
SweepProgress = Callable[[str, int, int], None]


class Resynthesize(TransformationPass):
    """One resynthesis sweep (see the module doc and :func:`resynthesize`).

    Every setting of :func:`resynthesize` is a setting of the pass. What a run learns
    lives in its property set:

    * ``block_distances`` (list of float): extended with the Hilbert-Schmidt distance
      of every block this sweep replaced (their sum bounds the whole circuit's).
    * ``resynthesis`` (list of dict): one record per sweep: ``block_size``,
      ``partition``, ``blocks``, ``sent``, ``replaced``, ``cx_saved``, ``seconds``,
      ``task_seconds``.
    * ``block_cache`` (dict): block outcomes by :func:`block_key`, so that a block
      tried in one sweep of the run is not sent again.
    * ``seed_offset`` (int): added to :attr:`seed`; :class:`hpcq.passes.control.SeededRestarts`
      sets it per restart.

    Sweep ``i`` of a run (``i`` = the records so far) starts from ``seed + seed_offset
    + SWEEP_SEED_STRIDE * i``: the same seed gives the same circuit.

    Args:
        max_block_size: Widest block.
        threshold: Largest Hilbert-Schmidt cost of a replacement.
        seed: Base seed (``None``: 0).
        delete_cx: Also scan each block for deletable CX.
        min_cx: Only blocks with at least this many CX are sent.
        partitioner: ``partitioner(circuit, k)`` (default: the forward scan of
            :func:`hpcq.passes.partition.partition`); a module-level function, so that
            the pass pickles.
        max_expansions: Cap on each block search's expanded nodes.
        progress: ``progress(event, done, total)`` (:data:`SweepProgress`).
    """

    def __init__(
        self,
        max_block_size: int = 3,
        threshold: float = 1e-8,
        seed: int | None = None,
        delete_cx: bool = False,
        *,
        min_cx: int = 2,
        partitioner: Partitioner | None = None,
        max_expansions: int | None = None,
        progress: SweepProgress | None = None,
    ) -> None:
        if max_block_size < 2:
            raise ValueError(f"max_block_size must be at least 2, not {max_block_size}")
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must be in (0, 1), not {threshold!r}")
        super().__init__()
        self.max_block_size = max_block_size
        self.threshold = threshold
        self.seed = seed
        self.delete_cx = delete_cx
        self.min_cx = min_cx
        self.partitioner = partitioner
        self.max_expansions = max_expansions
        self.progress = progress

    def name(self) -> str:
        """``Resynthesize(k=3)``, with the partitioner and ``delete_cx`` when set."""
        settings = [f"k={self.max_block_size}"]
        if self.partitioner is not None:
            settings.append(_partition_name(self.partitioner))
        if self.delete_cx:
            settings.append("delete_cx")
        if self.max_expansions is not None:
            settings.append(f"max_expansions={self.max_expansions}")
        return f"Resynthesize({', '.join(settings)})"

    def run(self, passmanager_ir: Circuit) -> Circuit:
        """Return the circuit with improved blocks; may use the parallel runtime."""
        properties = self.property_set
        sweeps = list(properties["resynthesis"] or [])
        cache = properties["block_cache"]
        if cache is None:
            cache = properties["block_cache"] = {}
        seed = (self.seed or 0) + (properties["seed_offset"] or 0)
        seed += SWEEP_SEED_STRIDE * len(sweeps)
        report = self.progress
        if report is not None:
            report("sweep", len(sweeps) + 1, self.max_block_size)

        def blocks(done: int, total: int) -> None:
            if report is not None:
                report("blocks", done, total)

        result = resynthesize(
            passmanager_ir,
            max_block_size=self.max_block_size,
            threshold=self.threshold,
            seed=seed,
            delete_cx=self.delete_cx,
            min_cx=self.min_cx,
            progress=blocks,
            partitioner=self.partitioner,
            cache=cache,
            max_expansions=self.max_expansions,
        )
        stats = result.stats
        properties["block_distances"] = [*(properties["block_distances"] or []), *stats.distances]
        sweeps.append(
            {
                "block_size": self.max_block_size,
                "partition": _partition_name(self.partitioner),
                "blocks": stats.blocks,
                "sent": stats.candidates,
                "replaced": stats.replaced,
                "cx_saved": stats.cx_saved,
                "seconds": stats.seconds,
                "task_seconds": stats.task_seconds,
            }
        )
        properties["resynthesis"] = sweeps
        return result.circuit


def _partition_name(partitioner: Partitioner | None) -> str:
    return "partition" if partitioner is None else getattr(partitioner, "__name__", "partition")
