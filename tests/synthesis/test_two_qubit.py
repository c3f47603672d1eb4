"""The closed-form CX count of two-qubit unitaries."""

from __future__ import annotations

import numpy as np
import pytest

from hpcq.ir import Circuit
from hpcq.synthesis.two_qubit import two_qubit_cx_count


def _random_with_cx(num_cx: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    circuit = Circuit(2)
    for layer in range(num_cx + 1):
        for q in (0, 1):
            circuit.u3(*rng.uniform(0, 2 * np.pi, 3), q)
        if layer < num_cx:
            circuit.cx(*((0, 1) if rng.random() < 0.5 else (1, 0)))
    phase = np.exp(1j * rng.uniform(0, 2 * np.pi))
    return circuit.unitary() * phase


@pytest.mark.parametrize("num_cx", [0, 1, 2, 3])
def test_random_circuits_need_their_cx(num_cx: int) -> None:
    # Generic single-qubit layers between the CX make every one of them necessary.
    for seed in range(50):
        assert two_qubit_cx_count(_random_with_cx(num_cx, seed)) == num_cx


@pytest.mark.parametrize(
    ("circuit", "expected"),
    [
        (Circuit(2), 0),
        (Circuit(2).h(0).t(1), 0),
        (Circuit(2).cz(0, 1), 1),
        (Circuit(2).cx(1, 0).h(0).cx(1, 0), 1),  # a controlled-Y in disguise
        (Circuit(2).cx(1, 0).h(1).cx(1, 0), 1),
        (Circuit(2).cx(0, 1).rx(0.3, 0).cx(0, 1), 2),  # exp(-i 0.15 X X)
        (Circuit(2).cx(0, 1).cx(0, 1), 0),
        (Circuit(2).rzz(0.3, 0, 1), 2),
        (Circuit(2).rxx(0.4, 0, 1).ryy(0.4, 0, 1), 2),  # an XY interaction
        (Circuit(2).rxx(0.4, 0, 1).ryy(0.3, 0, 1).rzz(0.2, 0, 1), 3),
        (Circuit(2).swap(0, 1), 3),
    ],
)
def test_known_gates(circuit: Circuit, expected: int) -> None:
    assert two_qubit_cx_count(circuit.unitary()) == expected


def test_rejects_other_shapes() -> None:
    with pytest.raises(ValueError, match="4x4"):
        two_qubit_cx_count(np.eye(8))
