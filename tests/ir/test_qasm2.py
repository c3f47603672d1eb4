"""OpenQASM 2: every shared circuit parses and round-trips; unitaries match Qiskit's."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from testsupport import shared_circuits

from hpcq import Circuit, Condition, Parameter, QasmError, UnitaryGate
from hpcq.ir import STANDARD_GATES, CompositeGate, qasm2

HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'
SHARED = shared_circuits()


def qiskit_load(text: str):  # type: ignore[no-untyped-def]
    """Qiskit's reader with its legacy qelib1.inc (csx, cu, rxx, rzz, c3x... built in)."""
    qasm2_qiskit = pytest.importorskip("qiskit.qasm2")
    return qasm2_qiskit.loads(
        text,
        include_path=qasm2_qiskit.LEGACY_INCLUDE_PATH,
        custom_instructions=qasm2_qiskit.LEGACY_CUSTOM_INSTRUCTIONS,
        custom_classical=qasm2_qiskit.LEGACY_CUSTOM_CLASSICAL,
    )


def qiskit_unitary(text: str) -> np.ndarray:
    from qiskit.quantum_info import Operator

    qc = qiskit_load(text).remove_final_measurements(inplace=False)
    return np.asarray(Operator(qc).data)


@pytest.mark.parametrize("path", SHARED, ids=[p.stem for p in SHARED])
def test_shared_circuit_parses_and_round_trips(path: Path) -> None:
    circuit = Circuit.from_file(path)
    assert circuit.num_qubits > 0 and len(circuit) > 0
    text = circuit.to_qasm()
    assert Circuit.from_qasm(text) == circuit
    # The writer's output is also valid for Qiskit, with the same operation count.
    if circuit.num_qubits <= 20:
        assert qiskit_load(text).size() == len(circuit)


def test_shared_circuit_counts_match_qiskit(shared_dir: Path) -> None:
    for path in sorted(shared_dir.glob("*.qasm")):
        ours = Circuit.from_file(path)
        theirs = qiskit_load(path.read_text())
        assert ours.num_qubits == theirs.num_qubits, path.name
        assert ours.count_ops() == dict(theirs.count_ops()), path.name


@pytest.mark.parametrize(
    "path",
    [p for p in SHARED if Circuit.from_file(p).num_qubits <= 10],
    ids=lambda p: p.stem,
)
def test_small_shared_unitaries_equal_qiskit(path: Path) -> None:
    circuit = Circuit.from_file(path).without_measurements()
    assert np.allclose(circuit.unitary(), qiskit_unitary(path.read_text()), atol=1e-10)


@pytest.mark.parametrize("name", sorted(n for n, g in STANDARD_GATES.items() if g.is_unitary))
def test_every_standard_gate_matches_qiskit(name: str) -> None:
    gate = STANDARD_GATES[name]
    # Qiskit's legacy reader treats u0 as a delay with an integer length.
    params = [1.0] if name == "u0" else [0.3 + 0.4 * i for i in range(gate.num_params)]
    width = gate.num_qubits + 1
    # Arguments in a scrambled order, so that the bit order convention is checked too.
    qubits = list(range(width - 1, 0, -1))
    circuit = Circuit(width).h(0).append(name, qubits, params).cx(0, width - 1)
    text = circuit.to_qasm()
    assert Circuit.from_qasm(text) == circuit
    assert np.allclose(circuit.unitary(), qiskit_unitary(text), atol=1e-10)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("rccx", "q[3], q[1], q[0]"),
        ("rc3x", "q[2], q[0], q[3], q[1]"),
        ("c3sqrtx", "q[1], q[3], q[0], q[2]"),
    ],
)
def test_qelib1_composites_match_qiskit(name: str, args: str) -> None:
    text = HEADER + f"qreg q[4];\nh q[1];\n{name} {args};\n"
    circuit = Circuit.from_qasm(text)
    assert isinstance(circuit[1].gate, CompositeGate)
    assert np.allclose(circuit.unitary(), qiskit_unitary(text), atol=1e-10)
    assert Circuit.from_qasm(circuit.to_qasm()) == circuit


def test_expressions_evaluate_like_python() -> None:
    text = HEADER + (
        "qreg q[1];\n"
        "u3(-pi/2 + 3*2^2, 1.5e-3 - .5, -(2^3^2)) q[0];\n"
        "rz(sin(pi/6) + cos(0) + tan(0.25) + exp(1) + ln(2) + sqrt(16)) q[0];\n"
        "rx(-2^2) q[0];\n"
        "ry(10 / 4 / 5 - 1 - 2) q[0];\n"
    )
    ops = Circuit.from_qasm(text).operations
    assert ops[0].params == (-math.pi / 2 + 12.0, 1.5e-3 - 0.5, -(2.0 ** (3.0**2)))
    expected = math.sin(math.pi / 6) + 1 + math.tan(0.25) + math.e + math.log(2) + 4
    assert ops[1].params[0] == pytest.approx(expected, rel=1e-15)
    assert ops[2].params == (-4.0,)
    assert ops[3].params == (10 / 4 / 5 - 1 - 2,)


def test_gate_definitions_nested_with_parameters() -> None:
    text = HEADER + (
        "gate inner(t) a { rz(t/2) a; sx a; }\n"
        "gate outer(alpha, beta) a, b {\n"
        "  inner(alpha + beta) b; cx a, b; inner(-alpha) a; barrier a, b;\n"
        "}\n"
        "qreg q[2];\n"
        "outer(0.3, pi/4) q[1], q[0];\n"
    )
    circuit = Circuit.from_qasm(text)
    outer = circuit[0].gate
    assert isinstance(outer, CompositeGate)
    assert outer.name == "outer" and outer.param_names == ("alpha", "beta")
    inner = outer.body[0].gate
    assert isinstance(inner, CompositeGate) and inner.name == "inner"
    alpha, beta = Parameter("alpha"), Parameter("beta")
    assert outer.body[0].params == (alpha + beta,)
    assert outer.body[2].params == (-alpha,)
    assert Circuit.from_qasm(circuit.to_qasm()) == circuit
    expanded = Circuit(2)
    expanded.rz((0.3 + math.pi / 4) / 2, 0).sx(0).cx(1, 0).rz(-0.3 / 2, 1).sx(1)
    assert np.allclose(circuit.unitary(), expanded.unitary())
    assert np.allclose(circuit.unitary(), qiskit_unitary(text), atol=1e-10)


def test_compatible_qelib1_definitions_keep_the_builtin() -> None:
    # A program that writes qelib1's gates out instead of including the file.
    text = (
        "OPENQASM 2.0;\n"
        "gate u3(theta,phi,lambda) q { U(theta,phi,lambda) q; }\n"
        "gate cx c,t { CX c,t; }\n"
        "gate h a { u3(pi/2,0,pi) a; }\n"
        "qreg q[2];\n"
        "h q[0]; cx q[0], q[1]; u3(1,2,3) q[1]; U(1,2,3) q[0]; CX q[1], q[0];\n"
    )
    circuit = Circuit.from_qasm(text)
    for op in circuit:
        assert op.gate is STANDARD_GATES[op.name]
    assert [op.name for op in circuit] == ["h", "cx", "u3", "u", "cx"]
    # Defining them again after the include is an error, as it is for Qiskit.
    with pytest.raises(QasmError, match=r"already defined by qelib1\.inc"):
        Circuit.from_qasm(HEADER + "gate h a { u2(0,pi) a; }\n")


def test_broadcasting_measure_reset_barrier_and_conditions() -> None:
    text = HEADER + (
        "qreg a[2]; qreg b[2]; creg c[2]; creg d[1];\n"
        "h a;\n"
        "cx a, b;\n"
        "cx a[0], b;\n"
        "barrier a, b[1];\n"
        "measure a -> c;\n"
        "measure b[1] -> d[0];\n"
        "reset b;\n"
        "if (c == 3) x b;\n"
        "if (d == 1) measure a[0] -> c[1];\n"
    )
    circuit = Circuit.from_qasm(text)
    assert circuit.num_qubits == 4 and circuit.num_clbits == 3
    assert [r.name for r in circuit.qregs] == ["a", "b"]
    ops = circuit.operations
    assert [(op.name, op.qubits) for op in ops[:7]] == [
        ("h", (0,)),
        ("h", (1,)),
        ("cx", (0, 2)),
        ("cx", (1, 3)),
        ("cx", (0, 2)),
        ("cx", (0, 3)),
        ("barrier", (0, 1, 3)),
    ]
    assert [(op.qubits, op.clbits) for op in ops[7:10]] == [
        ((0,), (0,)),
        ((1,), (1,)),
        ((3,), (2,)),
    ]
    assert [op.qubits for op in ops[10:12]] == [(2,), (3,)]
    assert ops[12].condition == Condition((0, 1), 3) and ops[13].condition == Condition((0, 1), 3)
    assert ops[14].name == "measure" and ops[14].condition == Condition((2,), 1)
    assert Circuit.from_qasm(circuit.to_qasm()) == circuit


def test_comments_whitespace_and_missing_header() -> None:
    text = (
        "// a comment before anything\n"
        'include "qelib1.inc"; // trailing\n'
        "qreg q [ 2 ] ;\n"
        "cx\tq [0] ,\n q[ 1 ]\n;\n"
        "rz ( pi ) q[1]; // done\n"
    )
    circuit = Circuit.from_qasm(text)
    assert [op.name for op in circuit] == ["cx", "rz"]
    assert circuit[1].params == (math.pi,)


def test_includes_are_read_relative_to_the_including_file(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "mygates.inc").write_text(
        'include "more.inc";\ngate twice a { mine a; mine a; }\n'
    )
    (tmp_path / "lib" / "more.inc").write_text("gate mine a { x a; }\n")
    main = tmp_path / "main.qasm"
    main.write_text(HEADER + 'include "lib/mygates.inc";\nqreg q[1];\ntwice q[0];\n')
    circuit = Circuit.from_file(main)
    assert circuit[0].name == "twice"
    assert np.allclose(circuit.unitary(), np.eye(2))


def test_opaque_declaration_parses_and_can_be_declared_unused() -> None:
    circuit = Circuit.from_qasm(HEADER + "opaque magic(a) x, y;\nqreg q[2];\nh q[0];\n")
    assert len(circuit) == 1


def test_round_trip_of_constructed_circuits() -> None:
    theta = Parameter("theta")
    sub = CompositeGate("sub", 2, ["theta"], Circuit(2).ry(theta * 2, 0).cz(0, 1).operations)
    body = Circuit(3).append(sub, [2, 0], [theta + 1]).ccx(0, 1, 2).ccz(0, 1, 2).operations
    top = CompositeGate("top", 3, ["theta"], body)
    circuit = Circuit.with_registers([("data", 3), ("anc", 2)], [("m", 2), ("flag", 1)])
    circuit.append(top, [4, 0, 2], [0.125]).append(sub, [1, 3], [1e-17])
    circuit.append("x", [1], condition=Condition((2,), 1))
    circuit.append("rzz", [0, 4], [-2.5e300], condition=Condition((0, 1), 2))
    circuit.measure(0, 1).measure(4, 2).reset(3).barrier()
    text = circuit.to_qasm()
    assert text.index("gate sub") < text.index("gate top") < text.index("qreg")
    back = Circuit.from_qasm(text)
    assert back == circuit
    assert [r.name for r in back.qregs] == ["data", "anc"]
    assert [r.name for r in back.cregs] == ["m", "flag"]


def test_float_angles_round_trip_exactly() -> None:
    rng = np.random.default_rng(3)
    circuit = Circuit(2)
    for value in [*rng.normal(size=50) * 10.0 ** rng.integers(-20, 20, 50), math.pi, -0.0]:
        circuit.rz(float(value), 0)
    assert Circuit.from_qasm(circuit.to_qasm()) == circuit


def test_clashing_composite_names_are_renamed() -> None:
    a = CompositeGate("h", 1, [], Circuit(1).x(0).operations)
    b = CompositeGate("blk", 1, [], Circuit(1).y(0).operations)
    c = CompositeGate("blk", 1, [], Circuit(1).z(0).operations)
    circuit = Circuit(1).append(a, [0]).append(b, [0]).append(c, [0])
    back = Circuit.from_qasm(circuit.to_qasm())
    assert [op.name for op in back] == ["h_1", "blk", "blk_1"]
    assert np.allclose(back.unitary(), circuit.unitary())


def test_what_openqasm2_cannot_express_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="UnitaryGate"):
        Circuit(1).append(UnitaryGate(np.eye(2)), [0]).to_qasm()
    with pytest.raises(ValueError, match="unbound parameter"):
        Circuit(1).rx(Parameter("t"), 0).to_qasm()
    with pytest.raises(ValueError, match="whole classical register"):
        Circuit(1, 2).append("x", [0], condition=Condition((1,), 1)).to_qasm()
    with pytest.raises(ValueError, match="not finite"):
        Circuit(1).rx(math.inf, 0).to_qasm()


def test_dump_and_load_files(tmp_path: Path) -> None:
    circuit = Circuit(3, 3).h(0).cx(0, 1).ccx(0, 1, 2).measure_all()
    path = tmp_path / "out.qasm"
    qasm2.dump(circuit, path)
    assert qasm2.load(path) == circuit
    assert qasm2.load(str(path)) == circuit


def test_load_of_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        qasm2.load(tmp_path / "absent.qasm")


def test_shor26_parses(shared_dir: Path) -> None:
    circuit = Circuit.from_file(shared_dir / "shor26.qasm")
    assert circuit.num_qubits == 26
    assert len(circuit) == 41968
    assert circuit.count_ops()["cx"] == 21072


def test_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.qasm"
    path.write_text(HEADER + "qreg q[2];\ncx q[0], r[1];\n")
    with pytest.raises(QasmError) as info:
        Circuit.from_file(path)
    assert info.value.file == str(path)
    assert (info.value.line, info.value.column) == (4, 10)
    assert str(info.value) == f"{path}:4:10: undefined register 'r'"
