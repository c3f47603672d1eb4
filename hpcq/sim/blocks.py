"""Greedy scanning partition of a circuit into blocks of at most ``k`` qubits.

The one scanner: the partitioning passes (:mod:`hpcq.passes.partition`), the
state-vector planner (:mod:`hpcq.sim.plan`) and the fused unitaries
(:func:`hpcq.sim.unitary.fuse_operations`) all group gates with it.

One pass over the operations in order, in the spirit of BQSKit's QuickPartitioner.
Every qubit belongs to at most one *open* block. An operation joins the open blocks
it touches when their qubits together with its own number at most ``k`` (merging
open blocks is always legal: a block that another block depends on is already
closed); otherwise it extends the touched block it fits into, or starts a new one,
and every block that loses a qubit to it is closed. Blocks are emitted in the order
they close, which is a topological order of the block DAG, and non-unitary
operations (measure, reset, barrier, conditioned gates) close the blocks on their
qubits and pass through unchanged.

Example:
    >>> from hpcq.ir import Circuit
    >>> from hpcq.sim.blocks import partition
    >>> items = partition(Circuit(3).h(0).cx(0, 1).cx(1, 2).t(2), max_block_size=2)
    >>> [item.qubits for item in items]
    [(0, 1), (1, 2)]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Union

import numpy as np

from hpcq.ir.circuit import Circuit, Operation
from hpcq.ir.parameter import ParameterExpression


@dataclass(frozen=True, eq=False)
class Block:
    """A group of consecutive-in-the-DAG operations on few qubits.

    Attributes:
        qubits: The circuit qubits the block acts on, ascending; local qubit ``i`` of
            :meth:`circuit` and :meth:`unitary` is ``qubits[i]``.
        operations: The block's operations, in circuit order, on circuit qubits.
    """

    qubits: tuple[int, ...]
    operations: tuple[Operation, ...]

    @property
    def num_qubits(self) -> int:
        """Width of the block."""
        return len(self.qubits)

    def circuit(self) -> Circuit:
        """The block as a circuit on local qubits ``0..num_qubits-1``."""
        local = {q: i for i, q in enumerate(self.qubits)}
        out = Circuit(len(self.qubits))
        for op in self.operations:
            out.append(Operation(op.gate, tuple(local[q] for q in op.qubits), op.params))
        return out

    def unitary(self) -> np.ndarray:
        """The block's unitary on its local qubits."""
        from hpcq.sim.unitary import operations_unitary

        return operations_unitary(self.circuit().operations, len(self.qubits))

    def count(self, name: str) -> int:
        """Number of operations called ``name``."""
        return sum(1 for op in self.operations if op.name == name)

    def num_multi_qubit(self) -> int:
        """Number of operations on two or more qubits."""
        return sum(1 for op in self.operations if len(op.qubits) > 1)


#: What :func:`partition` returns: blocks, and the operations that pass through.
PartitionItem = Union[Block, Operation]  # noqa: UP007 (a runtime alias on 3.10)


def blockable(op: Operation, max_block_size: int) -> bool:
    """Whether ``op`` may go into a block: a bound, unconditioned unitary on <= k qubits."""
    if not op.gate.is_unitary or op.condition is not None or op.name == "barrier":
        return False
    if not 0 < len(op.qubits) <= max_block_size:
        return False
    return not any(isinstance(p, ParameterExpression) for p in op.params)


def partition(circuit: Circuit, max_block_size: int = 3) -> list[PartitionItem]:
    """Split ``circuit`` into blocks of at most ``max_block_size`` qubits.

    Args:
        circuit: The circuit to partition.
        max_block_size: ``k``, the widest block (at least 1).

    Returns:
        Blocks and pass-through operations in an order that respects every
        dependency; concatenating their operations gives a circuit equivalent to
        ``circuit``.

    Raises:
        ValueError: ``max_block_size`` is smaller than 1.
    """
    if max_block_size < 1:
        raise ValueError(f"max_block_size must be at least 1, not {max_block_size}")
    return _Scanner(circuit.num_qubits, max_block_size).run(circuit.operations)


class _Scanner:
    """The scanning state: open blocks by id and the owner of each qubit."""

    def __init__(self, num_qubits: int, k: int) -> None:
        self.k = k
        self.owner = [-1] * num_qubits
        self.qubits: dict[int, set[int]] = {}
        self.ops: dict[int, list[Operation]] = {}
        self.out: list[PartitionItem] = []
        self.next_id = 0

    def run(self, operations: Iterable[Operation]) -> list[PartitionItem]:
        for op in operations:
            if blockable(op, self.k):
                self._add(op)
            else:
                for b in {self.owner[q] for q in op.qubits if self.owner[q] >= 0}:
                    self._close(b)
                self.out.append(op)
        for b in sorted(self.qubits):
            self._close(b)
        return self.out

    def _add(self, op: Operation) -> None:
        owner = self.owner
        qs = op.qubits
        touched = {owner[q] for q in qs if owner[q] >= 0}
        if len(touched) == 1:
            (b,) = touched
            if len(self.qubits[b].union(qs)) <= self.k:
                self._extend(b, op)
                return
        elif len(touched) > 1:
            union = set(qs)
            for b in touched:
                union |= self.qubits[b]
            if len(union) <= self.k:
                target = min(touched)
                for b in sorted(touched):
                    if b != target:
                        self._merge(target, b)
                self._extend(target, op)
                return
            fitting = [b for b in touched if len(self.qubits[b].union(qs)) <= self.k]
            if fitting:
                target = max(fitting, key=lambda b: (len(self.ops[b]), -b))
                for b in sorted(touched):
                    if b != target:
                        self._close(b)
                self._extend(target, op)
                return
        for b in sorted(touched):
            self._close(b)
        self._new(op)

    def _new(self, op: Operation) -> None:
        b = self.next_id
        self.next_id += 1
        self.qubits[b] = set(op.qubits)
        self.ops[b] = [op]
        for q in op.qubits:
            self.owner[q] = b

    def _extend(self, b: int, op: Operation) -> None:
        self.ops[b].append(op)
        block_qubits = self.qubits[b]
        for q in op.qubits:
            if q not in block_qubits:
                block_qubits.add(q)
                self.owner[q] = b

    def _merge(self, target: int, b: int) -> None:
        # Open blocks never depend on each other, so their operations interleave
        # freely; keep them grouped (each block's own order is preserved).
        for q in self.qubits.pop(b):
            self.qubits[target].add(q)
            self.owner[q] = target
        self.ops[target].extend(self.ops.pop(b))

    def _close(self, b: int) -> None:
        qubits = self.qubits.pop(b)
        for q in qubits:
            if self.owner[q] == b:
                self.owner[q] = -1
        self.out.append(Block(tuple(sorted(qubits)), tuple(self.ops.pop(b))))
