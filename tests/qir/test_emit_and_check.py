"""Emission (golden files, profiles, parameters, QIR 1) and the profile validator."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import pyqir
import pytest

from hpcq import Circuit, Parameter, QirError
from hpcq.ir import Condition
from hpcq.qir import check, emit, emit_bitcode
from hpcq.qir.execute import run_output
from hpcq.qir.llvm import parse_bitcode
from hpcq.qir.reader import is_typed, to_opaque
from hpcq.qir.toolchain import read_module

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
BAD = HERE / "bad"


def bell() -> Circuit:
    return Circuit(2, 2).h(0).cx(0, 1).measure(0, 0).measure(1, 1)


def teleport() -> Circuit:
    return Circuit.from_file(HERE.parents[1] / "examples" / "teleport.qasm")


def parameterized() -> Circuit:
    theta, phi = Parameter("theta"), Parameter("phi")
    circuit = Circuit(2, 2).ry(theta, 0).rz(2 * phi + 0.5, 1).rx(-theta / 2, 1)
    circuit.cx(0, 1).rx(Parameter.apply("cos", phi) ** 2, 0)  # type: ignore[operator]
    return circuit.measure(0, 0).measure(1, 1)


CASES = {
    "bell_base": lambda: emit(bell(), name="bell"),
    "bell_qir1": lambda: emit(bell(), name="bell", qir_version=1),
    "teleport_adaptive": lambda: emit(teleport(), name="teleport"),
    "parameterized": lambda: emit(parameterized(), name="rotations"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str) -> None:
    """Emission is stable: compare with the reviewed file (regenerate by deleting it)."""
    text = CASES[case]()
    path = GOLDEN / f"{case}.ll"
    if not path.exists():
        path.write_text(text)
    assert text == path.read_text()


@pytest.mark.parametrize("case", ["bell_base", "teleport_adaptive", "parameterized"])
def test_emitted_modules_parse_in_pyqir_and_pass_check(case: str) -> None:
    text = CASES[case]()
    pyqir.Module.from_ir(pyqir.Context(), text, case).verify()
    extensions = case == "parameterized"
    assert check(text, extensions=extensions) == []
    if extensions:
        rules = {v.rule for v in check(text)}
        assert rules == {"entry-attributes", "declaration", "instruction"}


def test_profiles() -> None:
    assert '"qir_profiles"="base_profile"' in emit(bell())
    text = emit(teleport())
    assert '"qir_profiles"="adaptive_profile"' in text
    assert "@__quantum__rt__read_result" in text
    # 3 measurements, every bit measured: 3 results
    assert '"required_num_results"="3"' in text
    with pytest.raises(QirError, match="base profile cannot express a classically conditioned"):
        emit(teleport(), profile="base")
    assert emit(bell(), profile="adaptive") != emit(bell())
    assert check(emit(bell(), profile="adaptive")) == []


def test_base_profile_refuses_reuse_and_gates_after_measurement() -> None:
    reuse = Circuit(1, 1).h(0).measure(0, 0).measure(0, 0)
    with pytest.raises(QirError, match="second measurement of qubit 0"):
        emit(reuse, profile="base")
    after = Circuit(2, 1).measure(0, 0).cx(0, 1)
    with pytest.raises(QirError, match="gate after a measurement"):
        emit(after, profile="base")
    assert check(emit(after)) == []


def test_condition_values_and_unmeasured_bits() -> None:
    circuit = Circuit(2, 3).x(0).measure(0, 1)
    circuit.x(1, condition=Condition((0, 1), 2)).x(1, condition=Condition((0, 1), 9))
    text = emit(circuit)
    assert check(text) == []
    # bit 0 is never measured: it reads a result nothing writes, counted in the total
    assert '"required_num_results"="2"' in text
    assert text.count("@__quantum__qis__x__body(ptr inttoptr (i64 1 to ptr))") == 1


def test_angles_are_exact() -> None:
    text = emit(Circuit(1).rz(0.1, 0).rx(math.pi, 0), name="angles")
    assert "double 0x3FB999999999999A" in text
    assert "double 0x400921FB54442D18" in text


def test_bitcode_round_trip() -> None:
    data = emit_bitcode(bell(), name="bell")
    assert data[:2] == b"BC"
    module = parse_bitcode(data)
    assert check(str(module)) == []


def test_unsupported_gates_are_lowered() -> None:
    circuit = Circuit(3, 3).u3(0.3, 0.2, 0.1, 0).cu1(0.4, 0, 1).cswap(0, 1, 2).measure_all()
    text = emit(circuit)
    assert "u3" not in text and "cu1" not in text
    assert check(text) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"profile": "fancy"}, "profile must be one of"),
        ({"qir_version": 3}, "qir_version must be 1 or 2"),
        ({"name": "main"}, "LLVM identifier other than 'main'"),
        ({"name": "1bad"}, "LLVM identifier"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        emit(bell(), **kwargs)  # type: ignore[arg-type]


@pytest.mark.skipif(shutil.which("llvm-as-14") is None, reason="needs LLVM 14's llvm-as")
def test_qir1_assembles_with_llvm14(tmp_path: Path) -> None:
    path = tmp_path / "bell.ll"
    path.write_text(emit(bell(), qir_version=1))
    done = subprocess.run(
        ["llvm-as-14", str(path), "-o", str(tmp_path / "bell.bc")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_qir1_is_converted_on_reading(tmp_path: Path) -> None:
    # check used to refuse typed pointers; they read as their QIR 2 conversion now
    typed = emit(bell(), name="bell", qir_version=1)
    assert "%Qubit*" in typed and is_typed(typed)
    opaque = to_opaque(typed)
    assert not is_typed(opaque) and "%Qubit" not in opaque
    assert '!"qir_major_version", i32 2' in opaque
    assert 'c"c[0]\\00"' in opaque  # string literals are left as they are
    assert check(typed) == []
    assert to_opaque(emit(bell(), name="bell")) == emit(bell(), name="bell")
    path = tmp_path / "bell1.ll"
    path.write_text(typed)
    again = tmp_path / "bell2.ll"
    again.write_text(emit(bell(), name="bell"))
    for jit in (False, True):
        assert run_output(path, shots=50, seed=3, jit=jit) == run_output(
            again, shots=50, seed=3, jit=jit
        )
    assert read_module(path) == opaque


def test_qir1_conversion_leaves_strings_and_comments() -> None:
    text = (
        '@s = internal constant [4 x i8] c"i8*\\00"\n'
        "; a comment naming %Qubit* stays\n"
        "define void @f(%Qubit* %q, i8** %p, [2 x i64]* %a) {\n"
        "  %x = load i8*, i8** %p\n"
        "  ret void\n"
        "}\n"
    )
    out = to_opaque(text)
    assert 'c"i8*\\00"' in out and "; a comment naming %Qubit* stays" in out
    assert "define void @f(ptr %q, ptr %p, ptr %a)" in out
    assert "%x = load ptr, ptr %p" in out


BAD_FILES = sorted(p for p in BAD.glob("*.ll") if p.stem != "good")


def expected_rules(path: Path) -> set[str]:
    first = path.read_text().splitlines()[0]
    return set(re.findall(r"([a-z]+(?:-[a-z]+)*):", first.removeprefix("; expect")))


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.stem)
def test_bad_modules(path: Path) -> None:
    rules = {v.rule for v in check(path.read_text()) if not v.warning}
    assert expected_rules(path) <= rules, rules


def test_a_module_never_initializing_is_warned_about() -> None:
    # producers such as pytket-qir never call it; hpcq's main initializes the runtime
    good = (BAD / "good.ll").read_text()
    text = good.replace("  call void @__quantum__rt__initialize(ptr null)\n", "")
    assert text != good
    violations = check(text)
    assert [(v.rule, v.warning) for v in violations] == [("initialize", True)]
    assert str(violations[0]).startswith("warning: initialize: @prog: the module never calls")


def test_every_rule_has_a_bad_module() -> None:
    covered = set().union(*(expected_rules(p) for p in BAD_FILES))
    assert covered >= {
        "entry-point",
        "entry-attributes",
        "module-flags",
        "declaration",
        "instruction",
        "call",
        "qubit-id",
        "result-id",
        "block-structure",
    } - {"call"}
    assert {v.rule for v in check((BAD / "signature.ll").read_text())} >= {"call"}


def test_cli_check(run_hpcq, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = run_hpcq("qir", "check", str(BAD / "good.ll"))
    assert good.returncode == 0 and "ok" in good.stdout
    bad = run_hpcq("qir", "check", str(BAD / "qubit_id.ll"), str(BAD / "order.ll"))
    assert bad.returncode == 1
    assert "qubit-id: @prog: qubit id 2 is not below required_num_qubits=2" in bad.stdout
    assert (
        "call void @__quantum__qis__cx__body(ptr null, ptr inttoptr (i64 2 to ptr))" in bad.stdout
    )
    assert "block-structure" in bad.stdout
    broken = tmp_path / "broken.ll"
    broken.write_text("define i64 @x( {")
    done = run_hpcq("qir", "check", str(broken))
    assert (
        done.returncode == 1
        and "hpcq: error:" in done.stderr
        and "not valid LLVM IR" in done.stderr
    )
