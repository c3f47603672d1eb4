"""Verification: error bounds, unitary checks, and the numba state-vector check."""

from __future__ import annotations

import numpy as np
import pytest

from hpcq.ir import Circuit
from hpcq.ir.circuit import Operation
from hpcq.passes.verify import apply_operations, error_bound, verify
from hpcq.sim import apply, apply_matrix, plan, random_state


def operations_statevector(ops: list[Operation], n: int, psi: np.ndarray) -> np.ndarray:
    """The reference: one numpy tensor contraction per gate (no planning, no kernels)."""
    for op in ops:
        if op.name != "barrier":
            psi = apply_matrix(psi, op.matrix(), op.qubits, n)
    return psi


def _layered(num_qubits: int, layers: int, seed: int) -> Circuit:
    rng = np.random.default_rng(seed)
    c = Circuit(num_qubits)
    for layer in range(layers):
        for q in range(num_qubits):
            c.u3(*rng.uniform(-3, 3, 3), q)
        for q in range(layer % 2, num_qubits - 1, 2):
            c.cx(q, q + 1)
    return c


def _mixed(num_qubits: int, seed: int) -> Circuit:
    """Dense, monomial (CX, X, SWAP, CCX) and diagonal gates, on every qubit."""
    c = _layered(num_qubits, 6, seed)
    rng = np.random.default_rng(seed)
    for _ in range(4 * num_qubits):
        a, b, t = (int(q) for q in rng.choice(num_qubits, 3, replace=False))
        kind = int(rng.integers(6))
        if kind == 0:
            c.cx(a, b)
        elif kind == 1:
            c.rz(float(rng.uniform(-3, 3)), a)
        elif kind == 2:
            c.swap(a, b)
        elif kind == 3:
            c.ccx(a, b, t)
        elif kind == 4:
            c.u3(np.pi, float(rng.uniform(-3, 3)), 0.3, a)
        else:
            c.cz(a, b).cu1(0.7, b, t)
    return c


@pytest.mark.parametrize(
    ("local", "dense", "monomial"),
    [(3, 3, 3), (4, 2, 4), (5, 1, 5), (6, 3, 8), (9, 2, 8), (9, 4, 9)],
)
def test_staged_kernels_match_numpy(local: int, dense: int, monomial: int) -> None:
    c = _mixed(9, local + dense)
    psi = random_state(9, np.random.default_rng(local))
    expected = operations_statevector(c.operations, 9, psi)
    stages = plan(c.operations, 9, local_qubits=local, dense_size=dense, monomial_size=monomial)
    kinds = set(np.concatenate([s.kinds for s in stages]).tolist())
    assert {0, 1} <= kinds  # dense and monomial blocks both exercised
    for threads in (1, 3):
        out = psi.copy()
        apply(out, stages, threads)
        assert np.allclose(out, expected, atol=1e-12)


@pytest.mark.parametrize("high", [False, True])
def test_diagonal_blocks(high: bool) -> None:
    # high: the diagonal blocks sit on qubits >= 4 (runs of 16+ amplitudes share a phase)
    c = Circuit(8).h(0).h(6)
    a, b, d = (4, 5, 7) if high else (0, 1, 3)
    c.rz(0.1, a).cu1(0.2, a, d).cz(d, b).t(b).cu1(0.3, b, a).h(2)
    stages = plan(c.operations, 8, local_qubits=8 if high else 4, dense_size=2)
    assert 2 in set(np.concatenate([s.kinds for s in stages]).tolist())
    psi = random_state(8, np.random.default_rng(1))
    out = psi.copy()
    apply(out, stages, 2)
    assert np.allclose(out, operations_statevector(c.operations, 8, psi), atol=1e-12)


def test_unsorted_gate_qubits_and_public_simulator() -> None:
    c = Circuit(5).h(4).cx(4, 1).swap(3, 0).ccx(4, 2, 0).u3(0.1, 0.2, 0.3, 3).cx(3, 2)
    psi = random_state(5, np.random.default_rng(2))
    out = psi.copy()
    apply_operations(out, c.operations, 5, threads=2)
    assert np.allclose(out, operations_statevector(c.operations, 5, psi), atol=1e-12)
    with pytest.raises(ValueError, match="complex128"):
        apply_operations(np.zeros(32), c.operations, 5)
    with pytest.raises(TypeError, match="measure"):
        apply_operations(out, Circuit(5, 1).measure(0, 0).operations, 5)


def test_error_bound_sums_and_rejects_nonsense() -> None:
    assert error_bound([1e-9, 2e-9]) == pytest.approx(3e-9)
    with pytest.raises(ValueError):
        error_bound([float("nan")])


def test_unitary_check_catches_a_difference() -> None:
    a = _layered(4, 4, 1)
    assert verify(a, a.copy()).ok
    bad = a.copy().rz(1e-3, 2)
    report = verify(a, bad)
    assert report.method == "unitary" and not report.ok and report.distance > 1e-4


@pytest.mark.parametrize("threads", [1, 3])
def test_column_by_column_unitary_check_matches_the_matrices(threads: int) -> None:
    from hpcq.passes.verify import COLUMN_CHECK_QUBITS
    from hpcq.sim import hilbert_schmidt_distance

    n = COLUMN_CHECK_QUBITS
    a = _layered(n, 3, 5)
    b = a.copy().rz(2e-3, 1).cx(0, n - 1).cx(0, n - 1)  # off by a small rotation
    expected = hilbert_schmidt_distance(a.unitary(), b.unitary())
    report = verify(a, b, threads=threads, tolerance=1e-2)
    assert report.method == "unitary" and report.ok and report.threads == threads
    assert report.distance == pytest.approx(expected, rel=1e-6)
    assert not verify(a, b).ok  # beyond the default tolerance
    assert verify(a, a.copy(), threads=threads).distance < 1e-6


def test_state_check_on_a_wide_circuit() -> None:
    a = _layered(16, 10, 2)
    same = verify(a, a.copy())
    assert same.method == "states" and same.ok and same.distance < 1e-6
    bad = a.copy().x(7)
    report = verify(a, bad)
    assert report.method == "states" and not report.ok


def test_state_check_threads_and_report() -> None:
    a = _mixed(14, 5)
    report = verify(a, a.copy(), threads=2, num_states=2, seed=3)
    assert report.method == "states" and report.ok and report.distance < 1e-6
    assert report.threads == 2 and report.num_stages >= 1 and report.num_fused_blocks > 0
    bad = a.copy().rz(1e-2, 13)
    assert not verify(a, bad, threads=2).ok


def test_budget_falls_back_to_the_bound_with_the_reason() -> None:
    # 22 qubits: 128 groups of 2**15 amplitudes, enough for the timed sample.
    a = _layered(22, 4, 7)
    report = verify(a, a.copy(), bound=1e-9, budget=1e-6)
    assert report.method == "blocks" and report.ok and report.distance is None
    assert report.estimated_seconds is not None and report.estimated_seconds > 1e-6
    assert "budget" in report.reason
    generous = verify(a, a.copy(), budget=3600.0)
    assert generous.method == "states" and generous.ok
    assert generous.estimated_seconds is not None
    with pytest.raises(ValueError, match="budget"):
        verify(a, a, budget=0.0)


def test_too_wide_falls_back_to_the_bound() -> None:
    a = Circuit(30).h(0).cx(0, 29)
    report = verify(a, a.copy(), bound=1e-9)
    assert report.method == "blocks" and report.ok and report.distance is None


def test_measurements_are_ignored_resets_skip() -> None:
    a = Circuit(2, 2).h(0).cx(0, 1).measure(0, 0)
    assert verify(a, a.copy()).ok
    r = Circuit(1).reset(0)
    assert verify(r, r.copy()).method == "skipped"


def test_width_mismatch() -> None:
    with pytest.raises(ValueError, match="qubit"):
        verify(Circuit(2), Circuit(3))
