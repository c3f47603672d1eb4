"""Cancelling a running task interrupts it: its worker is free for new work at once."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from testsupport import mpi_environment

SCRIPT = str(Path(__file__).parent / "scripts" / "cancel_running.py")


def assert_new_work_ran(out: subprocess.CompletedProcess[str]) -> None:
    text = out.stdout + out.stderr
    assert "cancel True" in out.stdout, text
    assert re.search(r"^submit 49 IN ", out.stdout, re.M), text
    assert re.search(r"^map OK IN ", out.stdout, re.M), text
    assert out.stdout.rstrip().endswith("DONE"), text
    assert out.returncode == 0, text


@pytest.mark.mpi
@pytest.mark.parametrize("size", [2, 4])
def test_work_after_cancelling_running_tasks_runs(run_mpi, size: int) -> None:
    # one worker at size 2: the submit can only run if the cancelled task was interrupted
    assert_new_work_ran(run_mpi(size, ["python", SCRIPT, "world"], timeout=120))


@pytest.mark.mpi
@pytest.mark.slow
def test_a_node_manager_interrupts_its_workers(run_mpi) -> None:
    out = run_mpi(6, ["python", SCRIPT, "world"], env={"HPCQ_RANKS_PER_NODE": "3"}, timeout=180)
    assert "workers 4" in out.stdout
    assert_new_work_ran(out)


@pytest.mark.mpi
def test_attached_runtime_interrupts_a_cancelled_task() -> None:
    try:
        out = subprocess.run(
            [sys.executable, SCRIPT, "attached", "2"],
            capture_output=True,
            text=True,
            timeout=120,
            env=mpi_environment(None),
            cwd=str(Path(SCRIPT).parent),
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"attached cancel scenario hung:\n{exc.stdout}\n{exc.stderr}")
    assert_new_work_ran(out)
