"""The first compile of an installation says why it is slow, on a terminal only."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ghz5.qasm"
MESSAGE = "first run: compiling hpcq's numba kernels"


def _compile_at_a_terminal(cache: Path) -> str:
    """``hpcq compile EXAMPLE -O2`` with its standard error on a pseudo-terminal."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), HPCQ_NO_MPI="1")
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hpcq", "compile", str(EXAMPLE), "-O2"],
        stdout=subprocess.DEVNULL,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=600) == 0
    return b"".join(chunks).decode(errors="replace")


@pytest.mark.slow
def test_first_run_says_kernels_compile_then_stays_quiet(tmp_path: Path) -> None:
    cache = tmp_path / "numba-cache"
    first = _compile_at_a_terminal(cache)
    assert MESSAGE in first and "hpcq warmup" in first
    assert MESSAGE not in _compile_at_a_terminal(cache)


@pytest.mark.slow
def test_no_word_when_not_a_terminal(tmp_path: Path) -> None:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cold"), HPCQ_NO_MPI="1")
    done = subprocess.run(
        [sys.executable, "-m", "hpcq", "compile", str(EXAMPLE), "-O2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert MESSAGE not in done.stderr
