"""QIR from other producers runs as qir-runner runs it (issue: QIR from other producers).

Programs are generated with pytket-qir and Q# (``qdk``), base and adaptive profiles, QIR
1 (Q#'s typed pointers) and QIR 2. For each: ``check`` finds no error (pytket-qir's
``main`` returning void without ``__quantum__rt__initialize`` is warned about), the
built program and the JIT run it, and the counts are within total variation distance
0.05 of qir-runner's on the same file at 2000 shots with fixed seeds (equal for
deterministic programs).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import qirrunner
from producers import DETERMINISTIC, PROGRAMS, module_text, tk_zzmax, total_variation

from hpcq import QirError
from hpcq.qir import build, check
from hpcq.qir.execute import run
from hpcq.qir.output import counts as parse_counts
from hpcq.qir.output import parse_output

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
