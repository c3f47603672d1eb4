"""Greedy partition that takes, each time, the block with the most CX.

The scanning partitioners (:mod:`hpcq.passes.partition`,
:mod:`hpcq.passes.reverse_partition`) close a block as soon as an operation does not
fit, so on brick-like circuits (swap networks, Trotter steps) they cut many blocks of
two or three CX, too small to improve. This one looks ahead: for every candidate set
of ``k`` qubits it measures the block that could be taken now (every not yet taken
operation inside the set whose predecessors on those qubits are taken or in the
block), takes the block with the most CX, and repeats. Candidate sets are the
qubits of a remaining CX grown along the interaction graph, so the cost grows with
the number of blocks times the candidates, and the partitioner is meant for the
small circuits level 3 works on (:data:`MAX_OPERATIONS`).

Example:
    >>> from hpcq.ir import Circuit
    >>> from hpcq.passes.greedy_partition import greedy_partition
    >>> c = Circuit(3).cx(0, 1).cx(1, 2).cx(0, 1).cx(1, 2)
    >>> [item.qubits for item in greedy_partition(c, 3)]
    [(0, 1, 2)]
"""

from __future__ import annotations

import itertools

from hpcq.ir.circuit import Circuit, Operation
from hpcq.passes.partition import Block, PartitionItem, blockable, partition

#: Above this many operations :func:`greedy_partition` uses the scanning partitioner.
MAX_OPERATIONS = 6000


def greedy_partition(circuit: Circuit, max_block_size: int = 3) -> list[PartitionItem]:
    """Split ``circuit`` into blocks of at most ``max_block_size`` qubits, largest first.

    Args:
        circuit: The circuit to partition.
        max_block_size: ``k``, the widest block (at least 1).

    Returns:
        Blocks and pass-through operations in an order that respects every dependency
        (the contract of :func:`~hpcq.passes.partition.partition`).

    Raises:
        ValueError: ``max_block_size`` is smaller than 1.
    """
    if max_block_size < 1:
        raise ValueError(f"max_block_size must be at least 1, not {max_block_size}")
    ops = list(circuit.operations)
    if len(ops) > MAX_OPERATIONS or max_block_size < 2:
        return partition(circuit, max_block_size)
    remaining = list(range(len(ops)))
    out: list[PartitionItem] = []
    while remaining:
        remaining = _emit_front_directives(ops, remaining, max_block_size, out)
        if not remaining:
            break
        best: tuple[int, int] | None = None
        best_taken: list[int] = []
        for qubits in _candidates(ops, remaining, max_block_size):
            taken = _absorb(ops, remaining, qubits, max_block_size)
            cx = sum(1 for i in taken if len(ops[i].qubits) > 1)
            if best is None or (cx, len(taken)) > best:
                best, best_taken = (cx, len(taken)), taken
        if not best_taken:
            # Cannot happen (the earliest operation always moves); stay correct anyway.
            rest = circuit.copy_empty().extend([ops[i] for i in remaining])
            out.extend(partition(rest, max_block_size))
            break
        chosen = set(best_taken)
        block_ops = tuple(ops[i] for i in best_taken)
        block_qubits = tuple(sorted({q for op in block_ops for q in op.qubits}))
        out.append(Block(block_qubits, block_ops))
        remaining = [i for i in remaining if i not in chosen]
    return out


def _emit_front_directives(
    ops: list[Operation], remaining: list[int], k: int, out: list[PartitionItem]
) -> list[int]:
    """Emit non-blockable operations that nothing remaining precedes."""
    while True:
        busy: set[int] = set()
        emitted: set[int] = set()
        for i in remaining:
            op = ops[i]
            if not blockable(op, k):
                if busy.intersection(op.qubits):
                    # Directives keep their relative order (classical bits too).
                    break
                out.append(op)
                emitted.add(i)
                continue
            busy.update(op.qubits)
        if not emitted:
            return remaining
        remaining = [i for i in remaining if i not in emitted]


def _candidates(ops: list[Operation], remaining: list[int], k: int) -> list[tuple[int, ...]]:
    """Qubit sets worth trying: each remaining multi-qubit gate's qubits, grown to ``k``."""
    neighbours: dict[int, set[int]] = {}
    seeds: set[tuple[int, ...]] = set()
    for i in remaining:
        op = ops[i]
        if len(op.qubits) > 1 and blockable(op, k):
            seeds.add(tuple(sorted(op.qubits)))
            for a, b in itertools.permutations(op.qubits, 2):
                neighbours.setdefault(a, set()).add(b)
    if not seeds:
        # Single-qubit gates only: one block per qubit.
        qubits = sorted({q for i in remaining for q in ops[i].qubits if blockable(ops[i], k)})
        return [(q,) for q in qubits]
    sets: set[tuple[int, ...]] = set()
    for seed in seeds:
        frontier = [frozenset(seed)]
        for _ in range(k - len(seed)):
            grown = []
            for group in frontier:
                for q in group:
                    for n in neighbours.get(q, ()):
                        if n not in group:
                            grown.append(group | {n})
            if not grown:
                break
            frontier = list(set(grown))
        sets.update(tuple(sorted(group)) for group in frontier)
    return sorted(sets)


def _absorb(
    ops: list[Operation], remaining: list[int], qubits: tuple[int, ...], k: int
) -> list[int]:
    """The remaining operations a block on ``qubits`` can take now, in order."""
    open_qubits = set(qubits)
    taken: list[int] = []
    for i in remaining:
        op = ops[i]
        touched = open_qubits.intersection(op.qubits)
        if not touched:
            continue
        if len(touched) == len(op.qubits) and blockable(op, k):
            taken.append(i)
        else:
            open_qubits.difference_update(op.qubits)
            if not open_qubits:
                break
    return taken
