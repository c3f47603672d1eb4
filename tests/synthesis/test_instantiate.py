"""The instantiation API: fixed CX structures fitted to targets."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from hpcq.ir import Circuit, hilbert_schmidt_cost
from hpcq.synthesis import Template, cyclic_template, generic_cx_count, instantiate


def test_reaches_a_target_of_the_same_structure() -> None:
    target = Circuit(3).h(0).cx(0, 1).t(1).cx(1, 2).ry(0.7, 2).cx(0, 2).unitary()
    result = instantiate([(0, 1), (1, 2), (0, 2)], target, seed=4)
    assert result.cost <= 1e-8
    circuit = result.circuit()
    assert circuit.count_ops()["cx"] == 3
    assert hilbert_schmidt_cost(circuit.unitary(), target) <= 1e-8


def test_too_few_cx_reports_the_best_cost() -> None:
    target = Circuit(2).cx(0, 1).cx(1, 0).unitary()
    result = instantiate(Template(2, ((0, 1),)), target, seed=0, starts=2)
    assert result.cost > 1e-3
    assert result.starts_run == 2
    assert hilbert_schmidt_cost(result.circuit().unitary(), target) == pytest.approx(
        result.cost, abs=1e-9
    )


def test_same_seed_same_parameters() -> None:
    target = Circuit(2).h(1).cx(1, 0).rx(0.2, 0).cx(0, 1).unitary()
    a = instantiate([(0, 1), (0, 1)], target, seed=9)
    b = instantiate([(0, 1), (0, 1)], target, seed=9)
    assert np.array_equal(a.params, b.params)


def test_warm_start_from_x0_keeps_a_solution() -> None:
    template = Template(2, ((0, 1), (1, 0)))
    x = np.random.default_rng(0).uniform(0, 6, template.num_params)
    result = instantiate(template, template.unitary(x), x0=x, seed=1)
    assert result.iterations == 0
    assert np.array_equal(result.params, x)


def test_result_pickles() -> None:
    target = Circuit(2).cx(0, 1).unitary()
    result = instantiate([(0, 1)], target, seed=1)
    again = pickle.loads(pickle.dumps(result))
    assert again.template == result.template and np.array_equal(again.params, result.params)


def test_generic_count_and_cyclic_template() -> None:
    assert [generic_cx_count(n) for n in (2, 3, 4)] == [3, 14, 61]
    assert cyclic_template(3, 4).cx == ((0, 1), (0, 2), (1, 2), (0, 1))


@pytest.mark.parametrize(
    ("template", "target", "message"),
    [
        (Template(2, ((0, 1),)), np.eye(8), "3-qubit"),
        ([(0, 1)], np.ones((4, 4)), "not unitary"),
        ([(0, 2)], np.eye(4), "distinct qubits"),
        ([(0, 1)], np.full((4, 4), np.nan), "NaN"),
    ],
)
def test_bad_input(template: object, target: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        instantiate(template, target)  # type: ignore[arg-type]
