"""Reading and writing OpenQASM 3: Qiskit's exported files, each construct, round trips."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from hpcq import Circuit, Parameter
from hpcq.ir import STANDARD_GATES, CompositeGate, Condition, Operation, qasm3
from hpcq.ir.gates import StandardGate

H = 'OPENQASM 3.0;\ninclude "stdgates.inc";\n'
SHARED = Path(__file__).resolve().parents[3] / "shared" / "circuits"
SMALL = ["qft5", "tfim", "grover5", "adder9"]
ALL_SHARED = sorted(p.stem for p in SHARED.glob("*.qasm"))

qiskit = pytest.importorskip("qiskit")


def _exported(name: str) -> tuple[object, str]:
    """The shared circuit read by Qiskit from OpenQASM 2 and its ``qasm3.dumps`` text."""
    import qiskit.qasm2
    import qiskit.qasm3

    original = qiskit.qasm2.load(
        str(SHARED / f"{name}.qasm"), custom_instructions=qiskit.qasm2.LEGACY_CUSTOM_INSTRUCTIONS
    )
    return original, qiskit.qasm3.dumps(original)


def _operator(circuit: object) -> object:
    from qiskit.quantum_info import Operator

    return Operator(circuit)


# --- files from Qiskit's exporter --------------------------------------------------------


@pytest.mark.parametrize("name", SMALL)
def test_qiskit_export_of_a_small_shared_circuit_has_the_original_unitary(name: str) -> None:
    from qiskit.quantum_info import Operator

    original, text = _exported(name)
    circuit = Circuit.from_qasm(text)
    assert Operator(circuit.unitary()).equiv(Operator(original))


@pytest.mark.parametrize("name", ALL_SHARED)
def test_qiskit_export_of_every_shared_circuit_reads_gate_for_gate(name: str) -> None:
    from hpcq.ir.interop import from_qiskit

    original, text = _exported(name)
    reference = from_qiskit(original)  # type: ignore[arg-type]
    circuit = qasm3.loads(text)
    assert circuit.num_qubits == reference.num_qubits
    assert len(circuit) == len(reference)
    for ours, theirs in zip(circuit, reference, strict=True):
        assert (ours.name, ours.qubits) == (theirs.name, theirs.qubits)
        for a, b in zip(ours.params, theirs.params, strict=True):
            # Qiskit's exporter rounds angles to multiples of pi/2**k and tiny ones to 0.
            assert math.isclose(float(a), float(b), abs_tol=1e-8)
    assert qasm3.loads(circuit.to_qasm(version=3)) == circuit


def test_qiskit_export_with_definitions_measures_and_conditions_reads_like_qiskit() -> None:
    import qiskit.qasm3
    from qiskit.circuit import Parameter as QiskitParameter
    from qiskit.circuit.library import CCZGate, CSXGate, CU3Gate, RYYGate, RZZGate, SXdgGate

    qc = qiskit.QuantumCircuit(3, 2)
    qc.append(RZZGate(0.4), [0, 1])
    qc.append(RYYGate(0.3), [1, 2])
    qc.append(SXdgGate(), [0])
    qc.append(CCZGate(), [0, 1, 2])
    qc.append(CSXGate(), [2, 0])
    qc.append(CU3Gate(0.1, 0.2, 0.3), [0, 1])
    qc.cu(0.1, 0.2, 0.3, 0.4, 1, 2)
    qc.u(0.5, 0.6, 0.7, 2)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.x(1)
    with qc.if_test((qc.cregs[0], 2)):
        qc.h(2)
    qc.rx(2 * QiskitParameter("theta"), 0)
    qc.reset(1)
    qc.barrier()
    circuit = qasm3.loads(qiskit.qasm3.dumps(qc))
    # The definitions Qiskit writes for rzz, ryy, sxdg, ccz, csx and cu3 are those gates.
    for name in ("rzz", "ryy", "sxdg", "ccz", "csx", "cu3"):
        assert any(op.gate is STANDARD_GATES[name] for op in circuit), name
    assert [op.condition for op in circuit if op.condition] == [
        Condition((0,), 1),
        Condition((0, 1), 2),
    ]
    assert circuit.parameters == {"theta"}
    assert circuit.count_ops()["measure"] == 1
    assert [op.name for op in circuit][-3:] == ["rx", "reset", "barrier"]


# --- each construct, against Qiskit's reader -------------------------------------------

CONSTRUCTS = {
    "ctrl-negctrl": "qubit[3] q; ctrl @ x q[0], q[1]; negctrl @ x q[0], q[1]; "
    "ctrl(2) @ x q[0], q[1], q[2];",
    "ctrl-chain-inv-pow": "qubit[3] q; ctrl @ ctrl @ z q[0], q[1], q[2]; inv @ s q[0]; "
    "pow(2) @ t q[1]; pow(0.5) @ x q[0]; pow(0.5) @ rz(0.3) q[0];",
    "ctrl-gphase-and-U": "qubit[2] q; ctrl @ gphase(0.5) q[0]; U(0.1, 0.2, 0.3) q[1]; "
    "ctrl @ U(0.1, 0.2, 0.3) q[0], q[1];",
    "two-controls": "qubit[3] q; ctrl(2) @ rz(0.4) q[0], q[1], q[2]; "
    "ctrl @ ctrl @ gphase(0.7) q[0], q[1]; negctrl @ ctrl @ ry(0.3) q[2], q[0], q[1];",
    "controlled-fixed-gates": "qubit[3] q; ctrl @ s q[0], q[1]; ctrl @ sdg q[1], q[2]; "
    "ctrl @ t q[0], q[2]; ctrl @ tdg q[0], q[1]; ctrl @ sx q[0], q[1]; "
    "ctrl @ u2(0.1, 0.2) q[1], q[0]; ctrl @ h q[2], q[1]; ctrl @ y q[0], q[2]; "
    "ctrl @ swap q[0], q[1], q[2];",
    "controlled-two-qubit-gates": "qubit[4] q; ctrl @ cp(0.3) q[0], q[1], q[2]; "
    "ctrl @ crx(0.2) q[3], q[1], q[2]; ctrl @ cry(0.2) q[0], q[1], q[2]; "
    "ctrl @ cu(0.1, 0.2, 0.3, 0.4) q[0], q[1], q[2]; ctrl(3) @ x q[0], q[1], q[2], q[3]; "
    "ctrl @ cswap q[3], q[0], q[1], q[2];",
    "inverses": "qubit[2] q; inv @ u3(0.1, 0.2, 0.3) q[0]; inv @ u2(0.1, 0.2) q[1]; "
    "inv @ cu(0.1, 0.2, 0.3, 0.4) q[0], q[1]; inv @ sx q[0]; pow(-2) @ rx(0.3) q[1]; "
    "inv @ pow(2) @ h q[0];",
    "powers": "qubit[2] q; pow(0.5) @ z q[0]; pow(0.25) @ z q[1]; pow(0.5) @ cx q[0], q[1]; "
    "pow(0.7) @ rx(7.0) q[0]; pow(0.5) @ p(0.4) q[1];",
    "controlled-user-gate": "gate h2 a, b { h a; h b; } qubit[3] q; ctrl @ h2 q[0], q[1], q[2]; "
    "negctrl(2) @ x q[0], q[1], q[2]; ctrl @ inv @ h2 q[2], q[0], q[1];",
    "legacy-names": "qubit[2] q; cphase(0.2) q[0], q[1]; CX q[0], q[1]; phase(0.3) q[1]; "
    "crz(0.5) q[1], q[0]; cu(0.1, 0.2, 0.3, 0.4) q[1], q[0]; id q[0]; u1(0.4) q[1];",
}


@pytest.mark.parametrize("body", CONSTRUCTS.values(), ids=list(CONSTRUCTS))
def test_each_modifier_construct_has_the_unitary_qiskit_reads(body: str) -> None:
    import qiskit.qasm3

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = qiskit.qasm3.loads(H + body)
    circuit = qasm3.loads(H + body)
    # Exactly, phase included: no statement here has a global phase to drop.
    assert np.allclose(circuit.unitary(), np.asarray(_operator(reference).data), atol=1e-9)  # type: ignore[attr-defined]


def test_controlled_user_gate_with_a_phase_turns_the_phase_into_a_phase_gate() -> None:
    text = H + "gate g(t) a { gphase(t); x a; } qubit[2] q; ctrl @ g(0.3) q[0], q[1];"
    # ctrl @ (exp(i t) X): the control's |1> half picks up the phase.
    expected = np.zeros((4, 4), dtype=complex)
    expected[0, 0] = expected[2, 2] = 1
    expected[1, 3] = expected[3, 1] = np.exp(0.3j)
    assert np.allclose(qasm3.loads(text).unitary(), expected)


def test_a_global_gphase_is_dropped_and_a_controlled_one_is_a_phase_gate() -> None:
    circuit = qasm3.loads(H + "qubit[2] q; gphase(0.4); ctrl @ gphase(0.5) q[1];")
    assert [(op.name, op.qubits, op.params) for op in circuit] == [("p", (1,), (0.5,))]
    two = qasm3.loads(H + "qubit[2] q; ctrl(2) @ gphase(0.5) q[0], q[1];")
    assert np.allclose(two.unitary(), np.diag([1, 1, 1, np.exp(0.5j)]))


def test_fractional_powers_are_principal_powers() -> None:
    circuit = qasm3.loads(H + "qubit q; pow(1/3) @ h q;")
    root = circuit.unitary()
    assert np.allclose(np.linalg.matrix_power(root, 3), STANDARD_GATES["h"].matrix())
    # The principal cube root of H's eigenvalue -1 is exp(i pi/3).
    assert np.allclose(sorted(np.angle(np.linalg.eigvals(root))), [0, math.pi / 3])
    named = qasm3.loads(H + "qubit q; pow(1/2) @ x q; pow(-1/2) @ x q; pow(1/2) @ s q;")
    assert [op.name for op in named] == ["sx", "sxdg", "t"]


def test_symbolic_parameters_through_modifiers() -> None:
    circuit = qasm3.loads(
        H + "input float[64] theta; qubit[3] q; ctrl(2) @ rz(theta) q[0], q[1], q[2]; "
        "pow(2) @ rx(theta) q[0]; pow(0.5) @ ry(theta) q[1];\n"
        "ctrl @ ctrl @ gphase(theta) q[0], q[1];"
    )
    assert circuit.parameters == {"theta"}
    bound = circuit.bind({"theta": 0.8})
    reference = qasm3.loads(
        H + "qubit[3] q; ctrl(2) @ rz(0.8) q[0], q[1], q[2]; pow(2) @ rx(0.8) q[0]; "
        "pow(0.5) @ ry(0.8) q[1]; ctrl @ ctrl @ gphase(0.8) q[0], q[1];"
    )
    assert np.allclose(bound.unitary(), reference.unitary())


# --- declarations, measurement, conditions, expressions -----------------------------------


def test_declarations_old_and_new_and_aliases() -> None:
    circuit = qasm3.loads(
        H + "qubit[2] a; qreg b[3]; qubit c; bit[2] m; creg n[1]; bit k;\n"
        "h a; x b[1:2]; y b[{0, 2}]; z c; let both = a ++ b[0]; s both; t b[-1]; sx b[0:2:2];"
    )
    assert [(r.name, r.size) for r in circuit.qregs] == [("a", 2), ("b", 3), ("c", 1)]
    assert [(r.name, r.size) for r in circuit.cregs] == [("m", 2), ("n", 1), ("k", 1)]
    assert [(op.name, op.qubits) for op in circuit] == [
        ("h", (0,)), ("h", (1,)), ("x", (3,)), ("x", (4,)), ("y", (2,)), ("y", (4,)),
        ("z", (5,)), ("s", (0,)), ("s", (1,)), ("s", (2,)), ("t", (4,)), ("sx", (2,)),
        ("sx", (4,)),
    ]  # fmt: skip


def test_measure_both_forms_reset_and_barrier() -> None:
    circuit = qasm3.loads(
        H + "qubit[2] q; bit[2] c; c = measure q; measure q[0] -> c[1]; c[0] = measure q[1];\n"
        "bit b = measure q[0]; reset q; barrier; barrier q[1];"
    )
    assert [(op.name, op.qubits, op.clbits) for op in circuit] == [
        ("measure", (0,), (0,)), ("measure", (1,), (1,)), ("measure", (0,), (1,)),
        ("measure", (1,), (0,)), ("measure", (0,), (2,)), ("reset", (0,), ()),
        ("reset", (1,), ()), ("barrier", (0, 1), ()), ("barrier", (1,), ()),
    ]  # fmt: skip


def test_if_on_bits_and_registers_maps_to_conditions() -> None:
    circuit = qasm3.loads(
        H + "qubit[2] q; bit[2] c; bit b;\n"
        "if (c[0]) x q[0];\nif (!c[1]) { x q[1]; h q[0]; }\nif (c == 2) x q;\n"
        "if (b == 0) h q[0]; else h q[1];\nif (c[1] != 1) c[0] = measure q[0];\n"
        "if (c == 0b11) reset q[1];"
    )
    got = [(op.name, op.qubits, op.condition) for op in circuit]
    assert got == [
        ("x", (0,), Condition((0,), 1)),
        ("x", (1,), Condition((1,), 0)),
        ("h", (0,), Condition((1,), 0)),
        ("x", (0,), Condition((0, 1), 2)),
        ("x", (1,), Condition((0, 1), 2)),
        ("h", (0,), Condition((2,), 0)),
        ("h", (1,), Condition((2,), 1)),
        ("measure", (0,), Condition((1,), 0)),
        ("reset", (1,), Condition((0, 1), 3)),
    ]


def test_inputs_are_parameters_and_constants_fold() -> None:
    circuit = qasm3.loads(
        H + "input float[64] theta;\ninput angle phi;\nconst float half = π / 2;\n"
        "const int n = 2;\nfloat[64] twice = half * n;\nqubit[n] q;\n"
        "rx(theta) q[0]; ry(2 * theta + half) q[1]; rz(sin(phi) ** 2) q[0]; p(twice) q[n - 1];"
    )
    theta = Parameter("theta")
    params = [op.params[0] for op in circuit]
    assert params[0] == theta
    assert params[1] == 2.0 * theta + math.pi / 2
    assert float(params[2].bind({"phi": 0.3})) == pytest.approx(math.sin(0.3) ** 2)  # type: ignore[union-attr]
    assert params[3] == math.pi
    assert circuit.parameters == {"theta", "phi"}


def test_expressions_constants_and_functions() -> None:
    cases = {
        "pi": math.pi, "π / 4": math.pi / 4, "tau": math.tau, "τ": math.tau,
        "euler": math.e, "ℇ": math.e, "-2 ** 2": -4.0, "2 ** -1": 0.5, "7 % 3": 1.0,
        "1 / 2": 0.5, "sqrt(2)": math.sqrt(2), "log(euler)": 1.0, "arccos(0)": math.pi / 2,
        "arctan(1)": math.pi / 4, "arcsin(1)": math.pi / 2, "exp(0)": 1.0, "tan(0)": 0.0,
        "floor(2.7)": 2.0, "ceiling(2.1)": 3.0, "mod(7, 4)": 3.0, "pow(2, 3)": 8.0,
        "0x10 + 0o7 + 0b11 + 1_000": 1026.0, "1.5e2": 150.0, "(1 + 2) * 3": 9.0,
        "2 > 1": 1.0, "true && false": 0.0,
    }  # fmt: skip
    for text, value in cases.items():
        circuit = qasm3.loads(H + f"qubit q; rx({text}) q;")
        assert float(circuit[0].params[0]) == pytest.approx(value), text


def test_gate_definitions_nest_and_take_parameters() -> None:
    circuit = qasm3.loads(
        H + "gate rot(a, b) q { rz(a) q; ry(b / 2) q; }\n"
        "gate pair(t) x, y { rot(t, -t) x; cx x, y; inv @ rot(t, t) y; }\n"
        "qubit[2] q; pair(0.4) q[0], q[1]; pair(0.1) q[1], q[0];"
    )
    gate = circuit[0].gate
    assert isinstance(gate, CompositeGate) and gate.name == "pair"
    expected = Circuit(2)
    for t, (a, b) in ((0.4, (0, 1)), (0.1, (1, 0))):
        expected.rz(t, a).ry(-t / 2, a).cx(a, b).ry(-t / 2, b).rz(-t, b)
    assert np.allclose(circuit.unitary(), expected.unitary())


def test_a_definition_equal_to_a_standard_gate_becomes_it_and_others_stay_user_gates() -> None:
    circuit = qasm3.loads(
        H + "gate rzz(t) a, b { cx a, b; rz(t) b; cx a, b; }\n"
        "gate ccz a, b, c { h c; ccx a, b, c; h a; }\n"
        "qubit[3] q; rzz(0.2) q[0], q[1]; ccz q[0], q[1], q[2];"
    )
    assert circuit[0].gate is STANDARD_GATES["rzz"]
    assert isinstance(circuit[1].gate, CompositeGate)


def test_version_line_chooses_the_reader(tmp_path: Path) -> None:
    text3 = "// a header comment\n/* and a block */ OPENQASM 3;\nqubit[1] q;\nU(0, 0, 0) q[0];\n"
    assert Circuit.from_qasm(text3).count_ops() == {"u": 1}
    path = tmp_path / "three.qasm"
    path.write_text(text3)
    assert Circuit.from_file(path).count_ops() == {"u": 1}
    text2 = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\nx q[0];\n'
    assert Circuit.from_qasm(text2).count_ops() == {"x": 1}


def test_includes_other_than_stdgates_are_read_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "lib.inc").write_text("gate flip a { x a; }\n")
    main = tmp_path / "main.qasm"
    main.write_text(H + 'include "lib.inc";\nqubit q;\nflip q;\n')
    assert qasm3.load(main).count_ops() == {"flip": 1}


# --- writing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", sorted(n for n, g in STANDARD_GATES.items() if isinstance(g, StandardGate))
)
def test_every_standard_gate_round_trips_and_qiskit_reads_the_same_unitary(name: str) -> None:
    import qiskit.qasm3

    gate = STANDARD_GATES[name]
    params = [0.3 + 0.2 * k for k in range(gate.num_params)]
    circuit = Circuit(gate.num_qubits).append(gate, range(gate.num_qubits), params)
    text = circuit.to_qasm(version=3)
    back = Circuit.from_qasm(text)
    assert back == circuit
    assert back[0].gate is gate
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = qiskit.qasm3.loads(text)
    assert _operator(theirs).equiv(_operator(circuit.unitary()))  # type: ignore[attr-defined]


def test_round_trip_of_a_circuit_with_everything() -> None:
    theta = Parameter("theta")
    inner = CompositeGate(
        "mix", 2, ["a"], [Operation(STANDARD_GATES["rx"], (0,), (Parameter("a") * 2,)),
                          Operation(STANDARD_GATES["cx"], (0, 1))],
    )  # fmt: skip
    outer = CompositeGate("outer", 2, [], [Operation(inner, (1, 0), (0.25,))])
    circuit = Circuit.with_registers([("q", 3), ("anc", 1)], [("c", 2), ("flag", 1)])
    circuit.h(0).cx(0, 3).rz(theta / 2 - 1.5, 1).ry(-theta, 2).u(theta**2, 0.1, 0.2, 1)
    circuit.rx(theta.apply("ln", theta), 0)  # type: ignore[arg-type]
    circuit.append(inner, (0, 2), (theta,)).append(outer, (2, 3))
    circuit.measure(0, 0).measure(3, 2).reset(1).barrier().barrier(0, 2)
    circuit.x(1, condition=Condition((0, 1), 3)).z(2, condition=Condition((2,), 0))
    circuit.h(0, condition=Condition((1,), 1))
    circuit.rzz(1e-17, 0, 1).ccz(0, 1, 2).sxdg(3).c3x(0, 1, 2, 3).rx(math.pi, 0)
    text = circuit.to_qasm(version=3)
    assert "input float[64] theta;" in text
    back = Circuit.from_qasm(text)
    assert back == circuit
    assert [(r.name, r.size) for r in back.qregs] == [("q", 3), ("anc", 1)]
    assert [(r.name, r.size) for r in back.cregs] == [("c", 2), ("flag", 1)]


def test_what_openqasm3_cannot_express_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="UnitaryGate"):
        Circuit(1).unitary_gate(np.eye(2), [0]).to_qasm(version=3)
    with pytest.raises(ValueError, match="neither one bit"):
        Circuit(1, 3).x(0, condition=Condition((0, 2), 1)).to_qasm(version=3)
    with pytest.raises(ValueError, match="version must be 2 or 3"):
        Circuit(1).to_qasm(version=4)


def test_dump_and_load_files(tmp_path: Path) -> None:
    circuit = Circuit(2, 2).h(0).cx(0, 1).measure(0, 0).measure(1, 1)
    path = tmp_path / "bell.qasm"
    qasm3.dump(circuit, path)
    assert Circuit.from_file(path) == circuit


def test_hpcq_stats_reads_an_openqasm3_file(tmp_path: Path) -> None:
    path = tmp_path / "bell3.qasm"
    path.write_text(H + "qubit[2] q;\nbit[2] c;\nh q[0];\nctrl @ x q[0], q[1];\nc = measure q;\n")
    result = subprocess.run(
        [sys.executable, "-m", "hpcq", "stats", "--json", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["ops"] == {"measure": 2, "cx": 1, "h": 1}


def test_hpcq_stats_reports_an_openqasm3_error_with_its_place(tmp_path: Path) -> None:
    path = tmp_path / "loop.qasm"
    path.write_text(H + "qubit[2] q;\nfor int i in [0:1] { h q[i]; }\n")
    result = subprocess.run(
        [sys.executable, "-m", "hpcq", "stats", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode != 0
    assert f"{path}:4:1:" in result.stderr
    assert "Traceback" not in result.stderr
