"""The Synthesize pass."""

from __future__ import annotations

import numpy as np
import pytest

from hpcq.ir import Circuit, UnitaryGate, equivalent, hilbert_schmidt_cost
from hpcq.passes import PassManager
from hpcq.passes.synthesize import Synthesize


def _haar(dim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    z = (rng.normal(size=(dim, dim)) + 1j * rng.normal(size=(dim, dim))) / np.sqrt(2)
    q, r = np.linalg.qr(z)
    return q * (np.diag(r) / np.abs(np.diag(r)))


def test_unitary_gates_become_cx_and_u3() -> None:
    circuit = Circuit(3, 1).h(0)
    circuit.unitary_gate(_haar(4, 1), (2, 0))
    circuit.unitary_gate(Circuit(2).cx(0, 1).unitary(), (1, 2))
    circuit.cx(0, 1)
    original = circuit.copy()
    pass_ = Synthesize(seed=3)
    out = pass_.run(circuit)
    assert circuit == original  # the input is unchanged
    assert "unitary" not in out.count_ops()
    assert out.count_ops()["cx"] == 3 + 1 + 1
    assert hilbert_schmidt_cost(out.unitary(), circuit.unitary()) <= 1e-7
    assert len(pass_.property_set["synthesis_costs"]) == 2
    assert 0.0 <= pass_.property_set["synthesis_cost"] <= 2e-8


def test_in_a_pass_manager_and_reproducible() -> None:
    circuit = Circuit(2).append(UnitaryGate(_haar(4, 5)), (0, 1))
    a = PassManager([Synthesize(seed=1)]).run(circuit)
    b = PassManager([Synthesize(seed=1)]).run(circuit)
    assert a == b
    assert equivalent(a, circuit, atol=1e-3)


def test_circuit_without_unitary_gates_is_unchanged() -> None:
    circuit = Circuit(2).h(0).cx(0, 1)
    assert Synthesize().run(circuit) == circuit


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="method"):
        Synthesize(method="nope")
    with pytest.raises(ValueError, match="threshold"):
        Synthesize(threshold=2.0)
