"""The Circuit IR: building, queries, inverse, unitaries against Qiskit's convention."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from hpcq import Circuit, CircuitError, Parameter
from hpcq.ir import (
    STANDARD_GATES,
    UnitaryGate,
    equivalent,
    equivalent_on_states,
    hilbert_schmidt_cost,
    hilbert_schmidt_distance,
)


def test_cx_matrix_has_control_as_least_significant_bit() -> None:
    expected = np.array([[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]])
    assert np.array_equal(Circuit(2).cx(0, 1).unitary(), expected)
    # Reversed: control on qubit 1, the most significant bit.
    expected_rev = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])
    assert np.array_equal(Circuit(2).cx(1, 0).unitary(), expected_rev)


@pytest.mark.parametrize("name", sorted(n for n, g in STANDARD_GATES.items() if g.is_unitary))
def test_every_standard_gate_is_unitary_and_inverts(name: str) -> None:
    gate = STANDARD_GATES[name]
    params = [0.3 + 0.4 * i for i in range(gate.num_params)]
    circuit = Circuit(gate.num_qubits).append(name, range(gate.num_qubits), params)
    u = circuit.unitary()
    assert np.allclose(u.conj().T @ u, np.eye(len(u)))
    assert equivalent(circuit.inverse().unitary() @ u, np.eye(len(u)))


def test_depth_count_ops_and_repr() -> None:
    c = Circuit(3, 3).h(0).cx(0, 1).cx(1, 2).barrier().x(0).measure(2, 2)
    assert c.depth() == 4
    assert c.count_ops() == {"barrier": 1, "cx": 2, "h": 1, "measure": 1, "x": 1}
    assert "3 qubits" in repr(c) and "cx 2" in repr(c)


def test_bad_operations_are_refused() -> None:
    c = Circuit(2)
    with pytest.raises(CircuitError, match="out of range"):
        c.cx(0, 2)
    with pytest.raises(CircuitError, match="repeated"):
        c.cx(1, 1)
    with pytest.raises(CircuitError, match="parameter"):
        c.append("rx", [0])
    with pytest.raises(KeyError, match="unknown gate"):
        c.append("nope", [0])


def test_copy_equality_and_without_measurements() -> None:
    c = Circuit(2, 2).h(0).cx(0, 1).measure(0, 0)
    d = c.copy()
    assert c == d
    d.x(1)
    assert c != d
    assert c.without_measurements() == Circuit(2, 2).h(0).cx(0, 1)
    with pytest.raises(TypeError):
        c.unitary()


def test_parameters_bind_and_pickle() -> None:
    theta = Parameter("theta")
    c = Circuit(1).rx(2 * theta + 0.5, 0).rz(-theta, 0)
    assert c.parameters == {"theta"}
    bound = c.bind({"theta": 0.25})
    assert bound.parameters == frozenset()
    assert equivalent(bound, Circuit(1).rx(1.0, 0).rz(-0.25, 0))
    assert pickle.loads(pickle.dumps(c)) == c
    with pytest.raises(TypeError, match="unbound"):
        c.unitary()


def test_distances() -> None:
    u = Circuit(2).h(0).cx(0, 1).unitary()
    assert hilbert_schmidt_cost(u, u * np.exp(0.7j)) == pytest.approx(0.0, abs=1e-15)
    assert hilbert_schmidt_distance(u, u) == pytest.approx(0.0, abs=1e-7)
    v = Circuit(2).h(0).cx(0, 1).rz(0.01, 1).unitary()
    t = abs(np.trace(u.conj().T @ v)) / 4
    assert hilbert_schmidt_cost(u, v) == pytest.approx(1 - t)
    assert hilbert_schmidt_distance(u, v) == pytest.approx(math.sqrt(1 - t * t))
    assert not equivalent(u, v)


def test_unitary_gate_validation() -> None:
    with pytest.raises(ValueError, match="not unitary"):
        UnitaryGate(np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"2\^n x 2\^n"):
        UnitaryGate(np.eye(3))
    with pytest.raises(ValueError, match="NaN or infinite"):
        UnitaryGate(np.full((2, 2), np.nan))


def test_equivalence_on_states_detects_a_difference() -> None:
    rng = np.random.default_rng(7)
    a = Circuit(6)
    for _ in range(30):
        q0, q1 = rng.choice(6, 2, replace=False)
        a.cx(int(q0), int(q1)).u3(*rng.uniform(0, 6, 3), int(q1))
    assert equivalent_on_states(a, a.copy())
    b = a.copy().rz(1e-3, 3)
    assert not equivalent_on_states(b, a)
    assert equivalent(a, a.copy()) and not equivalent(a, b)


def test_fused_unitary_equals_gate_by_gate_product() -> None:
    from hpcq.ir.simulate import apply_matrix, fuse_operations

    rng = np.random.default_rng(11)
    n = 7
    c = Circuit(n)
    for _ in range(60):
        a, b, d = (int(x) for x in rng.choice(n, 3, replace=False))
        c.cx(a, b).u3(*rng.uniform(0, 6, 3), d).ccx(a, d, b)
    expected = np.eye(1 << n, dtype=np.complex128)
    for op in c:
        expected = apply_matrix(expected, op.matrix(), op.qubits, n)
    assert np.allclose(c.unitary(), expected, atol=1e-12)
    blocks = fuse_operations(c, 4)
    assert len(blocks) < len(c) / 2
    assert all(len(qubits) <= 4 for _, qubits in blocks)
