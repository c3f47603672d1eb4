"""QIR from other producers runs as qir-runner runs it (issue: QIR from other producers).

Programs are generated with pytket-qir and Q# (``qdk``), base and adaptive profiles, QIR
1 (Q#'s typed pointers) and QIR 2. For each: ``check`` finds no error (pytket-qir's
``main`` returning void without ``__quantum__rt__initialize`` is warned about), the
built program and the JIT run it, and the counts are within total variation distance
0.05 of qir-runner's on the same file at 2000 shots with fixed seeds (equal for
deterministic programs).
"""

from __future__ import annotations

import ctypes
import math
import shutil
import subprocess
from pathlib import Path

import pytest
import qirrunner
from producers import DETERMINISTIC, PROGRAMS, module_text, tk_zzmax, total_variation
from qir_reference import exact_distribution, goodness_of_fit

from hpcq import Circuit, QirError
from hpcq.qir import build, check
from hpcq.qir.execute import run
from hpcq.qir.output import counts as parse_counts
from hpcq.qir.output import parse_output
from hpcq.qir.signatures import KNOWN
from hpcq.qir.toolchain import runtime_library

SHOTS = 2000
VALGRIND = shutil.which("valgrind")


def qir_runner_counts(path: Path, shots: int, seed: int) -> dict[str, int]:
    handler = qirrunner.OutputHandler()
    qirrunner.run(str(path), shots=shots, rng_seed=seed, output_fn=handler.handle)
    return parse_counts(handler.get_output())


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.ll"
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_check_finds_no_error(name: str) -> None:
    violations = check(module_text(name))
    assert [str(v) for v in violations if not v.warning] == []
    if name.startswith("pytket"):
        assert "initialize" in {v.rule for v in violations}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_runs_as_qir_runner_runs_it(name: str, tmp_path: Path) -> None:
    path = _write(tmp_path, name, module_text(name))
    theirs = qir_runner_counts(path, SHOTS, seed=5)
    program = build(module_text(name), tmp_path / "program")
    done = subprocess.run(
        [str(program), "--shots", str(SHOTS), "--seed", "7"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert all(shot.status == 0 for shot in parse_output(done.stdout))
    built = parse_counts(done.stdout)
    jit = run(path, shots=SHOTS, seed=7, jit=True)
    assert jit == built  # the same runtime and seed: the same shots
    if name in DETERMINISTIC:
        assert built == theirs and len(built) == 1
        # every record, doubles printed as qir-runner prints them, labels included
        handler = qirrunner.OutputHandler()
        qirrunner.run(str(path), shots=1, rng_seed=5, output_fn=handler.handle)
        reference = parse_output(handler.get_output())[0].records
        assert parse_output(done.stdout)[0].records == reference
    else:
        assert total_variation(built, theirs) < 0.05, (built, theirs)


def test_an_intrinsic_the_runtime_lacks_is_named(tmp_path: Path, run_hpcq) -> None:  # type: ignore[no-untyped-def]
    text = module_text("pytket-bell-base").replace(
        "declare void @__quantum__qis__h__body(ptr)",
        "declare void @__quantum__qis__h__body(ptr)\n"
        "declare void @__quantum__qis__mycustomintrinsic__body(ptr)",
    )
    text = text.replace(
        "  call void @__quantum__qis__h__body(ptr null)\n",
        "  call void @__quantum__qis__h__body(ptr null)\n"
        "  call void @__quantum__qis__mycustomintrinsic__body(ptr null)\n",
    )
    name = "__quantum__qis__mycustomintrinsic__body"
    assert any(
        v.rule == "declaration" and not v.warning and f"unknown function {name}" in v.message
        for v in check(text)
    )
    with pytest.raises(QirError, match=f"unknown function {name}"):
        build(text, tmp_path / "prog")
    assert not (tmp_path / "prog").exists()
    path = _write(tmp_path, "custom", text)
    for command in (
        ("qir", "check", str(path)),
        ("build", str(path), "-o", str(tmp_path / "prog")),
        ("run", str(path)),
        ("run", str(path), "--jit"),
    ):
        done = run_hpcq(*command, timeout=120)
        assert done.returncode == 1, (command, done.stdout, done.stderr)
        assert f"unknown function {name}" in done.stdout + done.stderr, command
        assert "undefined reference" not in done.stderr and "Traceback" not in done.stderr


def test_a_real_producers_gate_the_runtime_lacks_is_named(tmp_path: Path) -> None:
    text = tk_zzmax()
    assert any("unknown function __quantum__qis__zzmax__body" in v.message for v in check(text))
    with pytest.raises(QirError, match="unknown function __quantum__qis__zzmax__body"):
        run(_write(tmp_path, "zzmax", text), shots=1, jit=True)


def test_commands_on_a_pytket_module(tmp_path: Path, run_hpcq) -> None:  # type: ignore[no-untyped-def]
    # pytket-qir's main returns void and never initializes: check warns, exits 0;
    # build wraps the renamed entry point in hpcq's main, which initializes the runtime
    path = _write(tmp_path, "bell", module_text("pytket-bell-base"))
    done = run_hpcq("qir", "check", str(path))
    assert done.returncode == 0, done.stdout
    assert f"{path}: ok, 3 warning(s)" in done.stdout
    assert "warning: initialize: @main" in done.stdout
    program = tmp_path / "bell"
    done = run_hpcq("build", str(path), "-o", str(program))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote {program}: an executable program"
    ran = subprocess.run(
        [str(program), "--shots", "20", "--seed", "1", "--counts"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    for jit in ((), ("--jit",)):
        done = run_hpcq("run", str(path), "--shots", "20", "--seed", "1", *jit)
        assert done.returncode == 0, done.stderr
        assert done.stdout == ran.stdout


def test_the_older_entry_point_attribute_builds_a_program(tmp_path: Path) -> None:
    text = module_text("qsharp-bell-base").replace('"entry_point"', '"EntryPoint"')
    assert '"EntryPoint"' in text
    assert [v for v in check(text) if not v.warning] == []
    program = build(text, tmp_path / "bell")
    assert program.read_bytes()[:4] == b"\x7fELF"  # an executable, not an ar archive
    done = subprocess.run(
        [str(program), "--shots", "10", "--seed", "2"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and len(parse_output(done.stdout)) == 10


def _library(text: str) -> str:
    return text.replace('"entry_point" ', "")


def test_a_module_without_entry_point_builds_a_named_library(tmp_path: Path, run_hpcq) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path, "lib", _library(module_text("qsharp-bell-base")))
    for output, words in (("libbell.a", "a static library"), ("libbell.so", "a shared library")):
        done = run_hpcq("build", str(path), "-o", str(tmp_path / output))
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"wrote {tmp_path / output}: {words}")
        assert "no entry point" in done.stdout
    # a program asked of it: an error, not an archive under the program's name
    for extra in ((), ("--kind", "executable")):
        done = run_hpcq("build", str(path), "-o", str(tmp_path / "bell"), *extra)
        assert done.returncode == 1, done.stdout
        assert "no entry point" in done.stderr and "Traceback" not in done.stderr
        assert not (tmp_path / "bell").exists()


# single-control forms -> the same gate as an hpcq circuit (control first)
CONTROLLED = {
    "x__ctl": ("cx", ()),
    "y__ctl": ("cy", ()),
    "z__ctl": ("cz", ()),
    "h__ctl": ("ch", ()),
    "s__ctl": ("cu1", (math.pi / 2,)),
    "s__ctladj": ("cu1", (-math.pi / 2,)),
    "t__ctl": ("cu1", (math.pi / 4,)),
    "t__ctladj": ("cu1", (-math.pi / 4,)),
}


def _controlled_module(gates: list[tuple[str, int, int]]) -> str:
    calls = "".join(
        f"  call void @__quantum__qis__{g}(ptr {_q(c)}, ptr {_q(t)})\n" for g, c, t in gates
    )
    declared = "".join(f"declare void @__quantum__qis__{g}(ptr, ptr)\n" for g in CONTROLLED)
    measure = "".join(
        f"  call void @__quantum__qis__mz__body(ptr {_q(q)}, ptr writeonly {_q(q)})\n"
        for q in range(3)
    )
    record = "".join(
        f"  call void @__quantum__rt__result_record_output(ptr {_q(q)}, ptr null)\n"
        for q in (2, 1, 0)  # most significant first, as the counts keys
    )
    return (
        "define i64 @prog() #0 {\nentry:\n  call void @__quantum__rt__initialize(ptr null)\n"
        "  call void @__quantum__qis__ry__body(double 1.1, ptr null)\n"
        "  call void @__quantum__qis__rx__body(double 0.6, ptr inttoptr (i64 1 to ptr))\n"
        "  call void @__quantum__qis__h__body(ptr inttoptr (i64 2 to ptr))\n"
        f"{calls}"
        "  call void @__quantum__qis__h__body(ptr inttoptr (i64 2 to ptr))\n"
        "  call void @__quantum__qis__ry__body(double 0.3, ptr inttoptr (i64 1 to ptr))\n"
        f"{measure}{record}  ret i64 0\n}}\n"
        "declare void @__quantum__rt__initialize(ptr)\n"
        "declare void @__quantum__qis__h__body(ptr)\n"
        "declare void @__quantum__qis__rx__body(double, ptr)\n"
        "declare void @__quantum__qis__ry__body(double, ptr)\n"
        "declare void @__quantum__qis__mz__body(ptr, ptr writeonly) #1\n"
        "declare void @__quantum__rt__result_record_output(ptr, ptr)\n"
        f"{declared}"
        'attributes #0 = { "entry_point" "output_labeling_schema" "qir_profiles"="base_profile" '
        '"required_num_qubits"="3" "required_num_results"="3" }\n'
        'attributes #1 = { "irreversible" }\n'
        "!llvm.module.flags = !{!0, !1, !2, !3}\n"
        '!0 = !{i32 1, !"qir_major_version", i32 2}\n'
        '!1 = !{i32 7, !"qir_minor_version", i32 0}\n'
        '!2 = !{i32 1, !"dynamic_qubit_management", i1 false}\n'
        '!3 = !{i32 1, !"dynamic_result_management", i1 false}\n'
    )


def _q(index: int) -> str:
    return "null" if index == 0 else f"inttoptr (i64 {index} to ptr)"


def test_single_control_forms_match_the_exact_distribution(tmp_path: Path) -> None:
    gates = [(g, c, t) for g in CONTROLLED for c, t in ((0, 2), (2, 1))]
    text = _controlled_module(gates)
    assert check(text) == []
    circuit = Circuit(3, 3).ry(1.1, 0).rx(0.6, 1).h(2)
    for g, c, t in gates:
        name, params = CONTROLLED[g]
        getattr(circuit, name)(*params, c, t)
    circuit.h(2).ry(0.3, 1)
    for q in range(3):
        circuit.measure(q, q)
    exact = exact_distribution(circuit)
    path = _write(tmp_path, "controlled", text)
    ours = run(path, shots=SHOTS, seed=3)
    assert goodness_of_fit(ours, exact) > 1e-4, (ours, exact)
    assert run(path, shots=SHOTS, seed=3, jit=True) == ours


def test_every_known_function_is_in_the_runtime() -> None:
    # check used to know __quantum__qis__m__body while the runtime lacked it: Q# modules
    # passed check, then failed in the linker (and the JIT segfaulted)
    runtime = ctypes.CDLL(str(runtime_library().shared))
    missing = [
        name for name in KNOWN if not name.startswith("llvm.") and not hasattr(runtime, name)
    ]
    assert missing == []


@pytest.mark.slow
@pytest.mark.skipif(VALGRIND is None, reason="valgrind is not installed")
def test_producers_programs_are_leak_free_under_valgrind(tmp_path: Path) -> None:
    texts = {
        name: module_text(name)
        for name in (
            "pytket-feedforward-adaptive",
            "qsharp-teleport-adaptive",
            "qsharp-arrays-adaptive",
            "qsharp-doubles-adaptive",
        )
    }
    texts["controlled"] = _controlled_module([(g, 0, 1) for g in CONTROLLED])
    for name, text in texts.items():
        program = build(text, tmp_path / name)
        for extra in ((), ("--counts",)):
            done = subprocess.run(
                [
                    str(VALGRIND),
                    "--leak-check=full",
                    "--errors-for-leak-kinds=all",
                    "--error-exitcode=99",
                    str(program),
                    "--shots",
                    "20",
                    "--seed",
                    "4",
                    *extra,
                ],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert done.returncode == 0, (name, done.stderr[-2000:])
            assert "ERROR SUMMARY: 0 errors" in done.stderr, name


def test_an_entry_point_named_main_returning_i64_runs(tmp_path: Path) -> None:
    text = module_text("qsharp-ghz-base").replace("@ENTRYPOINT__main(", "@main(")
    assert "define i64 @main()" in text
    path = _write(tmp_path, "main", text)
    built = run(path, shots=200, seed=1)
    assert set(built) == {"0000", "1111"}
    assert run(path, shots=200, seed=1, jit=True) == built


def test_rotation_about_a_pauli_axis_runs_as_in_qir_runner(tmp_path: Path) -> None:
    # __quantum__qis__r__body(i2 pauli, double, ptr): 0 I (a global phase), 1 X, -2 (2) Z,
    # -1 (3) Y; H Rz H on qubit 2 makes the Z rotation visible
    gates = (
        "  call void @__quantum__qis__r__body(i2 1, double 1.0, ptr null)\n"
        "  call void @__quantum__qis__r__body(i2 -1, double 0.8, ptr inttoptr (i64 1 to ptr))\n"
        "  call void @__quantum__qis__h__body(ptr inttoptr (i64 2 to ptr))\n"
        "  call void @__quantum__qis__r__body(i2 -2, double 1.3, ptr inttoptr (i64 2 to ptr))\n"
        "  call void @__quantum__qis__r__body(i2 0, double 0.7, ptr inttoptr (i64 2 to ptr))\n"
    )
    text = (
        _controlled_module([])
        .replace(
            "  call void @__quantum__qis__ry__body(double 1.1, ptr null)\n"
            "  call void @__quantum__qis__rx__body(double 0.6, ptr inttoptr (i64 1 to ptr))\n"
            "  call void @__quantum__qis__h__body(ptr inttoptr (i64 2 to ptr))\n",
            gates,
        )
        .replace(
            "  call void @__quantum__qis__ry__body(double 0.3, ptr inttoptr (i64 1 to ptr))\n", ""
        )
    )
    text = text.replace(
        "declare void @__quantum__qis__h__body(ptr)\n",
        "declare void @__quantum__qis__h__body(ptr)\n"
        "declare void @__quantum__qis__r__body(i2, double, ptr)\n",
    )
    for g in CONTROLLED:  # qir-runner's __ctl forms take arrays: none declared here
        text = text.replace(f"declare void @__quantum__qis__{g}(ptr, ptr)\n", "")
    assert "r__body(i2 -2" in text and "__ctl" not in text
    assert check(text) == []
    path = _write(tmp_path, "r", text)
    ours = run(path, shots=SHOTS, seed=1)
    theirs = qir_runner_counts(path, SHOTS, seed=2)
    assert total_variation(ours, theirs) < 0.05, (ours, theirs)
    assert run(path, shots=SHOTS, seed=1, jit=True) == ours
