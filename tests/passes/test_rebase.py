"""Rebase: exact translation to the u3, rz_sx and qir gate sets."""

from __future__ import annotations

import math

import numpy as np
import pytest
from passes_helpers import random_circuit

from hpcq.exceptions import PassManagerError
from hpcq.ir import (
    STANDARD_GATES,
    Circuit,
    CompositeGate,
    Condition,
    Operation,
    Parameter,
    equivalent,
    standard_gate,
)
from hpcq.passes import TARGETS, PassManager, Rebase

UNITARY = sorted(name for name, gate in STANDARD_GATES.items() if gate.is_unitary)
SPECIAL = [0.0, math.pi / 2, -math.pi / 2, math.pi, -math.pi, 2 * math.pi, math.pi / 4]


@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("name", UNITARY)
def test_every_standard_gate_translates_exactly(target: str, name: str) -> None:
    gate = STANDARD_GATES[name]
    rng = np.random.default_rng(sum(map(ord, name + target)))
    for trial in range(4):
        if trial < 2:
            params = rng.uniform(-4, 4, size=gate.num_params).tolist()
        else:
            params = [float(rng.choice(SPECIAL)) for _ in range(gate.num_params)]
        qubits = rng.permutation(gate.num_qubits + 1)[: gate.num_qubits].tolist()
        circuit = Circuit(gate.num_qubits + 1).append(name, qubits, params)
        out = Rebase(target).run(circuit)
        assert set(out.count_ops()) <= TARGETS[target], out.count_ops()
        assert equivalent(circuit, out), (name, params)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_random_circuits(target: str) -> None:
    for seed in range(3):
        circuit = random_circuit(4, 40, seed)
        out = PassManager(Rebase(target)).run(circuit)
        assert set(out.count_ops()) <= TARGETS[target]
        assert equivalent(circuit, out)


def test_gates_already_in_the_target_are_kept() -> None:
    circuit = Circuit(3).h(0).cz(0, 1).swap(1, 2).ccx(0, 1, 2).rx(0.3, 2).sdg(1)
    assert Rebase("qir").run(circuit) == circuit
    assert Rebase("rz_sx").run(Circuit(2).rz(0.1, 0).sx(1).x(0).cx(0, 1)).count_ops() == {
        "cx": 1,
        "rz": 1,
        "sx": 1,
        "x": 1,
    }


def test_qir_lowering_of_common_gates() -> None:
    out = Rebase("qir").run(Circuit(2).u1(0.25, 0).sx(1).u3(0.1, 0.2, 0.3, 0).cp(0.5, 0, 1))
    assert out.count_ops() == {"rz": 6, "cx": 2, "rx": 1, "ry": 1}


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_symbolic_parameters_pass_through(target: str) -> None:
    theta, phi = Parameter("theta"), Parameter("phi")
    circuit = (
        Circuit(2)
        .rz(theta, 0)
        .rx(theta, 1)
        .ry(phi, 0)
        .p(2 * theta, 1)
        .u3(theta, phi, 0.3, 0)
        .crz(phi, 0, 1)
        .rzz(theta, 0, 1)
        .cu3(theta, 0.2, phi, 1, 0)
    )
    out = Rebase(target).run(circuit)
    assert set(out.count_ops()) <= TARGETS[target]
    assert out.parameters == {"theta", "phi"}
    values = {"theta": 0.7, "phi": -1.9}
    assert equivalent(circuit.bind(values), out.bind(values))


def test_symbolic_rz_stays_and_symbolic_u3_becomes_rz_ry() -> None:
    theta = Parameter("theta")
    assert Rebase("rz_sx").run(Circuit(1).rz(theta, 0)).operations == [
        Operation(standard_gate("rz"), (0,), (theta,))
    ]
    assert Rebase("qir").run(Circuit(1).rz(theta, 0)) == Circuit(1).rz(theta, 0)
    out = Rebase("qir").run(Circuit(1).u3(theta, theta, theta, 0))
    assert [op.name for op in out] == ["rz", "ry", "rz"]


def test_composite_and_one_qubit_unitary_translate() -> None:
    body = [
        Operation(standard_gate("h"), (0,)),
        Operation(standard_gate("crz"), (0, 1), (Parameter("a"),)),
    ]
    gate = CompositeGate("mine", 2, ["a"], body)
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2)))
    circuit = Circuit(3).append(gate, (2, 0), (0.4,)).unitary_gate(q, (1,))
    for target in TARGETS:
        out = Rebase(target).run(circuit)
        assert set(out.count_ops()) <= TARGETS[target]
        assert equivalent(circuit, out)


def test_multi_qubit_unitary_names_synthesize() -> None:
    circuit = Circuit(2).unitary_gate(np.eye(4), (0, 1))
    with pytest.raises(PassManagerError, match="Synthesize") as info:
        PassManager(Rebase("u3")).run(circuit)
    assert "Rebase(u3)" in str(info.value)


def test_directives_and_conditions() -> None:
    condition = Condition((0,), 1)
    circuit = Circuit(2, 1).h(0).measure(0, 0).barrier().cz(0, 1, condition=condition).reset(1)
    out = Rebase("u3").run(circuit)
    assert [op.name for op in out] == ["u3", "measure", "barrier", "u3", "cx", "u3", "reset"]
    assert [op.condition for op in out][3:6] == [condition] * 3


def test_input_is_not_modified_and_unknown_target() -> None:
    circuit = Circuit(2).ch(0, 1)
    before = circuit.copy()
    Rebase("rz_sx").run(circuit)
    assert circuit == before
    with pytest.raises(ValueError, match="unknown rebase target 'cliffordt'"):
        Rebase("cliffordt")
