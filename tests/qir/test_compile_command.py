"""``hpcq compile prog.ll``: another producer's QIR, optimized, with the same outputs."""

from __future__ import annotations

from pathlib import Path

import pytest
import qirrunner
from producers import module_text, total_variation

from hpcq.qir.output import counts as parse_counts

SHOTS = 2000


def qir_runner_counts(path: Path, seed: int) -> dict[str, int]:
    handler = qirrunner.OutputHandler()
    qirrunner.run(str(path), shots=SHOTS, rng_seed=seed, output_fn=handler.handle)
    return parse_counts(handler.get_output())


@pytest.mark.parametrize("program", ["pytket-rotations-base", "qsharp-rotation-base"])
def test_compile_of_a_producer_module_keeps_its_output_distribution(
    run_hpcq, tmp_path: Path, program: str
) -> None:
    source = tmp_path / "prog.ll"
    source.write_text(module_text(program))
    optimized = tmp_path / "prog.opt.ll"
    out = run_hpcq("compile", str(source), "-O3", "--seed", "1", "-o", str(optimized))
    assert out.returncode == 0, out.stderr
    assert "CX" in out.stderr + out.stdout
    checked = run_hpcq("qir", "check", str(optimized))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    distance = total_variation(qir_runner_counts(source, 5), qir_runner_counts(optimized, 6))
    assert distance < 0.05, distance


def test_compile_of_an_adaptive_module_is_one_error_naming_the_construct(
    run_hpcq, tmp_path: Path
) -> None:
    source = tmp_path / "teleport.ll"
    source.write_text(module_text("qsharp-teleport-adaptive"))
    out = run_hpcq("compile", str(source), "-O1", "-o", str(tmp_path / "out.ll"))
    assert out.returncode == 1
    errors = [line for line in out.stderr.splitlines() if line.startswith("hpcq: error:")]
    assert len(errors) == 1 and "teleport.ll" in errors[0], out.stderr
    assert "Traceback" not in out.stderr
