"""hpcq.synthesize: every result is checked against its target from Circuit.unitary()."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest

from hpcq.exceptions import SynthesisError
from hpcq.ir import Circuit, hilbert_schmidt_cost
from hpcq.synthesis import synthesize


def _haar(dim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    z = (rng.normal(size=(dim, dim)) + 1j * rng.normal(size=(dim, dim))) / np.sqrt(2)
    q, r = np.linalg.qr(z)
    return q * (np.diag(r) / np.abs(np.diag(r)))


def _check(circuit: Circuit, target: np.ndarray, threshold: float = 1e-8) -> int:
    assert set(circuit.count_ops()) <= {"u3", "cx"}
    assert hilbert_schmidt_cost(circuit.unitary(), target) <= threshold
    return circuit.count_ops().get("cx", 0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_two_qubit_unitary_takes_three_cx(seed: int) -> None:
    target = _haar(4, seed)
    assert _check(synthesize(target, seed=seed), target) == 3


@pytest.mark.parametrize(
    ("circuit", "cx"),
    [
        (Circuit(1).h(0).t(0), 0),
        (Circuit(2).h(0).rz(0.3, 1), 0),
        (Circuit(2).h(0).cx(0, 1), 1),
        (Circuit(2).cx(0, 1).cx(1, 0), 2),
        (Circuit(2).swap(0, 1), 3),
        (Circuit(3).h(0).cx(0, 2).rz(0.4, 2).cx(1, 2), 2),
    ],
)
def test_structured_targets_get_their_cx_count(circuit: Circuit, cx: int) -> None:
    target = circuit.unitary()
    assert _check(synthesize(target, seed=3), target) == cx


def test_same_seed_same_circuit() -> None:
    partial = Circuit(3).cx(0, 1).cx(1, 2).unitary() @ np.kron(np.eye(4), _haar(2, 1))
    for matrix in (partial, _haar(4, 7)):
        a = synthesize(matrix, seed=5)
        b = synthesize(matrix, seed=5)
        assert a == b
        _check(a, matrix)


def test_threshold_is_honoured() -> None:
    target = _haar(4, 4)
    circuit = synthesize(target, threshold=1e-3, seed=0)
    assert _check(circuit, target, threshold=1e-3) <= 3


def test_impossible_bound_raises_with_best_distance() -> None:
    target = Circuit(2).cx(0, 1).unitary()
    with pytest.raises(SynthesisError) as info:
        synthesize(target, max_cx=0, seed=0)
    assert info.value.best_distance is not None and info.value.best_distance > 0.1
    again = pickle.loads(pickle.dumps(info.value))
    assert again.best_distance == info.value.best_distance


def test_max_cx_below_need_raises() -> None:
    target = _haar(4, 2)
    with pytest.raises(SynthesisError) as info:
        synthesize(target, max_cx=2, seed=0, method="leap")
    assert info.value.best_distance is not None and info.value.best_distance > 1e-6


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (np.ones((4, 4)), "not unitary"),
        (np.eye(3), "2\\^n"),
        (np.eye(4)[:, :2], "square"),
        (np.full((2, 2), np.nan), "NaN"),
        ("abc", "numeric"),
        (np.eye(64), "1 to 5"),
    ],
)
def test_bad_unitary(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        synthesize(value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "magic"}, "method"),
        ({"threshold": 0.0}, "threshold"),
        ({"max_cx": -1}, "max_cx"),
        ({"seed": -3}, "seed"),
        ({"compiler": object()}, "compiler"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        synthesize(np.eye(4), **kwargs)  # type: ignore[arg-type]


def test_tasks_go_through_the_given_runtime() -> None:
    calls: list[int] = []

    class Future:
        def __init__(self, values: list[object]) -> None:
            self.values = values

        def result(self) -> list[object]:
            return self.values

    class Handle:
        def map(self, fn: object, items: list[object]) -> Future:
            # What crosses ranks must pickle: send the work through pickle both ways.
            calls.append(len(items))
            fn2 = pickle.loads(pickle.dumps(fn))
            out = [fn2(pickle.loads(pickle.dumps(item))) for item in items]  # type: ignore[operator]
            return Future(pickle.loads(pickle.dumps(out)))

    target = _haar(8, 3)
    circuit = synthesize(target, seed=2, compiler=Handle())
    assert calls and max(calls) >= 3
    assert circuit == synthesize(target, seed=2)
    _check(circuit, target)


@pytest.mark.slow
def test_toffoli_takes_six_cx_with_qsearch() -> None:
    target = Circuit(3).ccx(0, 1, 2).unitary()
    assert _check(synthesize(target, method="qsearch", seed=1), target) == 6


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_random_three_qubit_unitary_takes_fourteen_cx(seed: int) -> None:
    target = _haar(8, 100 + seed)
    assert _check(synthesize(target, seed=seed), target) == 14


def test_max_expansions_caps_a_search_that_cannot_succeed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hpcq.synthesis import leap as leap_module

    calls = 0
    real = leap_module.parallel_map

    def counting(fn: Any, items: Any) -> Any:
        nonlocal calls
        calls += 1
        return real(fn, items)

    monkeypatch.setattr(leap_module, "parallel_map", counting)
    rng = np.random.default_rng(7)
    target, _ = np.linalg.qr(rng.normal(size=(16, 16)) + 1j * rng.normal(size=(16, 16)))
    # A random 4-qubit unitary needs 61 CX: a 12-CX search cannot succeed.
    with pytest.raises(SynthesisError):
        synthesize(target, method="leap", max_cx=12, max_expansions=3, seed=1)
    assert calls == 3  # one parallel_map of children per expanded node


@pytest.mark.parametrize("bad", [0, -1, 2.5, "3"])
def test_max_expansions_must_be_a_positive_integer(bad: object) -> None:
    with pytest.raises(ValueError, match="max_expansions"):
        synthesize(np.eye(4), max_expansions=bad)  # type: ignore[arg-type]
