"""The ``hpcq`` command: help, version, info, stats on every shared circuit, errors."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from hpcq import Circuit, __version__

RunHpcq = Callable[..., subprocess.CompletedProcess[str]]


def test_help_lists_the_commands(run_hpcq: RunHpcq) -> None:
    result = run_hpcq("--help")
    assert result.returncode == 0, result.stderr
    for word in ("usage: hpcq", "info", "stats", "--version", "--debug", "examples:"):
        assert word in result.stdout
    assert run_hpcq("stats", "--help").stdout.count("--json") >= 1


def test_no_command_prints_help_and_fails(run_hpcq: RunHpcq) -> None:
    result = run_hpcq()
    assert result.returncode == 2
    assert "usage: hpcq" in result.stdout


def test_version(run_hpcq: RunHpcq) -> None:
    result = run_hpcq("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"hpcq {__version__}"


def test_info_reports_versions_and_mpi(run_hpcq: RunHpcq) -> None:
    result = run_hpcq("info")
    assert result.returncode == 0, result.stderr
    rows = dict(line.split(None, 1) for line in result.stdout.splitlines() if line.strip())
    assert rows["hpcq"].strip() == __version__
    for key in ("python", "numpy", "numba", "llvmlite", "mpi4py"):
        assert key in rows
    assert "MPI library" in result.stdout and "world size" in result.stdout
    assert "C compiler" in result.stdout
    disabled = run_hpcq("info", env={"HPCQ_NO_MPI": "1"})
    assert "disabled by HPCQ_NO_MPI" in disabled.stdout


def test_stats_text_on_every_shared_circuit(run_hpcq: RunHpcq, shared_dir: Path) -> None:
    paths = sorted(shared_dir.glob("*.qasm"))
    result = run_hpcq("stats", *map(str, paths))
    assert result.returncode == 0, result.stderr
    blocks = result.stdout.split(f"{shared_dir}/")[1:]
    assert len(blocks) == len(paths)
    for path, block in zip(paths, blocks, strict=True):
        circuit = Circuit.from_file(path)
        assert block.startswith(path.name)
        assert f"qubits      {circuit.num_qubits}\n" in block
        assert f"operations  {len(circuit)}\n" in block
        assert f"depth       {circuit.depth()}\n" in block
        for name, count in circuit.count_ops().items():
            assert f"    {name:<10}{count}\n" in block


def test_stats_json_on_every_shared_circuit(run_hpcq: RunHpcq, shared_dir: Path) -> None:
    paths = sorted(shared_dir.glob("*.qasm"))
    result = run_hpcq("stats", "--json", *map(str, paths))
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)
    assert [e["file"] for e in entries] == [str(p) for p in paths]
    for path, entry in zip(paths, entries, strict=True):
        circuit = Circuit.from_file(path)
        assert entry["qubits"] == circuit.num_qubits
        assert entry["clbits"] == circuit.num_clbits
        assert entry["operations"] == len(circuit)
        assert entry["depth"] == circuit.depth()
        assert entry["ops"] == circuit.count_ops()
    single = json.loads(run_hpcq("stats", "--json", str(paths[0])).stdout)
    assert single["file"] == str(paths[0])


def test_a_malformed_file_is_one_line_error(run_hpcq: RunHpcq, tmp_path: Path) -> None:
    path = tmp_path / "bad.qasm"
    path.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncx q[0], r[1];\n')
    result = run_hpcq("stats", str(path))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == f"hpcq: error: {path}:4:10: undefined register 'r'\n"


def test_a_missing_file_is_one_line_error(run_hpcq: RunHpcq, tmp_path: Path) -> None:
    result = run_hpcq("stats", str(tmp_path / "absent.qasm"))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("hpcq: error:") and "absent.qasm" in lines[0]


def test_debug_shows_the_traceback(run_hpcq: RunHpcq, tmp_path: Path) -> None:
    path = tmp_path / "bad.qasm"
    path.write_text("OPENQASM 2.0;\nqreg q[1];\nh q[0];\n")
    result = run_hpcq("--debug", "stats", str(path))
    assert result.returncode != 0
    assert "Traceback (most recent call last)" in result.stderr
    assert "QasmError" in result.stderr and "undefined gate 'h'" in result.stderr


def test_bad_usage_exits_2(run_hpcq: RunHpcq) -> None:
    result = run_hpcq("stats")
    assert result.returncode == 2
    assert "usage:" in result.stderr


@pytest.mark.parametrize("example", sorted(Path(__file__).parents[2].glob("examples/*.qasm")))
def test_stats_on_examples(run_hpcq: RunHpcq, example: Path) -> None:
    result = run_hpcq("stats", "--json", str(example))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["qubits"] == Circuit.from_file(example).num_qubits


def test_workers_without_mpi_say_so_and_run_serially(run_hpcq: RunHpcq, tmp_path: Path) -> None:
    out = tmp_path / "bell.qasm"
    result = run_hpcq(
        "compile", "examples/bell.qasm", "-O1", "-o", str(out), "--workers", "2",
        env={"HPCQ_NO_MPI": "1"}, cwd=str(Path(__file__).resolve().parents[2]),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "2 workers requested but HPCQ_NO_MPI is set: running serially" in result.stderr
    assert out.exists()
