"""The kernels against Circuit.unitary() and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from hpcq.ir import Circuit
from hpcq.synthesis import _kernels
from hpcq.synthesis.template import Template, cyclic_template


def _haar(dim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    z = (rng.normal(size=(dim, dim)) + 1j * rng.normal(size=(dim, dim))) / np.sqrt(2)
    q, r = np.linalg.qr(z)
    return q * (np.diag(r) / np.abs(np.diag(r)))


def _objective(template: Template, udag: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray]:
    dim = udag.shape[0]
    grad = np.empty_like(x)
    f = _kernels.objective_and_gradient(
        *template.arrays,
        udag,
        x,
        grad,
        np.empty((len(template.arrays[0]), 2, 2), dtype=np.complex128),
        np.empty((3, 2, 2), dtype=np.complex128),
        np.empty((dim, dim), dtype=np.complex128),
        np.empty((dim, dim), dtype=np.complex128),
    )
    return f, grad


TEMPLATES = [
    Template(1),
    Template(2, ((0, 1), (1, 0), (0, 1))),
    Template(3, ((0, 2), (1, 2), (0, 1), (2, 0))),
    cyclic_template(4, 5),
]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: f"{t.num_qubits}q{t.num_cx}cx")
def test_template_unitary_matches_circuit(template: Template) -> None:
    x = np.random.default_rng(3).uniform(-4, 4, template.num_params)
    expected = Template(template.num_qubits, template.cx).circuit(x).unitary()
    got = template.unitary(x)
    # circuit() wraps angles, which may flip the global sign of a u3.
    phase = np.vdot(got, expected) / abs(np.vdot(got, expected))
    assert np.allclose(got * phase, expected, atol=1e-12)
    assert np.allclose(got.conj().T @ got, np.eye(got.shape[0]), atol=1e-12)


def test_template_unitary_of_one_cx_is_the_cx_between_u3_layers() -> None:
    template = Template(2, ((1, 0),))
    x = np.zeros(template.num_params)
    assert np.allclose(template.unitary(x), Circuit(2).cx(1, 0).unitary())


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: f"{t.num_qubits}q{t.num_cx}cx")
def test_objective_and_gradient_match_finite_differences(template: Template) -> None:
    rng = np.random.default_rng(11)
    target = _haar(1 << template.num_qubits, 5)
    udag = np.ascontiguousarray(target.conj().T)
    x = rng.uniform(0, 2 * np.pi, template.num_params)
    f, grad = _objective(template, udag, x)
    trace = np.trace(udag @ template.unitary(x))
    dim = target.shape[0]
    assert f == pytest.approx(1 - abs(trace) ** 2 / dim**2, abs=1e-13)
    step = 1e-6
    numeric = np.empty_like(x)
    for i in range(x.size):
        up, down = x.copy(), x.copy()
        up[i] += step
        down[i] -= step
        numeric[i] = (_objective(template, udag, up)[0] - _objective(template, udag, down)[0]) / (
            2 * step
        )
    assert np.max(np.abs(grad - numeric)) < 1e-8
    assert np.max(np.abs(grad)) > 1e-3  # a random point is not stationary


def test_objective_to_cost_is_the_hilbert_schmidt_cost() -> None:
    for t in (0.0, 0.3, 0.999, 1 - 1e-12, 1.0):
        f = 1 - t * t
        assert _kernels.objective_to_cost(f) == pytest.approx(1 - t, abs=1e-15)


def test_lbfgs_converges_on_a_reachable_target() -> None:
    template = Template(2, ((0, 1), (1, 0), (0, 1)))
    target = template.unitary(np.random.default_rng(1).uniform(0, 6, template.num_params))
    udag = np.ascontiguousarray(target.conj().T)
    starts = np.random.default_rng(2).uniform(0, 2 * np.pi, (3, template.num_params))
    costs = np.empty(3)
    iterations = np.empty(3, dtype=np.int64)
    best = _kernels.multistart(
        *template.arrays, udag, starts, 1e-10, 2000, 1e-12, 10, costs, iterations
    )
    assert costs[best] <= 1e-10
    assert np.isinf(costs[best + 1 :]).all()  # stops at the first success
    got = template.unitary(starts[best])
    assert abs(np.trace(udag @ got)) / 4 == pytest.approx(1.0, abs=1e-9)
