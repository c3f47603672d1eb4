"""Verification: error bounds, unitary checks, and the numba state-vector check."""

from __future__ import annotations

import numpy as np
import pytest

from hpcq.ir import Circuit
from hpcq.ir.simulate import operations_statevector, random_state
from hpcq.passes.verify import apply_fused, error_bound, fuse, verify


def _layered(num_qubits: int, layers: int, seed: int) -> Circuit:
    rng = np.random.default_rng(seed)
    c = Circuit(num_qubits)
    for layer in range(layers):
        for q in range(num_qubits):
            c.u3(*rng.uniform(-3, 3, 3), q)
        for q in range(layer % 2, num_qubits - 1, 2):
            c.cx(q, q + 1)
    return c


@pytest.mark.parametrize("fuse_size", [1, 2, 3, 4, 5])
def test_fused_kernel_matches_numpy(fuse_size: int) -> None:
    c = _layered(7, 6, 3).cx(6, 0).swap(1, 5).ccx(2, 4, 0)
    psi = random_state(7, np.random.default_rng(0))
    expected = operations_statevector(c.operations, 7, psi)
    out = psi.copy()
    apply_fused(out, fuse(c.operations, 7, max(fuse_size, 3)))
    assert np.allclose(out, expected, atol=1e-12)


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


def test_state_check_on_a_wide_circuit() -> None:
    a = _layered(16, 10, 2)
    same = verify(a, a.copy())
    assert same.method == "states" and same.ok and same.distance < 1e-6
    bad = a.copy().x(7)
    report = verify(a, bad)
    assert report.method == "states" and not report.ok


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
