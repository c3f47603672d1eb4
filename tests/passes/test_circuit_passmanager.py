"""hpcq.PassManager: inputs it accepts, the analysis passes, Unroll, and the shared circuits."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import hpcq
from hpcq.ir import (
    Circuit,
    CompositeGate,
    Condition,
    Operation,
    equivalent,
    equivalent_on_states,
    standard_gate,
)
from hpcq.passes import CancelCX, CountOps, Depth, Fuse1Q, PassManager, Rebase, Unroll

BELL_QASM = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[0];\nh q[0];\ncx q[0],q[1];\n'

SHARED = Path(__file__).resolve().parents[3] / "shared" / "circuits"
SMALL = ["qft5", "tfim", "grover5", "adder9"]


def test_is_the_public_pass_manager() -> None:
    assert hpcq.PassManager is PassManager


def test_inputs_text_path_circuit(tmp_path: Path) -> None:
    file = tmp_path / "bell.qasm"
    file.write_text(BELL_QASM)
    pm = PassManager([Fuse1Q(), CountOps()])
    expected = Circuit(2).cx(0, 1)
    assert pm.run(BELL_QASM) == expected
    assert pm.run(file) == expected
    assert pm.run(str(file)) == expected
    circuit = Circuit.from_qasm(BELL_QASM)
    assert pm.run([circuit, BELL_QASM]) == [expected, expected]
    assert len(circuit) == 3  # the input is not modified


def test_qiskit_input() -> None:
    qiskit = pytest.importorskip("qiskit")
    qc = qiskit.QuantumCircuit(2)
    qc.h(0)
    qc.h(0)
    qc.cx(0, 1)
    assert PassManager(Fuse1Q()).run(qc) == Circuit(2).cx(0, 1)


def test_bad_inputs() -> None:
    with pytest.raises(TypeError, match="not int"):
        PassManager(Fuse1Q()).run(3)
    with pytest.raises(hpcq.PassManagerError, match="input 1: cannot convert the input"):
        PassManager(Fuse1Q()).run([Circuit(1), 3])
    with pytest.raises(hpcq.QasmError):
        PassManager(Fuse1Q()).run("OPENQASM 2.0;\nqreg q[1];\nfoo q[0];\n")


def test_analysis_passes() -> None:
    pm = PassManager([CountOps(), Depth()])
    out = pm.run(Circuit(2).h(0).cx(0, 1).h(0).barrier())
    assert pm.property_set["count_ops"] == {"h": 2, "barrier": 1, "cx": 1}
    assert pm.property_set["size"] == 4
    assert pm.property_set["depth"] == 3
    assert len(out) == 4


def test_transformation_invalidates_analysis() -> None:
    depth = Depth()
    pm = PassManager([depth, CancelCX(), depth])
    pm.run(Circuit(2).cx(0, 1).cx(0, 1))
    assert pm.property_set["depth"] == 0


def test_unroll_nested_composite_with_condition() -> None:
    inner = CompositeGate(
        "inner", 1, ["a"], [Operation(standard_gate("rz"), (0,), (hpcq.Parameter("a"),))]
    )
    outer = CompositeGate("outer", 2, ["b"], [
        Operation(standard_gate("cx"), (0, 1)),
        Operation(inner, (1,), (2 * hpcq.Parameter("b"),)),
    ])  # fmt: skip
    condition = Condition((0,), 1)
    circuit = Circuit(2, 1).append(outer, (1, 0), (0.25,), condition=condition)
    out = PassManager(Unroll()).run(circuit)
    assert [(op.name, op.qubits, op.condition) for op in out] == [
        ("cx", (1, 0), condition),
        ("rz", (0,), condition),
    ]
    assert out[1].params == (0.5,)
    plain = Circuit(2).append(outer, (1, 0), (0.25,))
    assert equivalent(plain, Unroll().run(plain))


def _shared(name: str) -> Circuit:
    path = SHARED / f"{name}.qasm"
    if not path.exists():
        pytest.skip(f"{path} not found")
    return Circuit.from_file(path).without_measurements()


def _same(a: Circuit, b: Circuit) -> bool:
    # Whole unitaries up to 7 qubits; wider, random input states (the numpy unitary
    # of a 12-qubit circuit takes minutes, a state vector milliseconds).
    if a.num_qubits <= 7:
        return equivalent(a, b)
    return equivalent_on_states(a, b, num_states=3)


@pytest.mark.parametrize("name", SMALL)
def test_shared_circuits_keep_their_unitary(name: str) -> None:
    circuit = _shared(name)
    out = PassManager([Fuse1Q(), CancelCX()]).run(circuit)
    assert len(out) <= len(circuit)
    assert _same(circuit, out)
    for target in ("u3", "qir"):
        assert _same(circuit, PassManager([Rebase(target), Fuse1Q(), CancelCX()]).run(circuit))


def test_shared_qaoa12_keeps_its_unitary() -> None:
    circuit = _shared("qaoa12")
    out = PassManager([Fuse1Q(), CancelCX()]).run(circuit)
    assert _same(circuit, out)
    out = PassManager([Rebase("rz_sx"), Fuse1Q(), CancelCX()]).run(circuit)
    assert _same(circuit, out)
    # A broken pass would be caught: drop one gate and compare.
    assert not _same(circuit, Circuit(12).extend(out.operations[1:]))


def test_grover5_gets_smaller() -> None:
    circuit = _shared("grover5")
    out = PassManager([Fuse1Q(), CancelCX()]).run(circuit)
    assert len(out) < len(circuit)


@pytest.mark.slow
def test_shor26_fuse_and_cancel_time() -> None:
    circuit = _shared("shor26")
    assert len(circuit) > 40000
    start = time.perf_counter()
    out = PassManager([Fuse1Q(), CancelCX()]).run(circuit)
    elapsed = time.perf_counter() - start
    # The target is under a second; the margin is for a shared, noisy CI machine.
    assert elapsed < 3.0, elapsed
    assert out.count_ops()["cx"] <= circuit.count_ops()["cx"]
