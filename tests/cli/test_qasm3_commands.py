"""OpenQASM 3 at the command line: every command that takes a file reads it (the
version line decides), and ``hpcq compile --format qasm3`` writes it, reading back
equal."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from hpcq import Circuit
from hpcq.compiler_cli import render
from hpcq.ir import equivalent

RunHpcq = Callable[..., subprocess.CompletedProcess[str]]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

# Constructs of OpenQASM 3 that OpenQASM 2 does not have: qubit/bit declarations,
# modifiers, assignment-style measurement.
BELL3 = """OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
bit[2] c;
h q[0];
ctrl @ x q[0], q[1];
c = measure q;
"""

GHZ3 = """OPENQASM 3.0;
include "stdgates.inc";
const int n = 3;
qubit[n] q;
bit[n] c;
h q[0];
cx q[0], q[1];
ctrl @ x q[1], q[2];
inv @ s q[2];
s q[2];
c = measure q;
"""


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text)
    return path


def _ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    return proc


# --- reading OpenQASM 3 ----------------------------------------------------------------


def test_stats_reads_openqasm3(run_hpcq: RunHpcq, tmp_path: Path) -> None:
    path = _write(tmp_path, "ghz3.qasm", GHZ3)
    (entry,) = [json.loads(_ok(run_hpcq("stats", "--json", str(path))).stdout)]
    circuit = Circuit.from_file(path)
    assert entry["qubits"] == 3 == circuit.num_qubits
    assert entry["operations"] == len(circuit)
    assert entry["ops"] == circuit.count_ops() and entry["ops"]["cx"] == 2


def test_run_reads_openqasm3(run_hpcq: RunHpcq, tmp_path: Path) -> None:
    path = _write(tmp_path, "bell3.qasm", BELL3)
    proc = _ok(run_hpcq("run", str(path), "--shots", "200", "--seed", "7", "--json", timeout=300))
    counts = json.loads(proc.stdout)
    # A Bell pair: only 00 and 11, every shot counted.
    assert set(counts) <= {"00", "11"} and sum(counts.values()) == 200


def test_compile_reads_openqasm3(run_hpcq: RunHpcq, tmp_path: Path) -> None:
    path = _write(tmp_path, "ghz3.qasm", GHZ3)
    out = tmp_path / "ghz3.out.qasm"
    _ok(run_hpcq("compile", str(path), "-O1", "-o", str(out)))
    compiled = Circuit.from_file(out)
    original = Circuit.from_file(path)
    assert equivalent(
        compiled.without_measurements().unitary(), original.without_measurements().unitary()
    )


def test_a_malformed_openqasm3_input_is_one_error_line(run_hpcq: RunHpcq, tmp_path: Path) -> None:
    path = _write(
        tmp_path, "loop.qasm", BELL3.replace("h q[0];", "for int i in [0:2] { h q[0]; }")
    )
    proc = run_hpcq("compile", str(path), "-O1")
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"hpcq: error: {path}:5:1: 'for' loops are not supported: hpcq reads circuits, "
        "not classical programs"
    ]


# --- writing OpenQASM 3 ----------------------------------------------------------------


@pytest.mark.parametrize("source", ["bell3", "qft5"])
def test_format_qasm3_output_reads_back_equal(
    run_hpcq: RunHpcq, tmp_path: Path, source: str
) -> None:
    path = _write(tmp_path, "bell3.qasm", BELL3) if source == "bell3" else EXAMPLES / "qft5.qasm"
    as2, as3 = tmp_path / "as2.qasm", tmp_path / "as3.qasm"
    common = [str(path), "-O2", "--seed", "3"]
    _ok(run_hpcq("compile", *common, "-o", str(as2)))
    _ok(run_hpcq("compile", *common, "-o", str(as3), "--format", "qasm3"))
    text = as3.read_text()
    assert text.startswith("OPENQASM 3.0;")
    assert not as2.read_text().startswith("OPENQASM 3")
    # The same compiled circuit, whichever version it was written in.
    assert Circuit.from_file(as3) == Circuit.from_file(as2)


def test_render_qasm3_reads_back_equal() -> None:
    circuit = Circuit.from_file(EXAMPLES / "teleport.qasm")
    text = render(circuit, "qasm3", "teleport.qasm")
    assert text.startswith("OPENQASM 3.0;")
    assert Circuit.from_qasm(text) == circuit


def test_format_qasm3_on_standard_output(run_hpcq: RunHpcq) -> None:
    proc = _ok(run_hpcq("compile", str(EXAMPLES / "bell.qasm"), "-O1", "--format", "qasm3"))
    assert proc.stdout.startswith("OPENQASM 3.0;")
    assert Circuit.from_qasm(proc.stdout).count_ops()["cx"] == 1


def test_format_qasm3_into_a_directory_writes_qasm_files(
    run_hpcq: RunHpcq, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    inputs = [str(EXAMPLES / "bell.qasm"), str(EXAMPLES / "ghz5.qasm")]
    _ok(run_hpcq("compile", *inputs, "-O1", "-o", str(out), "--format", "qasm3"))
    written = sorted(out.iterdir())
    assert [p.name for p in written] == ["bell.qasm", "ghz5.qasm"]
    for p in written:
        assert p.read_text().startswith("OPENQASM 3.0;")
        Circuit.from_file(p)


def test_format_qasm3_contradicts_an_ll_output(run_hpcq: RunHpcq, tmp_path: Path) -> None:
    proc = run_hpcq(
        "compile", str(EXAMPLES / "bell.qasm"), "-o", str(tmp_path / "b.ll"), "--format", "qasm3"
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("hpcq: error: --format qasm3 contradicts")


def test_resume_keeps_a_complete_qasm3_output(run_hpcq: RunHpcq, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = tmp_path / "report.json"
    args = [str(EXAMPLES / "bell.qasm"), "-O1", "-o", str(out), "--format", "qasm3"]
    _ok(run_hpcq("compile", *args, "--report", str(report)))
    before = (out / "bell.qasm").read_text()
    proc = _ok(run_hpcq("compile", *args, "--report", str(report), "--resume"))
    assert "skipped" in proc.stderr
    assert (out / "bell.qasm").read_text() == before


def test_resume_compiles_again_when_the_other_version_is_asked_for(
    run_hpcq: RunHpcq, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = [str(EXAMPLES / "bell.qasm"), "-O1", "-o", str(out)]
    _ok(run_hpcq("compile", *args))
    proc = _ok(run_hpcq("compile", *args, "--format", "qasm3", "--resume"))
    assert "is OpenQASM 2, not the version asked for; compiling it again" in proc.stderr
    assert (out / "bell.qasm").read_text().startswith("OPENQASM 3.0;")
