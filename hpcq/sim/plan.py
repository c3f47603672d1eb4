"""Planning a state-vector simulation: stages of local qubits, fused blocks inside.

:func:`plan` turns a list of unitary operations into :class:`Stage` objects that the
numba kernels of :mod:`hpcq.sim` apply:

1. The operations are partitioned (:func:`hpcq.sim.blocks.partition`) into
   stages of at most ``local_qubits`` qubits; each stage costs one sweep over the state
   in memory, everything else happens on a cache-sized buffer.
2. Inside a stage the operations are fused into blocks of at most ``dense_size``
   qubits. A block whose matrix has one non-zero per row (CX, X, SWAP and diagonal
   gates compose into such *monomial* blocks, as in arithmetic and phase-estimation
   circuits) is applied as a permutation with phases, one multiplication per
   amplitude; consecutive monomial blocks merge while their qubits number at most
   ``monomial_size``. Other blocks are dense matrices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hpcq.ir.circuit import Circuit, Operation
from hpcq.sim._kernels import DENSE, DIAGONAL, MONOMIAL, apply_stage
from hpcq.sim.blocks import Block, PartitionItem, partition

#: Entries smaller than this in a fused block's matrix count as zeros when the block
#: is classified (``cos(pi/2)`` is ``6e-17``, not 0).
ZERO = 1e-14


@dataclass(frozen=True)
class Stage:
    """One sweep over the state: blocks on a buffer of ``2**L`` gathered amplitudes.

    Attributes:
        local: The ``L`` circuit qubits gathered into the buffer, ascending.
        offsets: State offset of each buffer index (``2**L`` entries).
        bases: State index of each group's buffer index 0 (``2**(n-L)`` entries).
        kinds: Kind of each block (``DENSE``, ``MONOMIAL``, ``DIAGONAL``).
        widths: Qubits of each block.
        positions: Buffer qubit positions of each block, ascending, padded.
        cstart: Start of each block's matrix or phases in ``cdata``.
        cdata: Dense matrices (row-major) and phases, concatenated.
        istart: Start of each monomial block's permutation in ``idata``.
        idata: Permutations, concatenated.
    """

    local: tuple[int, ...]
    offsets: np.ndarray
    bases: np.ndarray
    kinds: np.ndarray
    widths: np.ndarray
    positions: np.ndarray
    cstart: np.ndarray
    cdata: np.ndarray
    istart: np.ndarray
    idata: np.ndarray

    @property
    def num_blocks(self) -> int:
        """Blocks in the stage."""
        return int(self.kinds.shape[0])


@dataclass
class _Fused:
    """A fused block on buffer positions (ascending) before packing."""

    qubits: tuple[int, ...]
    matrix: np.ndarray | None = None  # dense
    phase: np.ndarray | None = None  # monomial: out[r] = phase[r] * in[perm[r]]
    perm: np.ndarray | None = None


def _spread(index: np.ndarray, positions: Sequence[int]) -> np.ndarray:
    """Bit ``i`` of each ``index`` moved to bit ``positions[i]``."""
    out = np.zeros_like(index)
    for i, p in enumerate(positions):
        out |= ((index >> i) & 1) << p
    return out


def _gather_bits(index: np.ndarray, positions: Sequence[int]) -> np.ndarray:
    """Bits ``positions[i]`` of each ``index`` packed into bit ``i``."""
    out = np.zeros_like(index)
    for i, p in enumerate(positions):
        out |= ((index >> p) & 1) << i
    return out


def _classify(qubits: tuple[int, ...], matrix: np.ndarray) -> _Fused:
    nonzero = np.abs(matrix) > ZERO
    if np.all(nonzero.sum(axis=1) == 1) and np.all(nonzero.sum(axis=0) == 1):
        perm = np.argmax(nonzero, axis=1).astype(np.int64)
        phase = matrix[np.arange(matrix.shape[0]), perm].astype(np.complex128)
        return _Fused(qubits, phase=phase, perm=perm)
    return _Fused(qubits, matrix=np.ascontiguousarray(matrix, dtype=np.complex128))


def _compose(members: list[_Fused]) -> _Fused:
    """The monomial block of ``members`` applied in order, on the union of qubits."""
    union = tuple(sorted(set().union(*(m.qubits for m in members))))
    where = {q: i for i, q in enumerate(union)}
    idx = np.arange(1 << len(union), dtype=np.int64)
    perm = idx.copy()
    phase = np.ones(idx.shape[0], dtype=np.complex128)
    for m in members:
        assert m.phase is not None and m.perm is not None
        pos = [where[q] for q in m.qubits]
        local = _gather_bits(idx, pos)
        mask = int(_spread(np.array([(1 << len(pos)) - 1]), pos)[0])
        source = (idx & ~mask) | _spread(m.perm[local], pos)
        phase = m.phase[local] * phase[source]
        perm = perm[source]
    return _Fused(union, phase=phase, perm=perm)


#: Measured kernel cost in ns per amplitude: dense blocks by width, monomial, diagonal.
DENSE_COST = (0.0, 1.1, 2.5, 6.7, 20.0, 45.0, 100.0)
MONOMIAL_COST = 2.3
DIAGONAL_COST = 1.2


def _cost(fused: _Fused) -> float:
    if fused.matrix is not None:
        return DENSE_COST[min(len(fused.qubits), len(DENSE_COST) - 1)]
    assert fused.perm is not None
    if np.array_equal(fused.perm, np.arange(fused.perm.shape[0])):
        return DIAGONAL_COST
    return MONOMIAL_COST


def _item_blocks(item: PartitionItem) -> _Fused:
    if isinstance(item, Block):
        return _classify(item.qubits, item.unitary())
    qubits = tuple(item.qubits)
    if list(qubits) != sorted(qubits):
        return _classify(*_sorted_matrix(qubits, item.matrix()))
    return _classify(qubits, item.matrix())


def _cheapest(item: PartitionItem) -> list[_Fused]:
    """``item`` as one fused block, or split into narrower ones where that is cheaper."""
    fused = _item_blocks(item)
    if fused.matrix is None or not isinstance(item, Block) or item.num_qubits <= 2:
        return [fused]
    width = max(q for q in item.qubits) + 1
    parts = [_item_blocks(p) for p in partition(Circuit(width).extend(item.operations), 2)]
    return parts if sum(_cost(p) for p in parts) < _cost(fused) else [fused]


def _fuse_stage(
    ops: Sequence[Operation], width: int, dense_size: int, monomial_size: int
) -> list[_Fused]:
    """Blocks of one stage's operations (on buffer positions ``0..width-1``).

    Gates are fused into blocks of ``dense_size`` qubits; a dense block wider than two
    qubits is split into 2-qubit ones where the kernels' measured costs favour that.
    """
    out: list[_Fused] = []
    group: list[_Fused] = []
    group_qubits: set[int] = set()

    def close() -> None:
        if group:
            out.append(group[0] if len(group) == 1 else _compose(group))
            group.clear()
            group_qubits.clear()

    for item in partition(Circuit(width).extend(ops), dense_size):
        for fused in _cheapest(item):
            if fused.matrix is not None:
                # A dense block disjoint from the open monomial group commutes with it.
                if group_qubits.intersection(fused.qubits):
                    close()
                out.append(fused)
                continue
            if len(group_qubits.union(fused.qubits)) > monomial_size:
                close()
            group.append(fused)
            group_qubits.update(fused.qubits)
    close()
    return out


def _sorted_matrix(
    qubits: tuple[int, ...], matrix: np.ndarray
) -> tuple[tuple[int, ...], np.ndarray]:
    """``matrix`` on ``qubits`` re-expressed on the same qubits in ascending order."""
    k = len(qubits)
    order = sorted(range(k), key=lambda i: qubits[i])
    tensor = matrix.reshape((2,) * (2 * k))
    # Axis ``k - 1 - i`` of the row (and column) half is local qubit ``i``.
    new_rows = [k - 1 - order[k - 1 - a] for a in range(k)]
    axes = new_rows + [k + ax for ax in new_rows]
    out = tensor.transpose(axes).reshape(1 << k, 1 << k)
    return tuple(qubits[i] for i in order), np.ascontiguousarray(out)


def _pack(local: tuple[int, ...], num_qubits: int, blocks: list[_Fused]) -> Stage:
    L = len(local)
    others = [q for q in range(num_qubits) if q not in set(local)]
    offsets = _spread(np.arange(1 << L, dtype=np.int64), local)
    bases = _spread(np.arange(1 << len(others), dtype=np.int64), others)
    widest = max((len(b.qubits) for b in blocks), default=1)
    m = len(blocks)
    kinds = np.zeros(m, dtype=np.int64)
    widths = np.zeros(m, dtype=np.int64)
    positions = np.zeros((m, widest), dtype=np.int64)
    cstart = np.zeros(m, dtype=np.int64)
    istart = np.zeros(m, dtype=np.int64)
    cparts: list[np.ndarray] = []
    iparts: list[np.ndarray] = []
    cpos = ipos = 0
    for i, b in enumerate(blocks):
        widths[i] = len(b.qubits)
        positions[i, : len(b.qubits)] = b.qubits
        cstart[i] = cpos
        istart[i] = ipos
        if b.matrix is not None:
            kinds[i] = DENSE
            cparts.append(b.matrix.ravel())
        else:
            assert b.phase is not None and b.perm is not None
            cparts.append(b.phase)
            if np.array_equal(b.perm, np.arange(b.perm.shape[0])):
                kinds[i] = DIAGONAL
            else:
                kinds[i] = MONOMIAL
                iparts.append(b.perm)
                ipos += b.perm.shape[0]
        cpos += cparts[-1].shape[0]
    cdata = np.concatenate(cparts) if cparts else np.zeros(1, dtype=np.complex128)
    idata = np.concatenate(iparts) if iparts else np.zeros(1, dtype=np.int64)
    return Stage(local, offsets, bases, kinds, widths, positions, cstart, cdata, istart, idata)


def plan(
    operations: Sequence[Operation],
    num_qubits: int,
    *,
    local_qubits: int = 15,
    dense_size: int = 3,
    monomial_size: int = 8,
) -> list[Stage]:
    """Stages that apply ``operations`` (unitary, unconditioned) to a state.

    Args:
        operations: The gates, in order (barriers are skipped).
        num_qubits: ``n``, the state's qubits.
        local_qubits: ``L``: qubits gathered into the cache-sized buffer.
        dense_size: Widest dense fused block.
        monomial_size: Widest merged monomial block.

    Raises:
        TypeError: An operation is not a bound, unconditioned unitary gate.
    """
    ops = [op for op in operations if op.name != "barrier"]
    for op in ops:
        if op.condition is not None or not op.gate.is_unitary:
            raise TypeError(f"'{op.name}' cannot be applied to a state vector")
    L = min(local_qubits, num_qubits)
    if num_qubits <= L:
        groups: list[tuple[tuple[int, ...], list[Operation]]] = [(tuple(range(num_qubits)), ops)]
    else:
        groups = []
        for item in partition(Circuit(num_qubits).extend(ops), L):
            if not isinstance(item, Block):
                raise TypeError(f"'{item.name}' on {len(item.qubits)} qubits cannot be staged")
            groups.append((item.qubits, list(item.operations)))
    stages: list[Stage] = []
    for qubits, stage_ops in groups:
        chosen = set(qubits)
        # Pad with the lowest other qubits: long contiguous runs when gathering.
        for q in range(num_qubits):
            if len(chosen) >= L:
                break
            chosen.add(q)
        local = tuple(sorted(chosen))
        where = {q: i for i, q in enumerate(local)}
        moved = [
            Operation(op.gate, tuple(where[q] for q in op.qubits), op.params) for op in stage_ops
        ]
        blocks = _fuse_stage(moved, L, dense_size, monomial_size)
        if blocks:
            stages.append(_pack(local, num_qubits, blocks))
    return stages


def apply(state: np.ndarray, stages: Sequence[Stage], num_threads: int = 1) -> None:
    """Apply planned ``stages`` to ``state`` (``complex128``, C-contiguous) in place.

    With ``num_threads > 1`` each stage's groups are shared among that many threads
    (the kernel releases the GIL); stages run one after the other.
    """

    def run(s: Stage, first: int, last: int) -> None:
        apply_stage(
            state, s.offsets, s.bases, first, last, s.kinds, s.widths, s.positions,
            s.cstart, s.cdata, s.istart, s.idata,
        )  # fmt: skip

    threads = max(1, int(num_threads))
    if threads == 1:
        for s in stages:
            run(s, 0, s.bases.shape[0])
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads, thread_name_prefix="hpcq-verify") as pool:
        for s in stages:
            groups = s.bases.shape[0]
            cuts = [groups * t // threads for t in range(threads + 1)]
            futures = [
                pool.submit(run, s, cuts[t], cuts[t + 1])
                for t in range(threads)
                if cuts[t + 1] > cuts[t]
            ]
            for f in futures:
                f.result()
