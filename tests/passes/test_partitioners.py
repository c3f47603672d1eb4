"""The partitions level 3 rotates among: reversed scan and greedy largest block."""

from __future__ import annotations

import numpy as np
import pytest
from testsupport import random_u3_cx_circuit

from hpcq.ir.circuit import Circuit
from hpcq.passes.greedy_partition import greedy_partition
from hpcq.passes.partition import Block, partition
from hpcq.passes.reverse_partition import reverse_partition


def _flatten(items: list[object]) -> list[object]:
    out: list[object] = []
    for item in items:
        out.extend(item.operations if isinstance(item, Block) else [item])
    return out


@pytest.mark.parametrize("partitioner", [reverse_partition, greedy_partition])
@pytest.mark.parametrize("k", [2, 3, 4])
def test_partitions_keep_the_unitary_and_width(partitioner: object, k: int) -> None:
    circuit = random_u3_cx_circuit(6, 60, seed=k)
    items = partitioner(circuit, k)  # type: ignore[operator]
    ops = _flatten(items)
    assert sorted(map(id, ops)) == sorted(map(id, circuit.operations))
    assert all(len(item.qubits) <= k for item in items if isinstance(item, Block))
    unitary_ops = [op for op in ops if op.gate.is_unitary]
    rebuilt = Circuit(6).extend(unitary_ops)
    original = Circuit(6).extend([op for op in circuit.operations if op.gate.is_unitary])
    assert np.allclose(rebuilt.unitary(), original.unitary())


def test_partitions_keep_directives_in_place() -> None:
    circuit = Circuit(3, 3).h(0).cx(0, 1).measure(1, 1).cx(1, 2).cx(0, 2).measure(2, 2)
    for partitioner in (reverse_partition, greedy_partition):
        ops = _flatten(partitioner(circuit, 3))  # type: ignore[operator]
        names = [op.name for op in ops]
        # measure(1) after the first two gates, before cx(1, 2); measure(2) last.
        assert names.index("measure") > names.index("h")
        assert names.index("measure") < names.index("cx", names.index("measure"))
        assert ops[-1].name == "measure" and ops[-1].qubits == (2,)


def test_greedy_takes_the_largest_block_first() -> None:
    # A swap-network brick: the scanning partition cuts 3-CX blocks, greedy finds more.
    circuit = Circuit(4)
    for _ in range(3):
        for a, b in ((0, 1), (2, 3), (1, 2)):
            circuit.cx(a, b).rz(0.3, b).cx(b, a).cx(a, b)
    largest = max(i.count("cx") for i in greedy_partition(circuit, 3) if isinstance(i, Block))
    scanned = max(i.count("cx") for i in partition(circuit, 3) if isinstance(i, Block))
    assert largest >= scanned
    assert largest >= 9
