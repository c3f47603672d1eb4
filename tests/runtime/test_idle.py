"""No rank spins: an idle server, manager or worker uses at most 2% of a core."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from testsupport import mpi_environment

IDLE = str(Path(__file__).parent / "scripts" / "idle.py")

pytestmark = [pytest.mark.mpi, pytest.mark.slow]


def usage(stdout: str) -> dict[str, float]:
    found = {
        f"{role} {rank}": float(pct)
        for role, rank, pct in re.findall(r"IDLE (\w+) rank (\d+) ([\d.]+)%", stdout)
    }
    assert found, stdout
    return found


def test_idle_ranks_under_mpiexec_with_a_manager(run_mpi) -> None:
    out = run_mpi(
        6, ["python", IDLE, "world", "0", "4"], env={"HPCQ_RANKS_PER_NODE": "3"}, timeout=90
    )
    assert out.returncode == 0, out.stderr
    found = usage(out.stdout)
    assert {"server 0", "manager 3", "worker 1", "worker 5"} <= set(found)
    assert max(found.values()) <= 2.0, found


def test_idle_ranks_attached() -> None:
    out = subprocess.run(
        [sys.executable, IDLE, "attached", "2", "4"],
        capture_output=True,
        text=True,
        timeout=90,
        env=mpi_environment(),
        stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 0, out.stderr
    found = usage(out.stdout)
    assert len(found) == 3
    assert max(found.values()) <= 2.0, found
