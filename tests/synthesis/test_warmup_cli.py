"""``hpcq warmup``."""

from __future__ import annotations

import argparse

import pytest

from hpcq.synthesis import cli


def test_warmup_compiles_and_reports(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="hpcq")
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["warmup"])
    assert args.func(args) == 0
    assert "synthesis kernels" in capsys.readouterr().out


def test_hpcq_warmup_command(run_hpcq) -> None:  # type: ignore[no-untyped-def]
    result = run_hpcq("warmup", timeout=300)
    assert result.returncode == 0, result.stderr
    assert "synthesis kernels" in result.stdout
