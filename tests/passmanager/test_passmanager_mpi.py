"""``run`` on a list through the hpcq runtime under ``mpiexec``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


@pytest.mark.mpi
@pytest.mark.parametrize("ranks", [2, 4])
def test_run_list_under_mpiexec(run_mpi, shared_dir: Path, ranks: int) -> None:  # type: ignore[no-untyped-def]
    circuits = [str(shared_dir / name) for name in ("qft5.qasm", "adder9.qasm", "tfim.qasm")]
    env = {"PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)])}
    proc = run_mpi(ranks, ["python", str(HERE / "mpi_run_list.py"), *circuits], env=env)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "has_runtime True" in lines
    assert "toy [12346789, 45654, 36784]" in lines
    assert "values [1, 2, 3, 4]" in lines
    assert "remote True" in lines
    # the pass's own exception, across ranks, with the input named in a note
    assert "error found 2 in 2 | while running the pass manager on input 1" in lines
    assert "circuits 3 True" in lines
