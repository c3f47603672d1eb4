"""``hpcq compile`` and its files: inputs, outputs checked up front, --report, --resume.

Every problem with the command line or the file system is found before the first
circuit compiles and is told in one line that names the file; a killed batch keeps a
current report; ``--resume`` skips only outputs that are complete and valid.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hpcq import cli, compiler_cli
from hpcq.compiler import Compiler
from hpcq.ir import Circuit

RunHpcq = Callable[..., subprocess.CompletedProcess[str]]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    """The single ``hpcq: error:`` line of a refused run (and nothing else printed)."""
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("hpcq: error: "), lines[0]
    assert proc.stdout == "", proc.stdout
    return lines[0]


def _copy_examples(directory: Path, *names: str) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        target = directory / f"{name}.qasm"
        shutil.copyfile(EXAMPLES / f"{name}.qasm", target)
        paths.append(target)
    return paths


@pytest.fixture
def compile_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The inputs that ``Compiler.compile`` was called on, for in-process runs of main()."""
    calls: list[str] = []
    real = Compiler.compile

    def counting(self: Compiler, source: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(str(source))
        return real(self, source, *args, **kwargs)

    monkeypatch.setattr(Compiler, "compile", counting)
    yield calls


# --- inputs ----------------------------------------------------------------------------


def test_a_missing_input_is_one_line_naming_it(run_hpcq: RunHpcq, tmp_path: Path) -> None:
    missing = tmp_path / "nope.qasm"
    line = _one_error_line(run_hpcq("compile", str(missing)))
    assert str(missing) in line and "failed" not in line


def test_a_missing_input_in_a_batch_stops_before_any_work(
    run_hpcq: RunHpcq, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    missing = tmp_path / "nope.qasm"
    proc = run_hpcq("compile", str(EXAMPLES / "bell.qasm"), str(missing), "-O0", "-o", str(out))
    line = _one_error_line(proc)
    assert str(missing) in line
    assert not out.exists() or not list(out.iterdir())


def test_a_directory_input_compiles_the_qasm_files_inside(
    run_hpcq: RunHpcq, tmp_path: Path
) -> None:
    circuits = tmp_path / "circuits"
    _copy_examples(circuits, "ghz5", "bell")
    (circuits / "README.md").write_text("not a circuit\n")
    (circuits / "nested").mkdir()
    _copy_examples(circuits / "nested", "qft5")
    out = tmp_path / "out"
    report = tmp_path / "report.json"
    proc = run_hpcq("compile", str(circuits), "-O1", "-o", str(out), "--report", str(report))
    assert proc.returncode == 0, proc.stderr
    # Only the .qasm files directly inside, in name order (as the Slurm templates list them).
    assert sorted(p.name for p in out.iterdir()) == ["bell.qasm", "ghz5.qasm"]
    rows = json.loads(report.read_text())
    assert [Path(r["input"]).name for r in rows] == ["bell.qasm", "ghz5.qasm"]
    assert Circuit.from_file(out / "ghz5.qasm").count_ops()["cx"] == 4


def test_a_directory_without_circuits_is_one_line(run_hpcq: RunHpcq, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    line = _one_error_line(run_hpcq("compile", str(empty), "-o", str(tmp_path / "out")))
    assert str(empty) in line and ".qasm" in line


def test_stats_also_takes_a_directory(run_hpcq: RunHpcq, tmp_path: Path) -> None:
    circuits = tmp_path / "circuits"
    _copy_examples(circuits, "bell", "ghz5")
    proc = run_hpcq("stats", "--json", str(circuits))
    assert proc.returncode == 0, proc.stderr
    assert [Path(e["file"]).name for e in json.loads(proc.stdout)] == ["bell.qasm", "ghz5.qasm"]


def test_a_directory_input_into_itself_is_refused(run_hpcq: RunHpcq, tmp_path: Path) -> None:
    circuits = tmp_path / "circuits"
    (bell,) = _copy_examples(circuits, "bell")
    before = bell.read_text()
    line = _one_error_line(run_hpcq("compile", str(circuits), "-O1", "-o", str(circuits)))
    assert "overwrite" in line and str(bell) in line
    assert bell.read_text() == before


_MALFORMED = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncx q[0], r[1];\n'


@pytest.mark.parametrize("output", [None, "out.qasm", "out/"])
def test_a_malformed_input_is_one_error_line_and_no_table_row(
    run_hpcq: RunHpcq, tmp_path: Path, output: str | None
) -> None:
    bad = tmp_path / "bad.qasm"
    bad.write_text(_MALFORMED)
    args = ["compile", str(bad), "-O1"] + (
        [] if output is None else ["-o", str(tmp_path / output)]
    )
    line = _one_error_line(run_hpcq(*args))
    assert line == f"hpcq: error: {bad}:4:10: undefined register 'r'"
    assert not (tmp_path / "out.qasm").exists() and not list(tmp_path.glob("out/*"))


def test_a_malformed_input_in_a_batch_has_its_error_line_and_no_table_row(
    run_hpcq: RunHpcq, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.qasm"
    bad.write_text(_MALFORMED)
    proc = run_hpcq(
        "compile", str(bad), str(EXAMPLES / "bell.qasm"), "-O1", "-o", str(tmp_path / "out")
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("hpcq: error:")]
    assert errors == [f"hpcq: error: {bad}:4:10: undefined register 'r'"]
    # The table has the circuit that compiled, and nothing for the one that did not.
    assert "bell.qasm" in proc.stdout
    assert "bad.qasm" not in proc.stdout and "failed" not in proc.stdout


# --- outputs, checked before any work --------------------------------------------------


def test_missing_parent_directories_of_one_output_are_created(
    run_hpcq: RunHpcq, tmp_path: Path
) -> None:
    target = tmp_path / "missing" / "dir" / "out.qasm"
    proc = run_hpcq("compile", str(EXAMPLES / "bell.qasm"), "-O1", "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    assert Circuit.from_file(target).num_qubits == 2
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.qasm"]


def test_an_output_under_a_file_is_one_line_before_any_work(
    tmp_path: Path, compile_calls: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("")
    status = cli.main(["compile", str(EXAMPLES / "bell.qasm"), "-o", str(blocker / "out.qasm")])
    err = capsys.readouterr().err
    assert status == 1 and compile_calls == []
    assert err.count("\n") == 1 and err.startswith("hpcq: error: ") and str(blocker) in err


def test_an_unknown_suffix_for_one_output_is_refused(run_hpcq: RunHpcq, tmp_path: Path) -> None:
    target = tmp_path / "bell.txt"
    line = _one_error_line(run_hpcq("compile", str(EXAMPLES / "bell.qasm"), "-o", str(target)))
    assert "'.txt'" in line and str(target) in line
    assert not target.exists()


def test_a_trailing_slash_makes_one_output_a_directory(run_hpcq: RunHpcq, tmp_path: Path) -> None:
    target = tmp_path / "bell.txt"
    proc = run_hpcq("compile", str(EXAMPLES / "bell.qasm"), "-O0", "-o", f"{target}/")
    assert proc.returncode == 0, proc.stderr
    assert (target / "bell.qasm").is_file()


def test_a_file_name_for_several_outputs_is_refused(run_hpcq: RunHpcq, tmp_path: Path) -> None:
    target = tmp_path / "both.qasm"
    proc = run_hpcq(
        "compile", str(EXAMPLES / "bell.qasm"), str(EXAMPLES / "ghz5.qasm"), "-o", str(target)
    )
    line = _one_error_line(proc)
    assert str(target) in line and "directory" in line
    assert not target.exists()


def test_a_format_that_contradicts_the_suffix_is_refused(
    run_hpcq: RunHpcq, tmp_path: Path
) -> None:
    target = tmp_path / "bell.qasm"
    proc = run_hpcq(
        "compile", str(EXAMPLES / "bell.qasm"), "-o", str(target), "--format", "ll"
    )  # fmt: skip
    line = _one_error_line(proc)
    assert "--format ll" in line and str(target) in line
    assert not target.exists()


def test_format_ll_on_standard_output_writes_qir(run_hpcq: RunHpcq) -> None:
    proc = run_hpcq("compile", str(EXAMPLES / "bell.qasm"), "-O1", "--format", "ll")
    assert proc.returncode == 0, proc.stderr
    assert "__quantum__qis__" in proc.stdout and "entry_point" in proc.stdout


def test_the_input_as_its_own_output_is_refused(run_hpcq: RunHpcq, tmp_path: Path) -> None:
    (bell,) = _copy_examples(tmp_path, "bell")
    before = bell.read_text()
    line = _one_error_line(run_hpcq("compile", str(bell), "-O1", "-o", str(bell)))
    assert "overwrite" in line
    assert bell.read_text() == before


def _make_unwritable(directory: Path) -> Callable[[], None]:
    """Make ``directory`` refuse new files, even to root; returns the undo.

    Permission bits do not stop root, so as root the directory is made immutable
    (``chattr +i``); the test is skipped where neither works.
    """
    if os.geteuid() != 0:
        directory.chmod(0o555)
        return lambda: directory.chmod(0o755)
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("running as root without chattr: cannot make a directory unwritable")
    done = subprocess.run([chattr, "+i", str(directory)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"running as root and chattr +i failed: {done.stderr!r}")
    return lambda: subprocess.run([chattr, "-i", str(directory)], check=True)


@pytest.mark.parametrize("single", [False, True], ids=["directory", "file"])
def test_a_write_protected_output_is_found_before_the_first_compile(
    single: bool, tmp_path: Path, compile_calls: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    undo = _make_unwritable(out)
    try:
        inputs = [str(EXAMPLES / "bell.qasm")] + ([] if single else [str(EXAMPLES / "ghz5.qasm")])
        target = out / "bell.qasm" if single else out
        status = cli.main(["compile", *inputs, "-O0", "-o", str(target)])
        captured = capsys.readouterr()
    finally:
        undo()
    assert status == 1
    assert compile_calls == [], "the run compiled before finding it could not write"
    assert captured.err.count("\n") == 1, captured.err
    assert captured.err.startswith("hpcq: error: ") and str(out) in captured.err
    assert list(out.iterdir()) == []


def test_a_write_protected_report_directory_is_found_before_the_first_compile(
    tmp_path: Path, compile_calls: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    undo = _make_unwritable(reports)
    try:
        status = cli.main(
            ["compile", str(EXAMPLES / "bell.qasm"), "-O0", "-o", str(tmp_path / "out"),
             "--report", str(reports / "report.json")]
        )  # fmt: skip
        err = capsys.readouterr().err
    finally:
        undo()
    assert status == 1 and compile_calls == []
    assert err.count("\n") == 1 and str(reports) in err


# --- --report kept current -------------------------------------------------------------


def test_the_report_is_current_after_each_circuit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.json"
    seen: list[list[dict[str, Any]]] = []
    real = Compiler.compile

    def snapshot(self: Compiler, source: Any, *args: Any, **kwargs: Any) -> Any:
        # What a job killed at this moment would leave behind.
        seen.append(json.loads(report.read_text()) if report.exists() else [])
        return real(self, source, *args, **kwargs)

    monkeypatch.setattr(Compiler, "compile", snapshot)
    # These circuits compile in milliseconds, as quickly as the report is rewritten: the
    # rule that puts rewrites off for such circuits is off here, so timing plays no part.
    monkeypatch.setattr(compiler_cli, "REPORT_PATIENCE", 0.0)
    inputs = [str(EXAMPLES / f"{n}.qasm") for n in ("bell", "ghz5", "teleport")]
    status = cli.main(["compile", *inputs, "-O1", "-o", str(tmp_path / "out"),
                       "--report", str(report)])  # fmt: skip
    capsys.readouterr()
    assert status == 0
    assert [[r["status"] for r in rows] for rows in seen] == [
        ["pending", "pending", "pending"],
        ["compiled", "pending", "pending"],
        ["compiled", "compiled", "pending"],
    ]
    assert seen[2][1]["cx_after"] == 4
    final = json.loads(report.read_text())
    assert [r["status"] for r in final] == ["compiled"] * 3
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# --- --resume: only complete, valid outputs are skipped --------------------------------


@pytest.mark.parametrize(
    "content",
    [
        "",
        'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[5];\ncreg c[5];\nh q[0];\ncx q[0],',
        'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[0];\n',
        "\xff\xfe garbage",
    ],
    ids=["empty", "truncated", "another-circuit", "not-text"],
)
def test_resume_compiles_again_over_an_invalid_output(
    content: str, run_hpcq: RunHpcq, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "ghz5.qasm").write_bytes(content.encode("latin-1"))
    proc = run_hpcq("compile", str(EXAMPLES / "ghz5.qasm"), "-O1", "-o", str(out), "--resume")
    assert proc.returncode == 0, proc.stderr
    assert "compiling it again" in proc.stderr and "skipped" not in proc.stderr
    compiled = Circuit.from_file(out / "ghz5.qasm")
    assert compiled.num_qubits == 5 and compiled.count_ops()["cx"] == 4


@pytest.mark.parametrize("content", ["", "; ModuleID = 'x'\ndefine void @f() {\n"])
def test_resume_compiles_again_over_an_invalid_qir_output(
    content: str, run_hpcq: RunHpcq, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "bell.ll").write_text(content)
    proc = run_hpcq(
        "compile", str(EXAMPLES / "bell.qasm"), "-O1", "-o", str(out), "--format", "ll",
        "--resume",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "compiling it again" in proc.stderr
    assert "entry_point" in (out / "bell.ll").read_text()
    again = run_hpcq(
        "compile", str(EXAMPLES / "bell.qasm"), "-O1", "-o", str(out), "--format", "ll",
        "--resume",
    )  # fmt: skip
    assert again.returncode == 0 and "skipped" in again.stderr, again.stderr


def test_resume_keeps_the_earlier_stats_in_the_report(run_hpcq: RunHpcq, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = tmp_path / "report.json"
    inputs = [str(EXAMPLES / f"{n}.qasm") for n in ("ghz5", "bell", "teleport")]
    args = ["compile", *inputs, "-O1", "-o", str(out), "--report", str(report)]
    first = run_hpcq(*args)
    assert first.returncode == 0, first.stderr
    earlier = json.loads(report.read_text())
    identity = (out / "ghz5.qasm").stat().st_ino, (out / "ghz5.qasm").stat().st_mtime_ns
    (out / "bell.qasm").unlink()

    resumed = run_hpcq(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stderr.count("skipped") == 2
    assert ((out / "ghz5.qasm").stat().st_ino, (out / "ghz5.qasm").stat().st_mtime_ns) == identity
    rows = json.loads(report.read_text())
    assert [r["status"] for r in rows] == ["compiled"] * 3
    assert [r.get("resumed", False) for r in rows] == [True, False, True]
    for index in (0, 2):
        kept = {k: v for k, v in rows[index].items() if k != "resumed"}
        assert kept == earlier[index]
    # The table shows the earlier circuits' counts too.
    assert "6 -> 4" in resumed.stdout


def test_resume_over_a_corrupt_report_warns_and_continues(
    run_hpcq: RunHpcq, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    report = tmp_path / "report.json"
    args = ["compile", str(EXAMPLES / "bell.qasm"), "-O1", "-o", f"{out}/"]
    args += ["--report", str(report)]
    assert run_hpcq(*args).returncode == 0
    report.write_text('[{"input": ')
    resumed = run_hpcq(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "Traceback" not in resumed.stderr
    assert f"{report}" in resumed.stderr and "skipped" in resumed.stderr
    (row,) = json.loads(report.read_text())
    assert row["input"] == str(EXAMPLES / "bell.qasm") and row["status"].startswith("skipped")


def test_resume_skips_when_the_output_matches_the_earlier_report_only(
    run_hpcq: RunHpcq, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    report = tmp_path / "report.json"
    args = ["compile", str(EXAMPLES / "ghz5.qasm"), "-O1", "-o", f"{out}/"]
    args += ["--report", str(report)]
    assert run_hpcq(*args).returncode == 0
    # Same qubits and measurements, different gates: not the output that report describes.
    text = (out / "ghz5.qasm").read_text()
    (out / "ghz5.qasm").write_text(text.replace("cx q[3],q[4];", "cx q[4],q[3];\ncx q[3],q[4];"))
    resumed = run_hpcq(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "compiling it again" in resumed.stderr
    assert Circuit.from_file(out / "ghz5.qasm").count_ops()["cx"] == 4


# --- the rest of the command line ------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value"),
    [("--threshold", "-1"), ("--threshold", "nan"), ("--threshold", "2"), ("--workers", "-1")],
)
def test_a_bad_number_is_a_usage_error_before_any_work(
    option: str, value: str, run_hpcq: RunHpcq
) -> None:
    proc = run_hpcq("compile", str(EXAMPLES / "bell.qasm"), "-O2", option, value)
    assert proc.returncode == 2, proc.stderr
    assert f"argument {option}: must be" in proc.stderr and repr(value) in proc.stderr
    assert "failed" not in proc.stderr and "CX" not in proc.stderr


def test_the_table_says_when_a_circuit_was_not_verified(run_hpcq: RunHpcq, tmp_path: Path) -> None:
    proc = run_hpcq(
        "compile", str(EXAMPLES / "bell.qasm"), "-O1", "-o", str(tmp_path / "b.qasm"),
        "--no-verify",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "(not verified)" in proc.stdout and "None" not in proc.stdout


def test_resume_finds_the_earlier_row_under_another_name_for_the_file(
    run_hpcq: RunHpcq, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    _copy_examples(work / "circuits", "ghz5")
    absolute = ["compile", str(work / "circuits"), "-O1", "-o", str(work / "out")]
    first = run_hpcq(*absolute, "--report", str(work / "report.json"))
    assert first.returncode == 0, first.stderr
    # The same files, named relative to the working directory this time.
    relative = ["compile", "circuits/ghz5.qasm", "-O1", "-o", "out/", "--report", "report.json"]
    resumed = run_hpcq(*relative, "--resume", cwd=str(work))
    assert resumed.returncode == 0, resumed.stderr
    (row,) = json.loads((work / "report.json").read_text())
    assert row["status"] == "compiled" and row["resumed"] is True and row["cx_after"] == 4


def test_a_directory_where_an_output_goes_is_found_before_any_work(
    run_hpcq: RunHpcq, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    (out / "ghz5.qasm").mkdir(parents=True)
    proc = run_hpcq(
        "compile", str(EXAMPLES / "bell.qasm"), str(EXAMPLES / "ghz5.qasm"), "-O0", "-o", str(out)
    )
    line = _one_error_line(proc)
    assert str(out / "ghz5.qasm") in line and "directory" in line
    assert sorted(p.name for p in out.iterdir()) == ["ghz5.qasm"]


def test_dash_is_standard_output(run_hpcq: RunHpcq, tmp_path: Path) -> None:
    proc = run_hpcq("compile", str(EXAMPLES / "bell.qasm"), "-O0", "-o", "-", cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("OPENQASM 2.0;")
    assert list(tmp_path.iterdir()) == []


def test_stats_of_a_directory_with_one_circuit_is_a_list(
    run_hpcq: RunHpcq, tmp_path: Path
) -> None:
    _copy_examples(tmp_path / "one", "bell")
    proc = run_hpcq("stats", "--json", str(tmp_path / "one"))
    assert proc.returncode == 0, proc.stderr
    entries = json.loads(proc.stdout)
    assert isinstance(entries, list) and [e["qubits"] for e in entries] == [2]


def test_quick_circuits_put_report_rewrites_off_but_the_end_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.json"
    writes: list[int] = []
    real = compiler_cli.write_atomically

    def counting(path: Path, text: str) -> None:
        if path == report:
            writes.append(len(json.loads(text)))
        real(path, text)

    monkeypatch.setattr(compiler_cli, "write_atomically", counting)
    # As if every rewrite took far longer than any compile: only the first and last happen.
    monkeypatch.setattr(compiler_cli, "REPORT_PATIENCE", math.inf)
    inputs = [str(EXAMPLES / f"{n}.qasm") for n in ("bell", "ghz5", "teleport")]
    status = cli.main(
        ["compile", *inputs, "-O0", "-o", str(tmp_path / "out"), "--report", str(report)]
    )
    capsys.readouterr()
    assert status == 0 and writes == [3, 3]
    assert [r["status"] for r in json.loads(report.read_text())] == ["compiled"] * 3
