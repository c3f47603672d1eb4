"""What the runtime cannot run safely is refused by name, before anything is compiled.

``hpcq qir check`` names the rule (indirect-call, recursion, output-label, back-edge,
angle); ``build``, ``run`` and ``run --jit`` refuse the same modules before compiling
(the JIT ones used to take the Python process down with a segfault, so they run in a
subprocess here); loops that the module declares run bounded; result ids and seeds
cover their whole range without hanging.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hpcq import QirError
from hpcq.qir import add_main, build, check
from hpcq.qir.entry import LOOP_STEP, bound_loops
from hpcq.qir.execute import run_output
from hpcq.qir.output import parse_output

VALGRIND = shutil.which("valgrind")

_FLAGS = """
!llvm.module.flags = !{{!0, !1, !2, !3{extra_ref}}}
!0 = !{{i32 1, !"qir_major_version", i32 2}}
!1 = !{{i32 7, !"qir_minor_version", i32 0}}
!2 = !{{i32 1, !"dynamic_qubit_management", i1 false}}
!3 = !{{i32 1, !"dynamic_result_management", i1 false}}
{extra}
"""

_DECLARATIONS = """
declare void @__quantum__rt__initialize(ptr)
declare void @__quantum__qis__x__body(ptr)
declare void @__quantum__qis__h__body(ptr)
declare void @__quantum__qis__rx__body(double, ptr)
declare void @__quantum__qis__mz__body(ptr, ptr writeonly) #1
declare i1 @__quantum__rt__read_result(ptr)
declare void @__quantum__rt__result_record_output(ptr, ptr)
declare void @__quantum__rt__int_record_output(i64, ptr)
@r0 = internal constant [3 x i8] c"r0\\00"
@n = internal constant [2 x i8] c"n\\00"
"""


def module(
    body: str,
    *,
    profile: str = "adaptive_profile",
    loops: str | None = None,
    results: int = 1,
) -> str:
    """An entry point ``@prog`` around ``body`` (after initialize), with ``loops`` as the
    value of the ``backwards_branching`` module flag when given."""
    extra_ref, extra = "", ""
    if loops is not None:
        extra_ref, extra = ", !4", f'!4 = !{{i32 7, !"backwards_branching", {loops}}}'
    return (
        "define i64 @prog() #0 {\n"
        "entry:\n"
        "  call void @__quantum__rt__initialize(ptr null)\n"
        f"{body}"
        "}\n"
        f"{_DECLARATIONS}\n"
        f'attributes #0 = {{ "entry_point" "output_labeling_schema"="x" "qir_profiles"="{profile}"'
        f' "required_num_qubits"="1" "required_num_results"="{results}" }}\n'
        'attributes #1 = { "irreversible" }\n' + _FLAGS.format(extra_ref=extra_ref, extra=extra)
    )


MEASURE = (
    "  call void @__quantum__qis__mz__body(ptr null, ptr writeonly null)\n"
    "  call void @__quantum__rt__result_record_output(ptr null, ptr @r0)\n"
    "  ret i64 0\n"
)

#: Each module breaks one safety rule; the runtime crashed or hung on every one.
UNSAFE = {
    "indirect-call": module("  call void inttoptr (i64 4096 to ptr)()\n" + MEASURE),
    "recursion": module("  %again = call i64 @prog()\n" + MEASURE),
    "output-label": module(
        "  call void @__quantum__qis__mz__body(ptr null, ptr writeonly null)\n"
        "  call void @__quantum__rt__result_record_output(ptr null, ptr inttoptr (i64 8 to ptr))\n"
        "  ret i64 0\n"
    ),
    "back-edge": module("  br label %spin\nspin:\n  br label %spin\n"),
    "angle": module(
        "  call void @__quantum__qis__rx__body(double 0x7FF8000000000000, ptr null)\n" + MEASURE
    ),
    "angle-infinite": module(
        "  call void @__quantum__qis__rx__body(double 0x7FF0000000000000, ptr null)\n" + MEASURE
    ),
}


def rule_of(case: str) -> str:
    return case.removesuffix("-infinite")


def execute(*command: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("case", sorted(UNSAFE))
def test_check_names_the_rule(case: str) -> None:
    violations = check(UNSAFE[case])
    assert rule_of(case) in {v.rule for v in violations}, violations
    # the module is otherwise valid: nothing else is what refuses it
    assert {v.rule for v in violations} <= {rule_of(case), "block-structure", "defined-function"}


def test_check_names_mutual_recursion_and_the_cycle() -> None:
    text = module("  %a = call i64 @helper()\n" + MEASURE).replace(
        "declare void @__quantum__rt__initialize(ptr)",
        "define i64 @helper() {\n  %b = call i64 @prog()\n  ret i64 0\n}\n"
        "declare void @__quantum__rt__initialize(ptr)",
    )
    found = [v for v in check(text, extensions=True) if v.rule == "recursion"]
    assert found and "@prog -> @helper -> @prog" in str(found[0])


@pytest.mark.parametrize("case", sorted(UNSAFE))
def test_build_refuses_before_compiling(case: str, tmp_path: Path) -> None:
    with pytest.raises(QirError, match=rule_of(case)):
        build(UNSAFE[case], tmp_path / "prog")
    assert not (tmp_path / "prog").exists()


@pytest.mark.parametrize("case", sorted(UNSAFE))
def test_run_and_jit_refuse_without_crashing(case: str, run_hpcq, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / f"{case}.ll"
    path.write_text(UNSAFE[case])
    for jit in ((), ("--jit",)):
        done = run_hpcq("run", str(path), "--shots", "2", *jit, timeout=120)
        assert done.returncode == 1, (jit, done.returncode, done.stderr)
        assert f"{rule_of(case)}:" in done.stderr and str(path) in done.stderr
        assert "Traceback" not in done.stderr


def test_labels_may_be_null_or_global_strings() -> None:
    text = module(
        "  call void @__quantum__qis__mz__body(ptr null, ptr writeonly null)\n"
        "  call void @__quantum__rt__result_record_output(ptr null, ptr null)\n"
        "  ret i64 0\n"
    )
    assert check(text) == []
    unterminated = module(MEASURE).replace('c"r0\\00"', 'c"r00"')
    assert {v.rule for v in check(unterminated)} == {"output-label"}
    writable = module(MEASURE).replace("@r0 = internal constant", "@r0 = internal global")
    assert {v.rule for v in check(writable)} == {"output-label"}


# A loop that flips the qubit three times (the measured bit is 1), then records the count.
COUNTED_LOOP = (
    "  br label %loop\n"
    "loop:\n"
    "  %i = phi i64 [ 0, %entry ], [ %next, %loop ]\n"
    "  call void @__quantum__qis__x__body(ptr null)\n"
    "  %next = add i64 %i, 1\n"
    "  %more = icmp slt i64 %next, 3\n"
    "  br i1 %more, label %loop, label %done\n"
    "done:\n"
    "  call void @__quantum__qis__mz__body(ptr null, ptr writeonly null)\n"
    "  call void @__quantum__rt__result_record_output(ptr null, ptr @r0)\n"
    "  call void @__quantum__rt__int_record_output(i64 %next, ptr @n)\n"
    "  ret i64 0\n"
)

# Repeat until success: measure after a Hadamard until the outcome is 1.
UNTIL_ONE = (
    "  br label %try\n"
    "try:\n"
    "  call void @__quantum__qis__h__body(ptr null)\n"
    "  call void @__quantum__qis__mz__body(ptr null, ptr writeonly null)\n"
    "  %one = call i1 @__quantum__rt__read_result(ptr null)\n"
    "  call void @__quantum__qis__x__body(ptr null)\n"
    "  br i1 %one, label %done, label %undo\n"
    "undo:\n"
    "  call void @__quantum__qis__x__body(ptr null)\n"
    "  br label %try\n"
    "done:\n"
    "  call void @__quantum__rt__result_record_output(ptr null, ptr @r0)\n"
    "  ret i64 0\n"
)


@pytest.mark.parametrize("loops", ["i2 3", "i2 -2", "i1 true"])
def test_declared_loops_pass_check(loops: str) -> None:
    assert check(module(COUNTED_LOOP, loops=loops)) == []
    assert {v.rule for v in check(module(COUNTED_LOOP, loops="i1 false"))} == {"back-edge"}
    assert {v.rule for v in check(module(COUNTED_LOOP))} == {"back-edge"}


def test_declared_loops_run_as_qir_runner_runs_them(tmp_path: Path) -> None:
    text = module(COUNTED_LOOP, loops="i2 3")
    program = build(text, tmp_path / "loop")
    done = execute(str(program), "--shots", "3", "--seed", "1")
    assert done.returncode == 0, done.stderr
    shots = parse_output(done.stdout)
    assert [s.records for s in shots] == [[("RESULT", "1", "r0"), ("INT", "3", "n")]] * 3
    assert run_output(_write(tmp_path, text), shots=3, seed=1, jit=True) == done.stdout
    until = build(module(UNTIL_ONE, loops="i2 3"), tmp_path / "until")
    done = execute(str(until), "--shots", "50", "--seed", "2")
    assert done.returncode == 0, done.stderr
    assert {r for s in parse_output(done.stdout) for r in s.records} == {("RESULT", "1", "r0")}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "module.ll"
    path.write_text(text)
    return path


FOREVER = (
    "  br label %spin\nspin:\n  call void @__quantum__qis__x__body(ptr null)\n  br label %spin\n"
)


def test_a_declared_loop_that_never_ends_is_stopped(tmp_path: Path) -> None:
    program = build(module(FOREVER, loops="i2 3"), tmp_path / "forever")
    done = execute(str(program), "--shots", "2", "--max-loop-iterations", "1000", timeout=120)
    assert done.returncode == 1
    assert "hpcq runtime: error: more than 1000 loop iterations in one shot" in done.stderr
    assert "--max-loop-iterations" in done.stderr
    # the default limit ends it too, and so does the JIT
    done = execute(str(program), timeout=300)
    assert done.returncode == 1 and "loop iterations in one shot" in done.stderr
    with pytest.raises(QirError, match="loop iterations in one shot"):
        run_output(_write(tmp_path, module(FOREVER, loops="i2 3")), shots=1, seed=1, jit=True)
    bad = execute(str(program), "--max-loop-iterations", "0")
    assert bad.returncode == 2 and "--max-loop-iterations needs a positive integer" in bad.stderr


def huge_result(id_: int, use: str) -> str:
    pointer = f"ptr inttoptr (i64 {id_ - 2**64 if id_ >= 2**63 else id_} to ptr)"
    body = {
        "measure": "  call void @__quantum__qis__mz__body(ptr null, "
        f"{pointer.replace('ptr ', 'ptr writeonly ', 1)})\n",
        "read": f"  %b = call i1 @__quantum__rt__read_result({pointer})\n",
        "record": f"  call void @__quantum__rt__result_record_output({pointer}, ptr @r0)\n",
    }[use]
    return module(body + "  ret i64 0\n")


@pytest.mark.parametrize("use", ["measure", "read", "record"])
@pytest.mark.parametrize("id_", [2**63, 2**64 - 1, 2**40])
def test_huge_result_ids_are_a_runtime_error(id_: int, use: str, tmp_path: Path) -> None:
    # the profile check refuses them (result-id), but build does not apply that rule
    text = huge_result(id_, use)
    assert "result-id" in {v.rule for v in check(text)}
    program = build(text, tmp_path / "huge")
    done = execute(str(program), timeout=60)
    assert done.returncode == 1, done.stderr
    assert f"hpcq runtime: error: result id {id_} is beyond the runtime's limit" in done.stderr


SEED = str(2**64 - 1)


def test_every_64_bit_seed_is_accepted(tmp_path: Path, run_hpcq) -> None:  # type: ignore[no-untyped-def]
    text = module("  call void @__quantum__qis__h__body(ptr null)\n" + MEASURE)
    program = build(text, tmp_path / "coin")
    done = execute(str(program), "--shots", "20", "--seed", SEED)
    assert done.returncode == 0, done.stderr
    again = execute(str(program), "--shots=20", f"--seed={SEED}")
    assert again.stdout == done.stdout and len(parse_output(done.stdout)) == 20
    assert execute(str(program), "--seed", str(2**63)).returncode == 0
    for bad in (str(2**64), "-1", "+-1", " 1", "1x", ""):
        refused = execute(str(program), "--seed", bad)
        assert refused.returncode == 2, bad
        assert f"--seed needs an integer from 0 to {SEED}" in refused.stderr
    path = _write(tmp_path, text)
    assert run_output(path, shots=20, seed=2**64 - 1) == done.stdout
    assert run_output(path, shots=20, seed=2**64 - 1, jit=True) == done.stdout
    with pytest.raises(ValueError, match="seed"):
        run_output(path, shots=1, seed=2**64)
    cli = run_hpcq("run", str(path), "--shots", "5", "--seed", SEED)
    assert cli.returncode == 0, cli.stderr


def test_a_computed_nan_angle_is_a_runtime_error(tmp_path: Path) -> None:
    body = (
        "  %zero = fsub double 1.0, 1.0\n"
        "  %nan = fdiv double %zero, %zero\n"
        "  call void @__quantum__qis__rx__body(double %nan, ptr null)\n" + MEASURE
    )
    program = build(module(body), tmp_path / "nan")
    done = execute(str(program))
    assert done.returncode == 1
    assert "hpcq runtime: error: __quantum__qis__rx__body: the angle is nan" in done.stderr


@pytest.mark.slow
@pytest.mark.skipif(VALGRIND is None, reason="valgrind is not installed")
def test_loops_and_limits_are_leak_free_under_valgrind(tmp_path: Path) -> None:
    loop = build(module(COUNTED_LOOP, loops="i2 3"), tmp_path / "loop")
    forever = build(module(FOREVER, loops="i2 3"), tmp_path / "forever")
    huge = build(huge_result(2**63, "measure"), tmp_path / "huge")
    for command, status in (
        ([str(loop), "--shots", "5", "--seed", SEED], 0),
        ([str(forever), "--max-loop-iterations", "100"], 1),
        ([str(huge)], 1),
    ):
        done = execute(
            str(VALGRIND),
            "--leak-check=full",
            "--error-exitcode=99",
            *command,
            timeout=300,
        )
        assert done.returncode == status, done.stderr
        assert "ERROR SUMMARY: 0 errors" in done.stderr


def test_large_finite_angles_are_not_refused() -> None:
    text = module("  call void @__quantum__qis__rx__body(double 1.0e+300, ptr null)\n" + MEASURE)
    assert check(text) == []


def test_instrumented_loops_pass_check_with_extensions() -> None:
    # what build links: the loop counter hpcq adds is one of its known extensions, so
    # check (and build's check of the functions the runtime provides) accept it
    instrumented = bound_loops(module(COUNTED_LOOP, loops="i2 3"))
    assert f"call void @{LOOP_STEP}()" in instrumented
    assert check(instrumented, extensions=True) == []
    assert check(add_main(instrumented), extensions=True) == []
    plain = check(instrumented)
    assert [(v.rule, v.function) for v in plain] == [("declaration", LOOP_STEP)]
    assert "an hpcq extension" in plain[0].message


def test_hpcq_run_takes_the_loop_limit(run_hpcq, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path, module(FOREVER, loops="i2 3"))
    for jit in (("--jit",), ()):
        done = run_hpcq(
            "run", str(path), "--shots", "2", "--max-loop-iterations", "1000", *jit, timeout=300
        )
        assert done.returncode == 1, (jit, done.stderr)
        assert "more than 1000 loop iterations in one shot" in done.stderr, (jit, done.stderr)
        assert "--max-loop-iterations" in done.stderr and "Traceback" not in done.stderr
    # a limit the loop stays within changes nothing; a limit below it stops the shot
    counted = _write(tmp_path, module(COUNTED_LOOP, loops="i2 3"))
    for jit in (False, True):
        assert run_output(counted, shots=2, seed=1, jit=jit, max_loop_iterations=3)
        with pytest.raises(QirError, match="more than 2 loop iterations"):
            run_output(counted, shots=2, seed=1, jit=jit, max_loop_iterations=2)
    # the JIT's limit is per run: the next run without one has the default again
    assert run_output(counted, shots=1, seed=1, jit=True)
    with pytest.raises(ValueError, match="max_loop_iterations"):
        run_output(counted, shots=1, max_loop_iterations=0)
    refused = run_hpcq("run", str(counted), "--max-loop-iterations", "0")
    assert refused.returncode == 2 and "--max-loop-iterations" in refused.stderr
