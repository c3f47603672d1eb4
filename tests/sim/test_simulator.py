"""The one simulator: states and unitaries against a gate-by-gate numpy reference."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import unitary_group

from hpcq.ir import Circuit, Parameter
from hpcq.ir.circuit import Operation
from hpcq.sim import (
    apply_matrix,
    fuse_operations,
    operations_statevector,
    operations_unitary,
    partition,
    random_state,
    statevector,
    unitary,
)


def _reference(ops: list[Operation], n: int, state: np.ndarray) -> np.ndarray:
    """One numpy tensor contraction per gate: no planning, no kernels."""
    for op in ops:
        if op.name != "barrier":
            state = apply_matrix(state, op.matrix(), op.qubits, n)
    return state


def _random_circuit(n: int, gates: int, seed: int) -> Circuit:
    # Qubits in every order (cx(3, 1) as well as cx(1, 3)), monomial and dense gates,
    # and an arbitrary 3-qubit block on unsorted qubits.
    rng = np.random.default_rng(seed)
    c = Circuit(n)
    block = unitary_group.rvs(8, random_state=seed)
    for _ in range(gates):
        a, b, d = (int(x) for x in rng.choice(n, 3, replace=False))
        c.cx(a, b).u3(*rng.uniform(-3, 3, 3), d).ccx(b, d, a).swap(d, a).rz(0.3, b).t(a)
        c.barrier(a, b)
    c.unitary_gate(block, [n - 1, 0, n // 2])
    return c


@pytest.mark.parametrize("n", [1, 4, statevector.DIRECT_QUBITS, statevector.DIRECT_QUBITS + 1])
def test_state_matches_the_gate_by_gate_reference(n: int) -> None:
    c = _random_circuit(max(n, 3), 6, seed=n) if n >= 3 else Circuit(n).h(0).rx(0.4, 0)
    psi = random_state(c.num_qubits, np.random.default_rng(n))
    expected = _reference(c.operations, c.num_qubits, psi)
    out = operations_statevector(c.operations, c.num_qubits, psi)
    assert np.allclose(out, expected, atol=1e-12)
    assert np.array_equal(psi, random_state(c.num_qubits, np.random.default_rng(n)))


def test_several_states_as_columns() -> None:
    c = _random_circuit(5, 5, seed=3)
    states = np.stack([random_state(5, np.random.default_rng(s)) for s in range(3)], axis=1)
    out = operations_statevector(c.operations, 5, states)
    for j in range(3):
        assert np.allclose(out[:, j], _reference(c.operations, 5, states[:, j]), atol=1e-12)


@pytest.mark.parametrize("n", [3, unitary.DIRECT_QUBITS, unitary.DIRECT_QUBITS + 1, 9])
def test_unitary_matches_the_gate_by_gate_reference(n: int) -> None:
    c = _random_circuit(n, 4, seed=10 + n)
    expected = _reference(c.operations, n, np.eye(1 << n, dtype=np.complex128))
    u = c.unitary()
    assert u.dtype == np.complex128 and u.flags.c_contiguous
    assert np.allclose(u, expected, atol=1e-12)
    assert np.allclose(operations_unitary(c.operations, n), expected, atol=1e-12)


@pytest.mark.parametrize("n", [2, 8])
def test_what_is_not_a_bound_unitary_is_refused(n: int) -> None:
    with pytest.raises(TypeError, match="not unitary"):
        Circuit(n, 1).h(0).measure(0, 0).unitary()
    with pytest.raises(TypeError, match="unbound"):
        Circuit(n).rx(Parameter("a"), 1).unitary()
    with pytest.raises(TypeError):
        operations_statevector(Circuit(n, 1).measure(1, 0).operations, n)
    assert np.allclose(Circuit(n).unitary(), np.eye(1 << n))


def test_fused_blocks_are_the_scanners_blocks() -> None:
    # Two open blocks meet a gate that fits into one of them: the scanner extends
    # that one and closes the other; a second, differing scanner closed both.
    c = Circuit(4).cx(0, 1).h(0).cx(2, 3).cx(1, 2).t(3)
    fused = fuse_operations(c.operations, 3)
    assert [qubits for _, qubits in fused] == [item.qubits for item in partition(c, 3)]
    assert [qubits for _, qubits in fused] == [(2, 3), (0, 1, 2), (3,)]
    product = np.eye(16, dtype=np.complex128)
    for matrix, qubits in fused:
        product = apply_matrix(product, matrix, qubits, 4)
    assert np.allclose(product, c.unitary(), atol=1e-12)
