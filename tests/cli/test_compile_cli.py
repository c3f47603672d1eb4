"""``hpcq compile``: batches, malformed inputs, SIGTERM and --resume, mpiexec."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hpcq.ir import Circuit, hilbert_schmidt_distance

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
BAD = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncx q[0], q[5];\n'


def mpi_environment() -> dict[str, str]:
    """The environment of a child ``hpcq``: one thread, no inherited launcher."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "PMIX_", "HYDRA_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("HPCQ_THREADS", "1")
    return env


def _check_outputs(out_dir: Path, names: list[str]) -> None:
    for name in names:
        compiled = Circuit.from_file(out_dir / f"{name}.qasm")
        original = Circuit.from_file(EXAMPLES / f"{name}.qasm")
        distance = hilbert_schmidt_distance(
            original.without_measurements().unitary(), compiled.without_measurements().unitary()
        )
        # cost threshold 1e-8 per block allows a distance of about 1.4e-4 each
        assert distance < 1e-3, name


def test_batch_with_a_malformed_file(
    tmp_path: Path, run_hpcq: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    bad = tmp_path / "bad.qasm"
    bad.write_text(BAD)
    out = tmp_path / "out"
    report = tmp_path / "report.json"
    proc = run_hpcq(
        "compile", str(EXAMPLES / "qft5.qasm"), str(bad), str(EXAMPLES / "tfim.qasm"),
        "-O2", "-o", str(out), "--seed", "1", "--report", str(report),
    )  # fmt: skip
    assert proc.returncode == 1
    assert f"{bad}:4:10:" in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["qft5.qasm", "tfim.qasm"]
    _check_outputs(out, ["qft5", "tfim"])
    assert "CX" in proc.stdout and "qft5.qasm" in proc.stdout and "60 ->" in proc.stdout
    rows = json.loads(report.read_text())
    assert [r["status"] for r in rows] == ["compiled", "failed", "compiled"]
    assert rows[0]["cx_before"] == 20 and rows[2]["verify"] == "unitary"


def test_single_output_file_and_stdout(
    tmp_path: Path, run_hpcq: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    target = tmp_path / "ghz.qasm"
    proc = run_hpcq("compile", str(EXAMPLES / "ghz5.qasm"), "-O1", "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    assert Circuit.from_file(target).count_ops()["cx"] == 4
    proc = run_hpcq("compile", str(EXAMPLES / "ghz5.qasm"), "-O0")
    assert proc.returncode == 0 and proc.stdout.startswith("OPENQASM 2.0;")


def test_several_inputs_need_a_directory(
    run_hpcq: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    proc = run_hpcq("compile", str(EXAMPLES / "ghz5.qasm"), str(EXAMPLES / "qft5.qasm"))
    assert proc.returncode == 1 and "hpcq: error: several inputs need -o" in proc.stderr


@pytest.mark.slow
def test_sigterm_then_resume(tmp_path: Path) -> None:
    names = [f"c{i}" for i in range(6)]
    for name in names:
        # the same work under different names: a few seconds each at -O2
        (tmp_path / f"{name}.qasm").write_text((EXAMPLES / "tfim.qasm").read_text())
    out = tmp_path / "out"
    report = tmp_path / "report.json"
    inputs = [str(tmp_path / f"{n}.qasm") for n in names]
    cmd = [sys.executable, "-m", "hpcq", "compile", *inputs, "-O2", "-o", str(out), "--seed", "2"]
    cmd += ["--report", str(report)]
    proc = subprocess.Popen(
        cmd, env=mpi_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if out.is_dir() and len(list(out.glob("*.qasm"))) >= 2:
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr
    assert "hpcq: stopped by SIGTERM" in stderr and "Traceback" not in stderr
    finished = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.glob("*.qasm")}
    assert 2 <= len(finished) < len(names), "the run was not interrupted part-way"
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    # The killed job's report is current: the finished circuits with their counts.
    killed = json.loads(report.read_text())
    assert [r["input"] for r in killed] == inputs
    done = [r for r in killed if r["status"] == "compiled"]
    assert sorted(Path(r["output"]).name for r in done) == sorted(finished)
    assert {r["status"] for r in killed} <= {"compiled", "pending"}
    assert all(r["cx_before"] == 60 for r in done)
    resumed = subprocess.run(
        [*cmd, "--resume"], env=mpi_environment(), capture_output=True, text=True, timeout=600
    )
    assert resumed.returncode == 0, resumed.stderr
    after = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.glob("*.qasm")}
    assert sorted(after) == sorted(f"{n}.qasm" for n in names)
    for name, identity in finished.items():
        assert after[name] == identity, f"{name} was rewritten"
    assert resumed.stderr.count("skipped") == len(finished)
    whole = json.loads(report.read_text())
    assert [r["status"] for r in whole] == ["compiled"] * len(names)
    for row in whole:
        if row.get("resumed"):
            (before,) = [r for r in done if r["input"] == row["input"]]
            assert row == {**before, "resumed": True}
    assert sum(bool(r.get("resumed")) for r in whole) == len(finished)
    for name in names:
        compiled = Circuit.from_file(out / f"{name}.qasm")
        original = Circuit.from_file(EXAMPLES / "tfim.qasm")
        assert hilbert_schmidt_distance(compiled.unitary(), original.unitary()) < 1e-3


@pytest.mark.mpi
@pytest.mark.slow
@pytest.mark.parametrize("n", [1, 2, 4])
def test_under_mpiexec(n: int, tmp_path: Path, run_mpi: Callable[..., object]) -> None:
    bad = tmp_path / "bad.qasm"
    bad.write_text(BAD)
    out = tmp_path / "out"
    proc = run_mpi(
        n,
        ["python", "-m", "hpcq", "compile", str(EXAMPLES / "qft5.qasm"), str(bad),
         str(EXAMPLES / "tfim.qasm"), "-O2", "-o", str(out), "--seed", "1"],
        timeout=300,
        cwd=ROOT,
    )  # fmt: skip
    assert isinstance(proc, subprocess.CompletedProcess)
    assert proc.returncode != 0
    assert f"{bad}:4:10:" in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["qft5.qasm", "tfim.qasm"]
    _check_outputs(out, ["qft5", "tfim"])


@pytest.mark.slow
def test_attached_workers(
    tmp_path: Path, run_hpcq: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    out = tmp_path / "out"
    proc = run_hpcq(
        "compile", str(EXAMPLES / "tfim.qasm"), str(EXAMPLES / "qft5.qasm"), "-O2",
        "--workers", "2", "-o", str(out), timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    _check_outputs(out, ["tfim", "qft5"])
    assert os.path.exists(out / "tfim.qasm")
