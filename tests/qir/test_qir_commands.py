"""The QIR commands as a user meets them: wrong kinds of files, circuits without
measurements, and a run stopped by SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hpcq.qir import emit
from hpcq.qir.execute import run

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

NO_MEASUREMENTS = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];
x q[1];
"""


def test_run_without_measurements_measures_every_qubit(run_hpcq, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "flip.qasm"
    path.write_text(NO_MEASUREMENTS)
    done = run_hpcq("run", str(path), "--shots", "10", "--seed", "1", "--json")
    assert done.returncode == 0, done.stderr
    assert "no measurements: measuring every qubit" in done.stderr
    import json

    # the bits c stay 0 (nothing writes them); meas holds the qubits, q[1] = 1
    assert json.loads(done.stdout) == {"10 00": 10}
    table = run_hpcq("run", str(path), "--shots", "4", "--seed", "1")
    assert table.stdout.splitlines()[1].split() == ["10", "00", "4", "1.0000"]


def test_run_api_measures_every_qubit_too(tmp_path: Path) -> None:
    path = tmp_path / "flip.qasm"
    path.write_text(NO_MEASUREMENTS.replace("creg c[2];\n", ""))
    assert run(path, shots=5, seed=1) == {"10": 5}


def test_run_of_a_module_recording_nothing_says_so(run_hpcq, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from hpcq import Circuit

    path = tmp_path / "silent.ll"
    path.write_text(emit(Circuit(1).x(0)))
    done = run_hpcq("run", str(path), "--shots", "3")
    assert done.returncode == 1
    assert f"hpcq: error: {path}: the program records no output" in done.stderr


def test_check_of_openqasm_says_to_compile_it(run_hpcq, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "x.qasm"
    path.write_text(NO_MEASUREMENTS)
    for command in (("qir", "check", str(path)), ("build", str(path), "-o", str(tmp_path / "x"))):
        done = run_hpcq(*command)
        assert done.returncode == 1
        assert f"hpcq: error: {path}: an OpenQASM file, not QIR" in done.stderr
        assert "hpcq compile" in done.stderr and "LLVM" not in done.stderr
    # the same text under another name is recognized by its first line
    disguised = tmp_path / "x.ll"
    disguised.write_text(NO_MEASUREMENTS)
    done = run_hpcq("qir", "check", str(disguised))
    assert done.returncode == 1 and "an OpenQASM file, not QIR" in done.stderr


def test_check_of_a_file_that_is_not_utf8_names_it(run_hpcq, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "latin1.ll"
    path.write_bytes(b"; caf\xe9\ndefine i64 @x() {\n  ret i64 0\n}\n")
    done = run_hpcq("qir", "check", str(path))
    assert done.returncode == 1
    assert done.stderr.startswith(f"hpcq: error: {path}: not UTF-8 text")
    assert "line 1" in done.stderr and "Traceback" not in done.stderr


def test_bitcode_named_ll_is_read_as_bitcode(run_hpcq, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from hpcq import Circuit
    from hpcq.qir import emit_bitcode

    path = tmp_path / "bell.ll"
    path.write_bytes(emit_bitcode(Circuit(2, 2).h(0).cx(0, 1).measure(0, 0).measure(1, 1)))
    done = run_hpcq("qir", "check", str(path))
    assert done.returncode == 0, done.stderr


SLOW_CC = """#!/bin/sh
# a C compiler that never finishes: the run is stopped while it waits
touch "$STARTED"
exec sleep 600
"""


@pytest.mark.slow
def test_sigterm_removes_the_temporary_build_directory(tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    compiler = tmp_path / "slowcc"
    compiler.write_text(SLOW_CC)
    compiler.chmod(0o755)
    started = tmp_path / "started"
    env = dict(os.environ, TMPDIR=str(temp), HPCQ_CC=str(compiler), STARTED=str(started))
    env["HPCQ_CACHE_DIR"] = str(tmp_path / "cache")
    command = [sys.executable, "-m", "hpcq", "run", str(ROOT / "examples" / "bell.qasm")]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not started.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started.exists(), "the compiler was never started"
        assert list(temp.glob("hpcq-run-*"))
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 143, stderr
    assert "stopped by SIGTERM" in stderr
    assert list(temp.iterdir()) == []


def test_run_help_says_openqasm_2_or_3(run_hpcq) -> None:  # type: ignore[no-untyped-def]
    done = run_hpcq("run", "--help")
    text = " ".join(done.stdout.split())
    assert done.returncode == 0 and "OpenQASM 2 or 3" in text, text
    assert "OpenQASM 2)" not in text and "OpenQASM 2 file" not in text
    assert "--max-loop-iterations" in text
