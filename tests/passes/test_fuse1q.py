"""Fuse1Q: runs of single-qubit gates become one u3; identities are dropped."""

from __future__ import annotations

import math

import numpy as np
import pytest
from passes_helpers import random_circuit

from hpcq.ir import Circuit, Condition, Parameter, equivalent, standard_gate
from hpcq.passes import Fuse1Q, PassManager
from hpcq.passes._euler import u3_angles

ONE_QUBIT = ["h", "x", "y", "z", "s", "sdg", "t", "tdg", "sx", "rx", "ry", "rz", "u1", "u2", "u3"]


def _random_unitary(rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2)))
    return q * (np.diag(r) / abs(np.diag(r)))


def test_u3_angles_reproduce_the_matrix() -> None:
    rng = np.random.default_rng(7)
    near = [1e-9, 1e-13, math.pi - 1e-9, math.pi, 0.0]
    matrices = [_random_unitary(rng) for _ in range(50)]
    matrices += [standard_gate("u3").matrix([t, 0.3, -1.2]) for t in near]
    matrices += [np.exp(0.7j) * standard_gate(n).matrix() for n in ("x", "y", "h", "s", "id")]
    for m in matrices:
        theta, phi, lam = u3_angles(m)
        u = standard_gate("u3").matrix([theta, phi, lam])
        assert equivalent(m, u, atol=1e-12)
        assert -math.pi < phi <= math.pi and -math.pi < lam <= math.pi


def test_random_circuits_keep_their_unitary() -> None:
    gates = [*ONE_QUBIT, "cx", "cz", "swap"]
    for seed in range(6):
        circuit = random_circuit(3, 60, seed, gates)
        out = Fuse1Q().run(circuit)
        assert equivalent(circuit, out)
        assert len(out) <= len(circuit)


def test_run_becomes_one_u3_and_identities_drop() -> None:
    circuit = Circuit(2).h(0).t(0).rx(0.3, 0).cx(0, 1).h(1).h(1).s(0).sdg(0).rz(0.0, 1)
    out = PassManager(Fuse1Q()).run(circuit)
    assert out.count_ops() == {"cx": 1, "u3": 1}
    assert out[0].name == "u3" and out[1].name == "cx"
    assert equivalent(circuit, out)


def test_single_gate_is_kept_as_written() -> None:
    circuit = Circuit(2).h(0).cx(0, 1).t(1)
    assert Fuse1Q().run(circuit) == circuit
    assert Fuse1Q().run(Circuit(1).id(0)) == Circuit(1)


def test_boundaries_stay_in_place() -> None:
    theta = Parameter("theta")
    condition = Condition((0,), 1)
    circuit = (
        Circuit(2, 1)
        .h(0)
        .s(0)
        .measure(0, 0)
        .h(0)
        .t(0)
        .x(0, condition=condition)
        .h(0)
        .t(0)
        .rz(theta, 0)
        .h(0)
        .t(0)
        .barrier(0, 1)
        .h(0)
        .t(0)
        .reset(0)
    )
    out = Fuse1Q().run(circuit)
    assert [op.name for op in out] == [
        "u3",
        "measure",
        "u3",
        "x",
        "u3",
        "rz",
        "u3",
        "barrier",
        "u3",
        "reset",
    ]
    assert out[3].condition == condition and out[5].params == (theta,)


def test_tolerance_and_input_untouched() -> None:
    circuit = Circuit(1).rz(1e-12, 0).rz(1e-12, 0)
    before = circuit.copy()
    assert len(Fuse1Q().run(circuit)) == 0
    assert len(Fuse1Q(atol=0.0).run(circuit)) == 1
    assert circuit == before
    with pytest.raises(ValueError, match="atol"):
        Fuse1Q(atol=-1.0)


def test_unitary_blocks_fuse() -> None:
    rng = np.random.default_rng(1)
    circuit = Circuit(1).unitary_gate(_random_unitary(rng), (0,)).h(0)
    out = Fuse1Q().run(circuit)
    assert out.count_ops() == {"u3": 1} and equivalent(circuit, out)
