"""Faults: crashes outside tasks abort, a killed worker ends the job, signals stop all."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from testsupport import find_mpiexec, mpi_environment

FAULTS = str(Path(__file__).parent / "scripts" / "faults.py")

pytestmark = pytest.mark.mpi


def timed(run, *args, **kwargs):
    start = time.monotonic()
    out = run(*args, **kwargs)
    return out, time.monotonic() - start


def test_exception_on_rank_0_ends_the_job(run_mpi) -> None:
    out, elapsed = timed(run_mpi, 3, ["python", FAULTS, "world", "raise-main"], timeout=30)
    assert out.returncode != 0
    assert "boom on rank 0" in out.stderr
    assert elapsed < 10


def test_exception_escaping_a_task_aborts_naming_the_rank(run_mpi) -> None:
    out, elapsed = timed(run_mpi, 3, ["python", FAULTS, "world", "task-exit"], timeout=30)
    assert out.returncode != 0
    assert re.search(r"unhandled exception on worker rank [12]", out.stderr), out.stderr
    assert "SystemExit" in out.stderr
    assert elapsed < 10


def test_killed_worker_ends_the_job(run_mpi) -> None:
    out, elapsed = timed(run_mpi, 3, ["python", FAULTS, "world", "kill-worker"], timeout=30)
    assert out.returncode != 0
    assert "scenario finished" not in out.stdout
    assert elapsed < 10


def test_killed_attached_worker_ends_the_job() -> None:
    start = time.monotonic()
    out = subprocess.run(
        [sys.executable, FAULTS, "attached", "kill-worker"],
        capture_output=True,
        text=True,
        timeout=30,
        env=mpi_environment(),
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # MPICH's process manager signals the whole group
    )
    assert out.returncode != 0
    assert "scenario finished" not in out.stdout
    assert time.monotonic() - start < 10
    # the client got an error naming the lost rank and could still clean up
    pid = re.search(r"killing worker pid (\d+)", out.stdout).group(1)
    assert re.search(
        rf"client saw RuntimeSystemError: .*worker rank \d \(pid {pid} on .*\).* died", out.stdout
    ), out.stdout + out.stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_to_rank_0_stops_every_rank(signum: int) -> None:
    mpiexec = find_mpiexec()
    assert mpiexec is not None
    proc = subprocess.Popen(
        [mpiexec, "-n", "3", sys.executable, FAULTS, "world", "wait"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=mpi_environment(),
        stdin=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        pid = int(re.search(r"rank0 pid (\d+)", first).group(1))
        assert proc.stdout.readline().strip() == "waiting"
        time.sleep(0.5)
        start = time.monotonic()
        os.kill(pid, signum)
        proc.wait(timeout=15)
        assert time.monotonic() - start < 5
        assert proc.returncode != 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
