"""Block resynthesis: improvements kept, distances recorded, unitary preserved."""

from __future__ import annotations

from pathlib import Path

import pytest
from testsupport import random_u3_cx_circuit

from hpcq.ir import Circuit, hilbert_schmidt_distance
from hpcq.passes import CancelCX, Fuse1Q, PassManager, Rebase, Unroll
from hpcq.passes.resynthesize import Resynthesize, resynthesize


def _wasteful() -> Circuit:
    # Three CX on the same pair with rotations between: any 2-qubit unitary needs at
    # most 3, and this one needs fewer (the two outer CX conjugate a z rotation).
    c = Circuit(3)
    c.cx(0, 1).rz(0.3, 1).cx(0, 1).cx(0, 1).rz(0.2, 1).cx(0, 1)
    c.h(2).cx(1, 2).t(2).cx(1, 2).cx(1, 2).tdg(2).cx(1, 2)
    return c


def test_fewer_cx_same_unitary() -> None:
    c = PassManager([Fuse1Q()]).run(_wasteful())
    result = resynthesize(c, max_block_size=3, seed=1)
    out = result.circuit
    assert out.count_ops().get("cx", 0) < c.count_ops()["cx"]
    assert result.stats.replaced >= 1 and result.stats.cx_saved > 0
    assert len(result.stats.distances) == result.stats.replaced
    assert (
        hilbert_schmidt_distance(out.unitary(), c.unitary()) <= sum(result.stats.distances) + 1e-6
    )


def test_pass_records_distances_sweeps_and_its_cache() -> None:
    circuit = _wasteful()
    pm = PassManager([Resynthesize(max_block_size=2, seed=3), Resynthesize(max_block_size=2)])
    out = pm.run(circuit)
    assert out.count_ops().get("cx", 0) < 8
    distances = pm.property_set["block_distances"]
    first, second = pm.property_set["resynthesis"]
    assert len(distances) == first["replaced"] + second["replaced"] >= 1
    assert all(0.0 <= d <= 1e-12 for d in distances)  # exact blocks only
    assert hilbert_schmidt_distance(out.unitary(), circuit.unitary()) <= sum(distances) + 1e-7
    assert first["block_size"] == 2 and first["partition"] == "partition"
    assert pm.property_set["block_cache"]  # the second sweep found the first's outcomes


def test_every_setting_of_a_sweep_is_a_setting_of_the_pass() -> None:
    import inspect

    from hpcq.passes.commutation_partition import commutation_partition

    sweep = set(inspect.signature(resynthesize).parameters) - {"circuit", "cache"}
    assert sweep <= set(inspect.signature(Resynthesize).parameters)
    pass_ = Resynthesize(2, delete_cx=True, partitioner=commutation_partition, max_expansions=9)
    assert pass_.name() == "Resynthesize(k=2, commutation_partition, delete_cx, max_expansions=9)"


def test_adder9_improves_and_stays_close(shared_dir: Path) -> None:
    c = Circuit.from_file(shared_dir / "adder9.qasm").without_measurements()
    c = PassManager([Unroll(), Rebase("u3"), Fuse1Q(), CancelCX()]).run(c)
    result = resynthesize(c, seed=2, delete_cx=True)
    assert result.circuit.count_ops()["cx"] < c.count_ops()["cx"] - 10
    bound = sum(result.stats.distances)
    assert hilbert_schmidt_distance(result.circuit.unitary(), c.unitary()) <= 10 * bound + 1e-5


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        resynthesize(Circuit(2), max_block_size=1)
    with pytest.raises(ValueError):
        resynthesize(Circuit(2), threshold=2.0)


def test_cache_skips_blocks_already_tried() -> None:
    circuit = random_u3_cx_circuit(3, 12, seed=4)
    cache: dict[bytes, Circuit | None] = {}
    first = resynthesize(circuit, threshold=1e-8, seed=1, cache=cache)
    assert first.stats.candidates >= 1 and cache
    second = resynthesize(first.circuit, threshold=1e-8, seed=2, cache=cache)
    again = resynthesize(first.circuit, threshold=1e-8, seed=3, cache=cache)
    assert again.stats.candidates == 0
    assert again.circuit.count_ops() == second.circuit.count_ops()
