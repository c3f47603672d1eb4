"""Block resynthesis: improvements kept, distances recorded, unitary preserved."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpcq.ir import Circuit, hilbert_schmidt_distance
from hpcq.passes import CancelCX, Fuse1Q, PassManager, Rebase, Unroll
from hpcq.passes.resynthesize import BlockTask, Resynthesize, balanced_batches, resynthesize


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


def test_pass_records_distances() -> None:
    pass_ = Resynthesize(max_block_size=2, seed=3)
    out = PassManager([pass_]).run(_wasteful())
    assert out.count_ops().get("cx", 0) < 8


def test_adder9_improves_and_stays_close(shared_dir: Path) -> None:
    c = Circuit.from_file(shared_dir / "adder9.qasm").without_measurements()
    c = PassManager([Unroll(), Rebase("u3"), Fuse1Q(), CancelCX()]).run(c)
    result = resynthesize(c, seed=2, delete_cx=True)
    assert result.circuit.count_ops()["cx"] < c.count_ops()["cx"] - 10
    bound = sum(result.stats.distances)
    assert hilbert_schmidt_distance(result.circuit.unitary(), c.unitary()) <= 10 * bound + 1e-5


def test_batches_balance_cost() -> None:
    import numpy as np

    tasks = [
        BlockTask(i, np.eye(8, dtype=complex), cx, 0, (), 1e-8, i)
        for i, cx in enumerate(range(20))
    ]
    batches = balanced_batches(tasks, 4)
    assert len(batches) == 4
    assert sorted(t.index for b in batches for t in b) == list(range(20))
    sums = [sum(t.cx + 1 for t in b) for b in batches]
    assert max(sums) - min(sums) <= 20


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        resynthesize(Circuit(2), max_block_size=1)
    with pytest.raises(ValueError):
        resynthesize(Circuit(2), threshold=2.0)
