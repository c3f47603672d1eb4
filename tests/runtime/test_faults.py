"""Faults: crashes outside tasks abort, a killed worker ends the job, signals stop all."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from testsupport import find_mpiexec, mpi_environment

SCRIPTS = Path(__file__).parent / "scripts"
FAULTS = str(SCRIPTS / "faults.py")
EARLY = str(SCRIPTS / "early.py")
ARGV_MAIN = str(SCRIPTS / "argv_main.py")

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


@pytest.mark.parametrize("n", [2, 4])
def test_killed_worker_ends_the_job_naming_the_rank(run_mpi, n: int) -> None:
    out, elapsed = timed(run_mpi, n, ["python", FAULTS, "world", "kill-worker"], timeout=30)
    assert out.returncode != 0
    assert "scenario finished" not in out.stdout
    assert elapsed < 10
    # Hydra names some PID; the watchdog names the rank that died first
    pid = re.search(r"killing worker pid (\d+)", out.stdout).group(1)
    assert re.search(
        rf"hpcq: rank [1-9]\d* \(pid {pid} on .+\) died \(killed by signal 9\)", out.stderr
    ), out.stderr


@pytest.mark.parametrize(
    ("n", "rank", "others"), [(2, 0, "barrier"), (4, 0, "barrier"), (4, 2, "runtime")]
)
def test_exception_before_mpi_init_aborts_the_job(run_mpi, n: int, rank: int, others: str) -> None:
    """A rank fails before MPI_Init while the others wait in it: no hang."""
    out, elapsed = timed(run_mpi, n, ["python", EARLY, str(rank), others], timeout=30)
    assert out.returncode != 0
    assert f"hpcq: unhandled RuntimeError on rank {rank} (" in out.stderr, out.stderr
    assert f"RuntimeError: early failure on rank {rank}" in out.stderr
    assert "finished" not in out.stdout
    assert elapsed < 10


def test_workers_load_the_main_script_with_rank_0_argv(run_mpi) -> None:
    out = run_mpi(3, ["python", ARGV_MAIN, "hey"], timeout=60)
    assert out.returncode == 0, out.stderr
    # the functions come from the script as loaded on the workers, with rank 0's argv
    assert "results ['HEY', 'HEYHEY', 'HEYHEYHEY']" in out.stdout
    assert out.stderr == "", out.stderr


def _sigterm_every_rank(pids: list[int], proc: subprocess.Popen[str]) -> tuple[float, str]:
    start = time.monotonic()
    for pid in pids:
        os.kill(pid, signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return time.monotonic() - start, err


def test_sigterm_to_every_rank_stops_quietly() -> None:
    """As ``scancel`` does: SIGTERM reaches every rank at once, tasks are running."""
    mpiexec = find_mpiexec()
    assert mpiexec is not None
    proc = subprocess.Popen(
        [mpiexec, "-n", "3", sys.executable, FAULTS, "world", "wait"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=mpi_environment(),
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    pids = [int(p) for p in proc.stdout.readline().split()[1:]]
    assert len(pids) == 3
    assert proc.stdout.readline().strip() == "waiting"
    time.sleep(0.5)
    elapsed, err = _sigterm_every_rank(pids, proc)
    assert elapsed < 5
    assert proc.returncode == 143, err
    assert err.count("hpcq: stopped by SIGTERM") == 1, err
    assert "aborting" not in err and "Traceback" not in err and "BAD TERMINATION" not in err


def _siblings(pid: int) -> list[int]:
    """``pid`` and the other processes with its parent (the ranks Hydra's proxy started)."""

    def parent(p: str) -> int:
        return int(Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[1])

    proxy = parent(str(pid))
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if parent(entry.name) == proxy:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def test_sigterm_to_every_rank_of_serve_stops_quietly(tmp_path: Path) -> None:
    mpiexec = find_mpiexec()
    assert mpiexec is not None
    token = tmp_path / "token"
    proc = subprocess.Popen(
        [
            mpiexec,
            "-n",
            "3",
            sys.executable,
            "-m",
            "hpcq",
            "serve",
            "--address",
            "127.0.0.1:0",
            "--token-file",
            str(token),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=mpi_environment(),
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    match = re.search(r"\(pid (\d+)\)", first)
    assert match, first
    pids = _siblings(int(match.group(1)))
    assert len(pids) == 3, pids
    elapsed, err = _sigterm_every_rank(pids, proc)
    assert elapsed < 5
    assert proc.returncode == 143, err
    assert err.count("hpcq: stopped by SIGTERM") == 1, err
    assert "aborting" not in err and "Traceback" not in err and "BAD TERMINATION" not in err


def _launchers() -> set[int]:
    """PIDs of Hydra process managers started for spawned ranks (``-pmi_args``)."""
    found = set()
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if entry.name.isdigit() and b"-pmi_args" in (entry / "cmdline").read_bytes():
                found.add(int(entry.name))
    return found


def test_killed_attached_worker_ends_the_job(tmp_path: Path) -> None:
    earlier = _launchers()
    start = time.monotonic()
    # Output goes to files, not pipes: the test waits for the program itself, not for
    # every process that might still hold a copy of its stdout.
    with open(tmp_path / "out", "w") as out_file, open(tmp_path / "err", "w") as err_file:
        proc = subprocess.Popen(
            [sys.executable, FAULTS, "attached", "kill-worker"],
            stdout=out_file,
            stderr=err_file,
            text=True,
            env=mpi_environment(),
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # MPICH's process manager signals the whole group
        )
        try:
            returncode = proc.wait(timeout=30)
        finally:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
    stdout = (tmp_path / "out").read_text()
    stderr = (tmp_path / "err").read_text()
    assert returncode != 0
    assert "scenario finished" not in stdout
    assert time.monotonic() - start < 10
    # the client got an error naming the lost rank and could still clean up
    match = re.search(r"killing worker pid (\d+)", stdout)
    assert match is not None, stdout + stderr
    pid = match.group(1)
    assert re.search(
        rf"client saw RuntimeSystemError: .*worker rank \d \(pid {pid} on .*\).* died", stdout
    ), stdout + stderr
    # The process manager it spawned through (in a session of its own) is gone too.
    deadline = time.monotonic() + 5
    while _launchers() - earlier and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _launchers() - earlier


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
        assert proc.stdout.readline().startswith("ranks ")
        assert proc.stdout.readline().strip() == "waiting"
        time.sleep(0.5)
        start = time.monotonic()
        os.kill(pid, signum)
        proc.wait(timeout=15)
        assert time.monotonic() - start < 5
        if signum == signal.SIGTERM:
            # rank 0 passes SIGTERM on to its node's ranks: a quiet, orderly stop
            err = proc.stderr.read() if proc.stderr else ""
            assert proc.returncode == 143, err
            assert "aborting" not in err and "Traceback" not in err, err
        else:
            assert proc.returncode != 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
