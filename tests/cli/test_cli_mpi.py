"""The ``hpcq`` command under ``mpiexec``: rank 0 runs it, the other ranks serve and exit."""

from __future__ import annotations

from pathlib import Path

import pytest
from testsupport import EXAMPLES, RunMpi


@pytest.mark.mpi
@pytest.mark.parametrize("size", [1, 2, 4])
def test_info_reports_the_world_and_every_rank_exits(run_mpi: RunMpi, size: int) -> None:
    result = run_mpi(size, ["python", "-m", "hpcq", "info"], timeout=90)
    assert result.returncode == 0, result.stderr
    assert f"world size        {size}" in result.stdout
    # Only rank 0 prints the table.
    assert result.stdout.count("world size") == 1


@pytest.mark.mpi
def test_an_error_on_rank_zero_is_one_line_and_the_job_ends(run_mpi: RunMpi) -> None:
    result = run_mpi(2, ["python", "-m", "hpcq", "stats", "no-such-file.qasm"], timeout=90)
    assert result.returncode != 0
    assert "hpcq: error:" in result.stderr and "no-such-file.qasm" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.mpi
def test_stats_under_mpiexec(run_mpi: RunMpi) -> None:
    result = run_mpi(2, ["python", "-m", "hpcq", "stats", str(EXAMPLES / "bell.qasm")])
    assert result.returncode == 0, result.stderr
    assert "qubits      2" in result.stdout


@pytest.mark.mpi
def test_every_rank_gets_one_blas_thread_under_mpiexec(run_mpi: RunMpi, tmp_path: Path) -> None:
    # Each rank writes its own file: the ranks' stdout interleave through mpiexec.
    script = tmp_path / "threads.py"
    script.write_text(
        "import os, sys, hpcq\n"
        "threads = os.environ['OPENBLAS_NUM_THREADS'], os.environ['NUMBA_NUM_THREADS']\n"
        "out = os.path.join(sys.argv[1], 'rank' + os.environ.get('PMI_RANK', '0'))\n"
        "with open(out, 'w') as f:\n"
        "    f.write(' '.join(threads))\n"
        "print(*threads)\n"
    )
    ranks = tmp_path / "ranks"
    ranks.mkdir()
    result = run_mpi(2, ["python", str(script), str(ranks)], env={"HPCQ_THREADS": "1"})
    assert result.returncode == 0, result.stderr
    assert sorted(p.read_text() for p in ranks.glob("rank*")) == ["1 1", "1 1"]
    result = run_mpi(1, ["python", str(script), str(tmp_path)], env={"HPCQ_THREADS": "3"})
    assert result.stdout.split() == ["3", "3"]


@pytest.mark.mpi
@pytest.mark.parametrize("size", [2, 4])
def test_a_script_failing_after_import_hpcq_aborts_the_job(
    run_mpi: RunMpi, tmp_path: Path, size: int
) -> None:
    # Rank 0 fails before any MPI call while the others wait in a collective: without
    # the excepthook installed by `import hpcq`, they would wait forever.
    script = tmp_path / "early.py"
    script.write_text(
        "import os\n"
        "import hpcq\n"
        "if os.environ.get('PMI_RANK') == '0':\n"
        "    raise RuntimeError('rank 0 fails early')\n"
        "from mpi4py import MPI\n"
        "MPI.COMM_WORLD.Barrier()\n"
    )
    result = run_mpi(size, ["python", str(script)], timeout=30)
    assert result.returncode != 0
    assert "hpcq: unhandled RuntimeError on rank 0" in result.stderr
    assert "rank 0 fails early" in result.stderr
