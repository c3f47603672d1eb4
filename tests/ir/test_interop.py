"""from_qiskit / to_qiskit: round trips and agreement with Qiskit's unitaries."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import hpcq
from hpcq import Circuit, Condition, Parameter
from hpcq.ir import STANDARD_GATES, CompositeGate, UnitaryGate, equivalent

qiskit = pytest.importorskip("qiskit")


def _operator(qc: object) -> np.ndarray:
    from qiskit.quantum_info import Operator

    return np.asarray(Operator(qc).data)


def test_every_standard_gate_round_trips_with_the_same_unitary() -> None:
    for name, gate in STANDARD_GATES.items():
        if not gate.is_unitary:
            continue
        params = [0.2 + 0.3 * i for i in range(gate.num_params)]
        circuit = Circuit(gate.num_qubits).append(name, range(gate.num_qubits), params)
        qc = hpcq.to_qiskit(circuit)
        assert np.allclose(_operator(qc), circuit.unitary()), name
        assert hpcq.from_qiskit(qc) == circuit, name


def test_registers_measure_reset_barrier_and_conditions_round_trip() -> None:
    circuit = Circuit.with_registers([("a", 2), ("b", 1)], [("c", 2), ("d", 1)])
    circuit.h(0).cx(0, 2).barrier(0, 1, 2).measure(0, 0).measure(2, 2).reset(1)
    circuit.append("x", [1], condition=Condition((0, 1), 2))
    circuit.append("rz", [2], [0.5], condition=Condition((2,), 1))
    qc = hpcq.to_qiskit(circuit)
    assert [r.name for r in qc.qregs] == ["a", "b"] and [r.name for r in qc.cregs] == ["c", "d"]
    assert hpcq.from_qiskit(qc) == circuit


def test_composite_and_unitary_gates_round_trip(shared_dir: Path) -> None:
    theta = Parameter("theta")
    sub = CompositeGate("sub", 2, ["theta"], Circuit(2).ry(theta / 2, 1).cx(1, 0).operations)
    circuit = (
        Circuit(3)
        .append(sub, [2, 0], [0.7])
        .unitary_gate(Circuit(2).h(0).cx(0, 1).unitary(), [1, 2])
    )
    qc = hpcq.to_qiskit(circuit)
    assert np.allclose(_operator(qc), circuit.unitary())
    back = hpcq.from_qiskit(qc)
    assert back == circuit
    assert isinstance(back[1].gate, UnitaryGate)
    text = (shared_dir / "qft5.qasm").read_text()
    qft = Circuit.from_qasm(text)
    assert hpcq.from_qiskit(hpcq.to_qiskit(qft)) == qft


def test_parameters_become_qiskit_parameters() -> None:
    theta, phi = Parameter("theta"), Parameter("phi")
    circuit = Circuit(2).rx(2 * theta + 0.5, 0).cx(0, 1).ry(-theta, 1).rz(phi, 0)
    qc = hpcq.to_qiskit(circuit)
    assert sorted(p.name for p in qc.parameters) == ["phi", "theta"]
    back = hpcq.from_qiskit(qc)
    assert back.parameters == {"theta", "phi"}
    values = {"theta": 0.3, "phi": -1.1}
    assert equivalent(back.bind(values), circuit.bind(values))


def test_from_qiskit_reads_qiskit_library_gates() -> None:
    from qiskit.circuit.library import QFTGate, RC3XGate, RCCXGate

    qc = qiskit.QuantumCircuit(4)
    qc.append(RCCXGate(), [0, 1, 2])
    qc.append(RC3XGate(), [3, 1, 0, 2])
    qc.append(QFTGate(3), [2, 0, 3])
    qc.mcx([0, 1, 2], 3)
    qc.global_phase = 0.4
    circuit = hpcq.from_qiskit(qc)
    assert [op.name for op in circuit][:2] == ["rccx", "rc3x"]
    assert equivalent(circuit.unitary(), _operator(qc))


def test_qiskit_qasm_reader_agrees_with_ours() -> None:
    from qiskit import qasm2

    text = (
        'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[3];\ncreg c[3];\n'
        "h q[0];\ncx q[0], q[1];\nu3(0.1, 0.2, 0.3) q[2];\nif (c == 5) x q[2];\n"
        "measure q -> c;\n"
    )
    assert hpcq.from_qiskit(qasm2.loads(text)) == Circuit.from_qasm(text)


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="QuantumCircuit"):
        hpcq.from_qiskit(Circuit(1))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"hpcq\.Circuit"):
        hpcq.to_qiskit(qiskit.QuantumCircuit(1))  # type: ignore[arg-type]
    circuit = Circuit(1, 3).append("x", [0], condition=Condition((0, 2), 1))
    with pytest.raises(ValueError, match="one whole register"):
        hpcq.to_qiskit(circuit)
    assert math.isclose(
        float(hpcq.from_qiskit(hpcq.to_qiskit(Circuit(1).rz(1.5, 0)))[0].params[0]), 1.5
    )
