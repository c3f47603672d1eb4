"""The greedy scanning partitioner: widths, order, equivalence and speed."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpcq.ir import Circuit, equivalent
from hpcq.passes.partition import Block, items_to_circuit, partition


def _random_circuit(num_qubits: int, size: int, seed: int) -> Circuit:
    import numpy as np

    rng = np.random.default_rng(seed)
    c = Circuit(num_qubits)
    for _ in range(size):
        if rng.random() < 0.5:
            a, b = rng.choice(num_qubits, 2, replace=False)
            c.cx(int(a), int(b))
        else:
            c.u3(*rng.uniform(-3, 3, 3), int(rng.integers(num_qubits)))
    return c


@pytest.mark.parametrize("k", [1, 2, 3, 4])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_blocks_respect_width_and_preserve_the_unitary(k: int, seed: int) -> None:
    circuit = _random_circuit(6, 80, seed)
    items = partition(circuit, k)
    for item in items:
        if isinstance(item, Block):
            assert item.num_qubits <= k
            assert list(item.qubits) == sorted(item.qubits)
    # every operation is kept, once
    assert sum(len(i.operations) if isinstance(i, Block) else 1 for i in items) == len(circuit)
    assert equivalent(circuit, items_to_circuit(items, circuit, as_unitaries=False))
    assert equivalent(circuit, items_to_circuit(items, circuit, as_unitaries=True))


def test_directives_pass_through_and_split_blocks() -> None:
    c = Circuit(3, 1).h(0).cx(0, 1).measure(1, 0).cx(1, 2).barrier().x(0)
    items = partition(c, 3)
    names = [i.name if not isinstance(i, Block) else "block" for i in items]
    assert names == ["block", "measure", "block", "barrier", "block"]
    first = items[0]
    assert isinstance(first, Block) and [op.name for op in first.operations] == ["h", "cx"]


def test_wider_gates_than_k_pass_through() -> None:
    c = Circuit(3).h(0).ccx(0, 1, 2).h(2)
    items = partition(c, 2)
    assert [type(i).__name__ for i in items] == ["Block", "Operation", "Block"]


def test_block_circuit_is_local() -> None:
    c = Circuit(5).cx(4, 2).h(4)
    (block,) = partition(c, 2)
    assert isinstance(block, Block)
    assert block.qubits == (2, 4)
    local = block.circuit()
    assert local.num_qubits == 2 and [op.qubits for op in local] == [(1, 0), (1,)]


def test_bad_block_size() -> None:
    with pytest.raises(ValueError, match="max_block_size"):
        partition(Circuit(1), 0)


def test_shor26_partitions_every_operation_once(shared_dir: Path) -> None:
    # its speed is measured by benchmarks/partition_bench.py, not asserted
    circuit = Circuit.from_file(shared_dir / "shor26.qasm")
    assert len(circuit) > 40000
    items = partition(circuit, 3)
    assert sum(len(i.operations) if isinstance(i, Block) else 1 for i in items) == len(circuit)
