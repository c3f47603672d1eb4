"""Unroll: composite gates expanded in place; a body that cannot be evaluated is named."""

from __future__ import annotations

import numpy as np
import pytest

from hpcq import Circuit, Parameter
from hpcq.exceptions import CircuitError
from hpcq.ir import CompositeGate, Operation, standard_gate
from hpcq.passes import PassManager, Unroll


def _unroll(circuit: Circuit) -> Circuit:
    return Unroll().run(circuit)


def test_nested_composites_expand_with_their_parameters() -> None:
    theta = Parameter("theta")
    inner = CompositeGate("inner", 1, ["theta"], [Operation(standard_gate("rz"), (0,), (theta,))])
    outer = CompositeGate(
        "outer",
        2,
        ["theta"],
        [Operation(inner, (1,), (theta * 2,)), Operation(standard_gate("cx"), (0, 1))],
    )
    circuit = Circuit(2).append(outer, (1, 0), (0.25,))
    unrolled = _unroll(circuit)
    assert [(op.name, op.qubits, op.params) for op in unrolled] == [
        ("rz", (0,), (0.5,)),
        ("cx", (1, 0), ()),
    ]
    assert np.allclose(unrolled.unitary(), circuit.unitary())


def test_a_body_that_divides_by_zero_names_the_gate_and_operation() -> None:
    a = Parameter("a")
    gate = CompositeGate("g", 1, ["a"], [Operation(standard_gate("rz"), (0,), (1 / a,))])
    circuit = Circuit(1).h(0).append(gate, (0,), (0.0,))
    with pytest.raises(CircuitError) as info:
        _unroll(circuit)
    message = str(info.value)
    assert "operation 1" in message and "'g'" in message and "division by zero" in message
    # Through a pass manager the error keeps its words.
    with pytest.raises(Exception, match="division by zero"):
        PassManager(Unroll()).run(circuit)


def test_deep_nesting_does_not_reach_the_recursion_limit() -> None:
    gate = CompositeGate("g0", 1, [], [Operation(standard_gate("x"), (0,))])
    for level in range(1, 3000):
        gate = CompositeGate(f"g{level}", 1, [], [Operation(gate, (0,))])
    assert [op.name for op in _unroll(Circuit(1).append(gate, (0,)))] == ["x"]
