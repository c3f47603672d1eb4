"""Level 3's partitions, block cache and results (issue 6, round 2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import hpcq
from hpcq.ir.circuit import Circuit
from hpcq.passes.greedy_partition import greedy_partition
from hpcq.passes.partition import Block, partition
from hpcq.passes.resynthesize import resynthesize
from hpcq.passes.reverse_partition import reverse_partition

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _random_circuit(num_qubits: int, depth: int, seed: int) -> Circuit:
    rng = np.random.default_rng(seed)
    circuit = Circuit(num_qubits)
    for _ in range(depth):
        a, b = rng.choice(num_qubits, size=2, replace=False)
        circuit.append("u3", (int(a),), [float(x) for x in rng.uniform(0, 6.28, 3)])
        circuit.cx(int(a), int(b))
    return circuit


def _flatten(items: list[object]) -> list[object]:
    out: list[object] = []
    for item in items:
        out.extend(item.operations if isinstance(item, Block) else [item])
    return out


@pytest.mark.parametrize("partitioner", [reverse_partition, greedy_partition])
@pytest.mark.parametrize("k", [2, 3, 4])
def test_partitions_keep_the_unitary_and_width(partitioner: object, k: int) -> None:
    circuit = _random_circuit(6, 60, seed=k)
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


def test_cache_skips_blocks_already_tried() -> None:
    circuit = _random_circuit(3, 12, seed=4)
    cache: dict[bytes, Circuit | None] = {}
    first = resynthesize(circuit, threshold=1e-8, seed=1, cache=cache)
    assert first.stats.candidates >= 1 and cache
    second = resynthesize(first.circuit, threshold=1e-8, seed=2, cache=cache)
    again = resynthesize(first.circuit, threshold=1e-8, seed=3, cache=cache)
    assert again.stats.candidates == 0
    assert again.circuit.count_ops() == second.circuit.count_ops()


@pytest.mark.slow
def test_level3_deterministic_and_better_than_level2() -> None:
    path = EXAMPLES / "tfim.qasm"
    a = hpcq.compile(str(path), 3, seed=5)
    b = hpcq.compile(str(path), 3, seed=5)
    two = hpcq.compile(str(path), 2, seed=5)
    assert a.circuit.to_qasm() == b.circuit.to_qasm()
    assert a.stats["verify"]["ok"]
    assert a.stats["after"]["cx"] <= two.stats["after"]["cx"]
    # tfim is 4 qubits: level 3 ends with one sweep over it whole. Its 11- and 12-CX
    # forms met the search threshold only approximately (distance 1.5e-4: not
    # equivalent by hpcq's or Qiskit's check); kept blocks are exact, 60 CX -> 44.
    assert a.stats["after"]["cx"] <= 44
    four = [s for s in a.stats["resynthesis"] if s["block_size"] == 4]
    assert len(four) == 1
    parts = {s["partition"] for s in a.stats["resynthesis"]}
    assert {"partition", "reverse_partition", "greedy_partition"} <= parts


def test_level3_keeps_the_best_of_its_restarts(shared_dir: Path) -> None:
    # adder9: single runs end between 53 and 64 CX depending on the seed.
    circuit = hpcq.Circuit.from_file(shared_dir / "adder9.qasm")
    best = hpcq.compile(circuit, 3, seed=7)
    assert best.stats["verify"]["ok"]
    # Only the kept run's sweeps are reported, then the one 4-qubit sweep after them.
    assert best.stats["resynthesis"][0]["partition"] == "commutation_partition"
    assert sum(1 for s in best.stats["resynthesis"] if s["block_size"] == 4) == 1
    assert best.stats["resynthesis"][-1]["block_size"] == 4
