"""Programs and libraries: main with argc/argv parameters, the lifecycle rules, library
mode with a C host, the JIT path, and the runtime under valgrind."""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import pytest

from hpcq import Circuit, Parameter, QirError
from hpcq.qir import add_hooks, add_main, build, check, counts, emit, runtime_library
from hpcq.qir.execute import run, run_output

HERE = Path(__file__).resolve().parent
VALGRIND = shutil.which("valgrind")


def bell() -> Circuit:
    return Circuit(2, 2).h(0).cx(0, 1).measure(0, 0).measure(1, 1)


def rotation() -> Circuit:
    theta = Parameter("theta")
    return Circuit(2, 2).ry(theta, 0).rx(2 * theta, 1).measure(0, 0).measure(1, 1)


def execute(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def rotation_program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("prog") / "rotation"
    return build(emit(rotation(), name="rotation"), out)


def test_main_is_added_and_checks_with_extensions() -> None:
    text = add_main(emit(bell(), name="bell"))
    assert "define i32 @main(i32 %argc, ptr %argv)" in text
    assert check(text, extensions=True) == []
    assert {v.rule for v in check(text)} >= {"declaration", "defined-function"}
    with pytest.raises(QirError, match="already defines main"):
        add_main(text)


def test_arguments_reach_the_entry_point(rotation_program: Path) -> None:
    # theta = pi: ry flips qubit 0, rx(2 pi) leaves qubit 1 at 0 -> always "01"
    done = execute(str(rotation_program), "--shots", "50", "--seed", "1", "3.141592653589793")
    assert done.returncode == 0, done.stderr
    assert counts(done.stdout) == {"01": 50}
    done = execute(str(rotation_program), "--shots=40", "--seed=2", "0")
    assert counts(done.stdout) == {"00": 40}
    # theta = pi/2: qubit 1 flipped by rx(pi), qubit 0 uniform
    done = execute(str(rotation_program), "--shots", "400", "--seed", "3", "--", repr(math.pi / 2))
    result = counts(done.stdout)
    assert set(result) == {"10", "11"} and 150 < result["11"] < 250


def test_output_format_matches_qir_runner(rotation_program: Path) -> None:
    done = execute(str(rotation_program), "--shots", "1", "--seed", "1", "0")
    lines = done.stdout.splitlines()
    assert lines[0] == "START"
    assert "METADATA\tqir_profiles\tbase_profile" in lines
    assert "OUTPUT\tTUPLE\t1\tregisters" in lines and "OUTPUT\tRESULT\t0\tc[1]" in lines
    assert lines[-1] == "END\t0"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "expected 1 parameter(s), got 0"),
        (("abc",), "parameter theta must be a real number, not 'abc'"),
        (("--shots", "0", "1"), "--shots needs a positive integer"),
        (("--seed",), "--seed needs a value"),
        (("--frobnicate", "1"), "unknown option '--frobnicate'"),
    ],
)
def test_bad_command_lines(rotation_program: Path, args: tuple[str, ...], message: str) -> None:
    done = execute(str(rotation_program), *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stdout == ""


def test_help(rotation_program: Path) -> None:
    done = execute(str(rotation_program), "--help")
    assert done.returncode == 0
    assert "usage:" in done.stdout and "theta" in done.stdout


def test_jit_matches_the_executable() -> None:
    exe = run_output(bell(), shots=300, seed=5)
    jit = run_output(bell(), shots=300, seed=5, jit=True)
    assert exe == jit
    assert set(counts(jit)) == {"00", "11"}
    assert run(rotation(), shots=20, seed=1, params={"theta": math.pi}, jit=True) == {"01": 20}
    with pytest.raises(ValueError, match="missing: theta"):
        run(rotation(), shots=1, jit=True)


def test_jit_runtime_errors_are_raised_not_fatal(tmp_path: Path) -> None:
    text = emit(bell(), name="bell").replace("i64 1 to ptr", "i64 40 to ptr")
    path = tmp_path / "big.ll"
    path.write_text(text)
    with pytest.raises(QirError, match="qubit id 40 is beyond the simulator's limit"):
        run_output(path, shots=1, seed=1, jit=True)
    # the process survives and the next session works
    assert run(bell(), shots=10, seed=1, jit=True).keys() <= {"00", "11"}


def build_host(tmp_path: Path, kind: str) -> Path:
    """The C host of ``host.c`` linked with a Bell library built as ``kind``."""
    library_text = emit(bell(), name="bell", entry_point=False)
    suffix = ".a" if kind == "static" else ".so"
    lib = build(library_text, tmp_path / f"libbell{suffix}")
    runtime = runtime_library()
    host = tmp_path / f"host_{kind}"
    if kind == "static":
        link = [str(lib)]
    else:
        link = [f"-L{tmp_path}", "-lbell", f"-Wl,-rpath,{tmp_path}"]
    command = [*runtime.compiler, "-std=c99", f"-I{runtime.directory}", str(HERE / "host.c")]
    done = subprocess.run(
        [*command, *link, "-lm", "-o", str(host)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return host


def test_library_mode_with_a_c_host(tmp_path: Path) -> None:
    hooked = add_hooks(emit(bell(), name="bell", entry_point=False))
    assert hooked.count("@__quantum__rt__begin_function") == 2  # declaration + call
    assert check(hooked, extensions=True) == []
    for kind in ("static", "shared"):
        done = execute(str(build_host(tmp_path, kind)), "ok", "200")
        assert done.returncode == 0, done.stderr
        shots, agree, ones = (int(x) for x in done.stdout.split()[1:6:2])
        assert shots == agree == 200 and 60 < ones < 140
    for mode, message in (
        ("after-finalize", "quantum function 'bell' called after __quantum__rt__finalize"),
        ("before-init", "quantum function 'bell' called before __quantum__rt__initialize"),
        ("twice", "__quantum__rt__finalize called twice"),
    ):
        done = execute(str(tmp_path / "host_static"), mode)
        assert done.returncode == 1
        assert f"hpcq runtime: error: {message}" in done.stderr


def test_build_refuses_the_wrong_kind(tmp_path: Path) -> None:
    with pytest.raises(QirError, match="no entry point and no main"):
        build(emit(bell(), entry_point=False), tmp_path / "x", kind="executable")
    with pytest.raises(QirError, match="has an entry point"):
        build(emit(bell()), tmp_path / "x.a", kind="static")


def test_missing_c_compiler_is_a_clear_error(run_hpcq, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bell.ll"
    path.write_text(emit(bell()))
    env = {"HPCQ_CC": "no-such-cc-anywhere", "HPCQ_CACHE_DIR": str(tmp_path / "cache")}
    done = run_hpcq("build", str(path), "-o", str(tmp_path / "bell"), env=env)
    assert done.returncode == 1
    assert "hpcq: error: no C compiler found" in done.stderr
    assert "no-such-cc-anywhere" in done.stderr


def test_cli_build_and_run(run_hpcq, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bell.ll"
    path.write_text(emit(bell()))
    done = run_hpcq("build", str(path), "-o", str(tmp_path / "bell"))
    assert done.returncode == 0, done.stderr
    ran = execute(str(tmp_path / "bell"), "--shots", "20", "--seed", "4")
    assert set(counts(ran.stdout)) <= {"00", "11"}
    example = HERE.parents[1] / "examples" / "bell.qasm"
    as_json = run_hpcq("run", str(example), "--shots", "100", "--seed", "1", "--json")
    assert as_json.returncode == 0, as_json.stderr
    import json

    result = json.loads(as_json.stdout)
    assert sum(result.values()) == 100 and set(result) <= {"00", "11"}
    table = run_hpcq("run", str(path), "--shots", "100", "--seed", "1", "--jit")
    assert table.returncode == 0 and table.stdout.splitlines()[0].split() == [
        "result",
        "count",
        "fraction",
    ]


@pytest.mark.slow
@pytest.mark.skipif(VALGRIND is None, reason="valgrind is not installed")
def test_runtime_is_leak_free_under_valgrind(rotation_program: Path, tmp_path: Path) -> None:
    teleport = Circuit.from_file(HERE.parents[1] / "examples" / "teleport.qasm")
    adaptive = build(emit(teleport), tmp_path / "teleport")
    host = build_host(tmp_path, "static")
    for command in (
        [str(rotation_program), "--shots", "20", "--seed", "1", "0.3"],
        [str(adaptive), "--shots", "20", "--seed", "1"],
        [str(host), "ok", "20"],
    ):
        done = execute(
            str(VALGRIND),
            "--leak-check=full",
            "--show-leak-kinds=all",
            "--errors-for-leak-kinds=all",
            "--error-exitcode=99",
            *command,
        )
        assert done.returncode == 0, done.stderr
        assert "All heap blocks were freed -- no leaks are possible" in done.stderr
