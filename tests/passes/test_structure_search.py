"""Exhaustive CX-structure search on 3-qubit blocks (level 3)."""

from __future__ import annotations

import itertools
import math

import pytest

from hpcq.ir import Circuit, hilbert_schmidt_cost
from hpcq.passes.resynthesize import BlockTask, resynthesize_block
from hpcq.passes.structure_search import fewer_cx, structure_count, structures


def _cphase(circuit: Circuit, angle: float, control: int, target: int) -> None:
    # The controlled phase as qft5.qasm writes it: two CX and three z rotations.
    circuit.p(angle / 2, control).cx(control, target).p(-angle / 2, target)
    circuit.cx(control, target).p(angle / 2, target)


def _qft3() -> Circuit:
    # The first 3-qubit block of qft5: 6 CX; BQSKit's O3 output has it in 5.
    c = Circuit(3).h(0)
    _cphase(c, math.pi / 2, 1, 0)
    c.h(1)
    _cphase(c, math.pi / 4, 2, 0)
    _cphase(c, math.pi / 2, 2, 1)
    return c.h(2)


@pytest.mark.parametrize(("n", "m"), [(2, 3), (3, 1), (3, 4), (3, 5)])
def test_structures_are_all_orders_without_repeats(n: int, m: int) -> None:
    found = list(structures(n, m))
    assert len(found) == len(set(found)) == structure_count(n, m)
    for pairs in found:
        assert len(pairs) == m
        assert all(a != b for a, b in itertools.pairwise(pairs))
        assert all(0 <= c < t < n for c, t in pairs)


def test_qft3_block_drops_to_five_cx() -> None:
    block = _qft3()
    assert block.count_ops()["cx"] == 6
    target = block.unitary()
    found = fewer_cx(target, 6, seed=1)
    assert found is not None
    assert found.count_ops()["cx"] == 5
    assert hilbert_schmidt_cost(found.unitary(), target) <= 1e-8


def test_none_when_nothing_shorter_exists() -> None:
    # Two CX on different pairs with a generic rotation between: 2 is the minimum.
    target = Circuit(3).cx(0, 1).u3(0.3, 0.2, 0.1, 1).cx(1, 2).unitary()
    assert fewer_cx(target, 2, seed=3) is None


def test_level3_block_task_finds_the_shorter_structure() -> None:
    block = _qft3()
    pairs = tuple((op.qubits[0], op.qubits[1]) for op in block if op.name == "cx")
    one_qubit = sum(1 for op in block if len(op.qubits) == 1)
    task = BlockTask(0, block.unitary(), 6, one_qubit, pairs, 1e-8, 1, delete_cx=True)
    outcome = resynthesize_block(task)
    assert outcome.circuit is not None
    assert outcome.circuit.count_ops()["cx"] == 5
    assert hilbert_schmidt_cost(outcome.circuit.unitary(), task.unitary) <= 1e-8
