"""The progress line of ``hpcq compile``: stage, sweep, blocks of the sweep and an ETA."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import hpcq
from hpcq.compiler_cli import Progress

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _last_line(stream: io.StringIO) -> str:
    return stream.getvalue().split("\r\033[K")[-1]


def test_line_shows_run_sweep_blocks_and_an_eta() -> None:
    # Before: "circuits 0/1 blocks 12/40 x.qasm" and no ETA until a circuit was done.
    terminal = _Terminal()
    progress = Progress(1, terminal)
    progress.begin("tfim.qasm")
    progress.on_blocks("run", 2, 3)
    progress.on_blocks("sweep", 4, 3)
    progress.stage_start -= 6.0  # six seconds into the sweep
    progress.on_blocks("blocks", 12, 36)
    line = _last_line(terminal)
    assert "circuits 0/1" in line and "tfim.qasm" in line
    assert "run 2/3" in line and "sweep 4 (3-qubit blocks)" in line
    assert "blocks 12/36" in line
    assert "sweep ETA 12 s" in line  # 6 s for 12 blocks, 24 to go
    progress.on_blocks("sweep", 5, 2)
    line = _last_line(terminal)
    assert line.endswith("sweep 5 (2-qubit blocks)")
    progress.on_blocks("verify", 0, 0)
    assert _last_line(terminal).endswith("tfim.qasm: run 2/3, verify")


def test_no_bar_when_not_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(2, stream)
    progress.begin("a.qasm")
    progress.on_blocks("sweep", 1, 3)
    progress.on_blocks("blocks", 1, 5)
    progress.finish("done a")
    assert stream.getvalue() == "done a\n"


def test_compile_reports_runs_sweeps_blocks_and_verify() -> None:
    events: list[tuple[str, int, int]] = []

    def record(event: str, done: int, total: int) -> Any:
        events.append((event, done, total))

    hpcq.compile(EXAMPLES / "ghz5.qasm", 3, seed=1, progress=record)
    kinds = [event for event, _, _ in events]
    assert kinds[0] == "run" and kinds[-1] == "verify"
    runs = [(done, total) for event, done, total in events if event == "run"]
    assert runs == [(i + 1, len(runs)) for i in range(len(runs))]
    sweeps = [(done, total) for event, done, total in events if event == "sweep"]
    assert sweeps and all(total in (2, 3, 4) for _, total in sweeps)
    assert sweeps[-1][1] == 4  # the final 4-qubit sweep
