"""Built programs print counts themselves: ``--counts`` is the table ``hpcq run`` prints,
``--json`` the same counts as JSON; without either, qir-runner's record format."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from hpcq import Circuit
from hpcq.qir import build, emit
from hpcq.qir.execute import run
from hpcq.qir.output import counts

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

# Q#-style labels (no registers): counted by the recorded values.
FOREIGN = """
@0 = internal constant [4 x i8] c"0_t\\00"
@1 = internal constant [6 x i8] c"1_t0r\\00"
@2 = internal constant [6 x i8] c"2_t1i\\00"

define i64 @ENTRYPOINT__main() #0 {
entry:
  call void @__quantum__rt__initialize(ptr null)
  call void @__quantum__qis__h__body(ptr null)
  call void @__quantum__qis__mz__body(ptr null, ptr writeonly null)
  %one = call i1 @__quantum__rt__read_result(ptr null)
  %n = select i1 %one, i64 7, i64 -2
  call void @__quantum__rt__tuple_record_output(i64 2, ptr @0)
  call void @__quantum__rt__result_record_output(ptr null, ptr @1)
  call void @__quantum__rt__int_record_output(i64 %n, ptr @2)
  ret i64 0
}

declare void @__quantum__rt__initialize(ptr)
declare void @__quantum__qis__h__body(ptr)
declare void @__quantum__qis__mz__body(ptr, ptr writeonly) #1
declare i1 @__quantum__rt__read_result(ptr)
declare void @__quantum__rt__tuple_record_output(i64, ptr)
declare void @__quantum__rt__result_record_output(ptr, ptr)
declare void @__quantum__rt__int_record_output(i64, ptr)

attributes #0 = { "entry_point" "output_labeling_schema"="schema_id" ATTRIBUTES }
attributes #1 = { "irreversible" }

!llvm.module.flags = !{!0, !1, !2, !3}
!0 = !{i32 1, !"qir_major_version", i32 2}
!1 = !{i32 7, !"qir_minor_version", i32 0}
!2 = !{i32 1, !"dynamic_qubit_management", i1 false}
!3 = !{i32 1, !"dynamic_result_management", i1 false}
""".replace(
    "ATTRIBUTES",
    '"qir_profiles"="adaptive_profile" "required_num_qubits"="1" "required_num_results"="1"',
)


def modules() -> dict[str, str]:
    teleport = Circuit.from_file(ROOT / "examples" / "teleport.qasm")
    registers = Circuit.with_registers([("q", 3)], [("a", 2), ("b", 1)])
    registers.h(0).cx(0, 1).x(2).measure(0, 0).measure(1, 1).measure(2, 2)
    return {
        "teleport": emit(teleport, name="teleport"),
        "registers": emit(registers, name="registers"),
        "foreign": FOREIGN,
    }


def program(tmp_path: Path, name: str) -> tuple[Path, Path]:
    source = tmp_path / f"{name}.ll"
    source.write_text(modules()[name])
    return source, build(source.read_text(), tmp_path / name)


def execute(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", ["teleport", "registers", "foreign"])
def test_counts_and_json_match_hpcq_run(name: str, tmp_path: Path, run_hpcq) -> None:  # type: ignore[no-untyped-def]
    source, exe = program(tmp_path, name)
    args = ("--shots", "500", "--seed", "3")
    table = execute(str(exe), *args, "--counts")
    assert table.returncode == 0, table.stderr
    cli = run_hpcq("run", str(source), *args)
    assert cli.returncode == 0, cli.stderr
    assert table.stdout == cli.stdout
    as_json = execute(str(exe), *args, "--json")
    cli_json = run_hpcq("run", str(source), *args, "--json")
    assert as_json.stdout == cli_json.stdout
    expected = run(source, shots=500, seed=3)
    assert json.loads(as_json.stdout) == expected
    assert list(json.loads(as_json.stdout)) == list(expected)  # same order
    # the records themselves count the same
    records = execute(str(exe), *args)
    assert records.stdout.startswith("START\n") and counts(records.stdout) == expected


def test_foreign_keys_are_the_recorded_values(tmp_path: Path) -> None:
    _, exe = program(tmp_path, "foreign")
    done = execute(str(exe), "--shots", "200", "--seed", "1", "--json")
    assert set(json.loads(done.stdout)) == {"1 7", "0 -2"}


def test_help_documents_counts_and_json(tmp_path: Path) -> None:
    _, exe = program(tmp_path, "registers")
    done = execute(str(exe), "--help")
    assert done.returncode == 0
    assert "--counts" in done.stdout and "--json" in done.stdout
    assert "qir-runner's format" in done.stdout


def test_counts_under_valgrind_are_leak_free(tmp_path: Path) -> None:
    import shutil

    valgrind = shutil.which("valgrind")
    if valgrind is None:
        pytest.skip("valgrind is not installed")
    _, exe = program(tmp_path, "teleport")
    for flag in ("--counts", "--json"):
        done = execute(
            valgrind,
            "--leak-check=full",
            "--show-leak-kinds=all",
            "--errors-for-leak-kinds=all",
            "--error-exitcode=99",
            str(exe),
            "--shots",
            "50",
            flag,
        )
        assert done.returncode == 0, done.stderr
        assert "All heap blocks were freed -- no leaks are possible" in done.stderr
