"""How block tasks are cut into batches for the runtime (decreasing sizes)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hpcq.passes.resynthesize import BlockTask, _cost_estimate, guided_batches


def _tasks(count: int, seed: int = 0) -> list[BlockTask]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        width = int(rng.integers(2, 4))
        out.append(BlockTask(i, np.eye(1 << width), int(rng.integers(2, 12)), 3, (), 1e-8, i))
    return out


def _cost(batch: list[BlockTask]) -> float:
    return sum(_cost_estimate(t) for t in batch)


@pytest.mark.parametrize("m", [1, 2, 4, 8, 16])
def test_batches_cover_every_task_once_and_shrink(m: int) -> None:
    tasks = _tasks(400)
    batches = guided_batches(tasks, m)
    assert len(batches) == m
    assert sorted(t.index for b in batches for t in b) == list(range(400))
    costs = [_cost(b) for b in batches]
    total = sum(costs)
    if m > 1:
        # the first batch is about m times the last one's target, the last is small
        assert costs[0] > costs[-1]
        assert costs[-1] <= 2.5 * total / (m * (m + 1) / 2)
        assert all(a >= 0.8 * b for a, b in itertools.pairwise(costs))
    # costliest tasks travel first
    first = [_cost_estimate(t) for t in batches[0]]
    assert max(first) == max(_cost_estimate(t) for t in tasks)


def test_fewer_tasks_than_batches() -> None:
    tasks = _tasks(3)
    batches = guided_batches(tasks, 8)
    assert [len(b) for b in batches] == [1, 1, 1]
    assert guided_batches([], 8) == []
