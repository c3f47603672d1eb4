"""Shared fixtures: paths to the benchmark circuits and an ``mpiexec`` launcher.

MPI tests do not run pytest itself under mpiexec: they launch ``mpiexec -n N`` on a
small script or the ``hpcq`` command in a subprocess, with a timeout, and check what it
printed. That keeps one pytest process, works at any world size, and turns a hang into
a test failure instead of a stuck CI job.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from testsupport import (
    SHARED_CIRCUITS,
    RunMpi,
    find_mpiexec,
    mpi_environment,
)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED_CIRCUITS.is_dir():
        pytest.skip(f"{SHARED_CIRCUITS} not found (clone with ../shared beside the repo)")
    return SHARED_CIRCUITS


@pytest.fixture(scope="session")
def run_mpi() -> RunMpi:
    """``run_mpi(n, args, timeout=120, env=None, cwd=None)``: run ``mpiexec -n n args``.

    ``args`` is a list whose first item may be ``"python"`` (replaced by this
    interpreter). Returns the completed process (text, stdout and stderr captured);
    a timeout fails the test with what was printed so far.
    """
    mpiexec = find_mpiexec()
    if mpiexec is None:
        pytest.skip("mpiexec not found: install the 'mpich' extra (pip install mpich)")
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        pytest.skip("mpi4py is not installed")

    def run(
        n: int,
        args: Sequence[str],
        timeout: float = 120,
        env: dict[str, str] | None = None,
        cwd: str | Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable if a == "python" else a for a in args]
        cmd = [mpiexec, "-n", str(n), *argv]
        try:
            return subprocess.run(
                cmd,
                capture_output=True,
                text=True,
                timeout=timeout,
                env=mpi_environment(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout or ""
            err = exc.stderr or ""
            pytest.fail(
                f"mpiexec -n {n} {' '.join(args)} timed out after {timeout}s\n"
                f"stdout:\n{out}\nstderr:\n{err}"
            )

    return run


@pytest.fixture
def run_hpcq() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run_hpcq(*args, timeout=120, env=None, cwd=None)``: the ``hpcq`` command."""

    def run(
        *args: str,
        timeout: float = 120,
        env: dict[str, str] | None = None,
        cwd: str | Path | None = None,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hpcq", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=mpi_environment(env),
            cwd=cwd,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
        )

    return run
