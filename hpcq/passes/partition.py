"""Partitioning a circuit into blocks, and rebuilding it from them.

The greedy scanner itself (:func:`partition`, :class:`Block`) lives in
:mod:`hpcq.sim.blocks`, the lowest layer that uses it (the state-vector planner groups
gates with it); it is re-exported here for the partitioning passes.

Example:
    >>> from hpcq.ir import Circuit
    >>> from hpcq.passes.partition import partition
    >>> items = partition(Circuit(3).h(0).cx(0, 1).cx(1, 2).t(2), max_block_size=2)
    >>> [item.qubits for item in items]
    [(0, 1), (1, 2)]
"""

from __future__ import annotations

from collections.abc import Sequence

from hpcq.ir.circuit import Circuit, Operation
from hpcq.ir.gates import UnitaryGate
from hpcq.sim.blocks import Block, PartitionItem, blockable, partition

__all__ = [
    "Block",
    "PartitionItem",
    "block_from_circuit",
    "blockable",
    "items_to_circuit",
    "partition",
]


def items_to_circuit(
    items: Sequence[PartitionItem], template: Circuit, *, as_unitaries: bool = True
) -> Circuit:
    """Rebuild a circuit from partition items.

    Args:
        items: What :func:`partition` returned (blocks possibly replaced).
        template: A circuit whose registers the result takes.
        as_unitaries: Each block becomes one :class:`UnitaryGate` (``True``), or its
            operations are inlined (``False``).
    """
    out = template.copy_empty()
    ops: list[Operation] = []
    for item in items:
        if isinstance(item, Operation):
            ops.append(item)
        elif as_unitaries:
            ops.append(Operation(UnitaryGate(item.unitary(), check=False), item.qubits))
        else:
            ops.extend(item.operations)
    return out.extend(ops)


def block_from_circuit(local: Circuit, qubits: Sequence[int]) -> Block:
    """A block on circuit ``qubits`` holding ``local``'s operations.

    Local qubit ``i`` of ``local`` becomes circuit qubit ``qubits[i]``.
    """
    if local.num_qubits != len(qubits):
        raise ValueError(f"a {local.num_qubits}-qubit circuit placed on {len(qubits)} qubits")
    ops = tuple(
        Operation(op.gate, tuple(qubits[q] for q in op.qubits), op.params, op.clbits)
        for op in local
    )
    return Block(tuple(qubits), ops)
