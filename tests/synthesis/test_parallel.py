"""The parallel path: the searches' tasks on a runtime under mpiexec give the serial result."""

from __future__ import annotations

from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("mpi_synthesize.py")


@pytest.mark.mpi
@pytest.mark.slow
@pytest.mark.parametrize("ranks", [1, 2, 4])
def test_synthesis_on_the_runtime_matches_serial(run_mpi, ranks: int) -> None:  # type: ignore[no-untyped-def]
    result = run_mpi(ranks, ["python", str(SCRIPT)], timeout=240)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2, result.stdout
    random3, toffoli = lines
    workers = f"workers={max(ranks - 1, 0)}"
    assert random3.startswith("random3") and "cx=14 ok=True same=True" in random3
    assert toffoli.startswith("toffoli") and "cx=6 ok=True same=True" in toffoli
    assert workers in random3, random3
