"""Greedy partition scanned from the end of the circuit.

:func:`hpcq.passes.partition.partition` scans forward, so its block boundaries sit
where a forward scan runs out of room. Scanning the reversed circuit puts them
elsewhere: two CX that a forward sweep always separates can meet inside one block.
Level 3 alternates both partitions between resynthesis sweeps.

The reversed circuit is partitioned, then the item list and every block's operations
are reversed back: a topological order of the reversed dependency graph, reversed, is
a topological order of the original one.

Example:
    >>> from hpcq.ir import Circuit
    >>> from hpcq.passes.reverse_partition import reverse_partition
    >>> items = reverse_partition(Circuit(3).h(0).cx(0, 1).cx(1, 2).t(2), 2)
    >>> [item.qubits for item in items]
    [(0, 1), (1, 2)]
"""

from __future__ import annotations

from hpcq.ir.circuit import Circuit
from hpcq.passes.partition import Block, PartitionItem, partition


def reverse_partition(circuit: Circuit, max_block_size: int = 3) -> list[PartitionItem]:
    """Split ``circuit`` into blocks of at most ``max_block_size`` qubits, scanning back.

    Args:
        circuit: The circuit to partition.
        max_block_size: ``k``, the widest block (at least 1).

    Returns:
        Blocks and pass-through operations in an order that respects every dependency
        of ``circuit`` (the same contract as :func:`~hpcq.passes.partition.partition`).

    Raises:
        ValueError: ``max_block_size`` is smaller than 1.
    """
    reversed_circuit = circuit.copy_empty().extend(list(reversed(circuit.operations)))
    items = partition(reversed_circuit, max_block_size)
    out: list[PartitionItem] = []
    for item in reversed(items):
        if isinstance(item, Block):
            out.append(Block(item.qubits, tuple(reversed(item.operations))))
        else:
            out.append(item)
    return out
