"""The Slurm templates, submitted to a real Slurm (tests/slurm/run_templates.sh).

Runs when a Slurm controller answers: the one .ci/slurm-up.sh starts (its
configuration is found through ``SLURM_CONF`` or in ``HPCQ_SLURM_DIR``, default
/tmp/hpcq-slurm) or a site's. Where Slurm is not installed or not running, the tests
skip with a message saying how to start one, except when ``CI`` is set: CI starts a
Slurm, so there a missing one is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slurm, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "slurm" / "run_templates.sh"
START_HINT = (
    "start a local one with .ci/slurm-up.sh (root, Debian/Ubuntu apt-get), "
    "then export SLURM_CONF as it prints"
)


def _unavailable(reason: str) -> None:
    message = f"Slurm tests not run: {reason}; {START_HINT}"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set, so Slurm must be running)", pytrace=False)
    pytest.skip(message)


def slurm_environment() -> dict[str, str]:
    """This environment, with SLURM_CONF pointing at slurm-up.sh's cluster if unset."""
    env = dict(os.environ)
    if "SLURM_CONF" not in env:
        scratch = Path(env.get("HPCQ_SLURM_DIR", "/tmp/hpcq-slurm"))
        if (scratch / "slurm.conf").is_file():
            env["SLURM_CONF"] = str(scratch / "slurm.conf")
    # The jobs run this environment's hpcq: the interpreter running the tests.
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    env["HPCQ_VENV"] = sys.prefix
    # Variables of an enclosing job would confuse the test jobs' srun.
    for name in list(env):
        if name.startswith(("SLURM_JOB", "SLURM_STEP", "SLURM_NTASKS", "SLURM_NNODES")):
            del env[name]
    return env


@pytest.fixture(scope="module")
def slurm(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment for run_templates.sh, after checking that Slurm answers."""
    for command in ("sbatch", "sinfo", "squeue", "scancel", "srun"):
        if shutil.which(command) is None:
            _unavailable(f"'{command}' is not installed")
    env = slurm_environment()
    try:
        probe = subprocess.run(
            ["sinfo", "-h", "-o", "%t %c"],
            capture_output=True,
            text=True,
            timeout=20,
            env=env,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        _unavailable("the Slurm controller did not answer 'sinfo' within 20 s")
    if probe.returncode != 0 or not probe.stdout.strip():
        _unavailable(f"no Slurm controller answers ({probe.stderr.strip() or 'no nodes'})")
    if not (Path(sys.prefix) / "bin" / "hpcq").exists():
        pytest.fail(f"hpcq is not installed in {sys.prefix}: pip install -e .", pytrace=False)
    env["HPCQ_SLURM_TEST_DIR"] = str(tmp_path_factory.mktemp("slurm-jobs"))
    return env


def run_step(step: str, env: dict[str, str]) -> str:
    try:
        result = subprocess.run(
            ["bash", str(SCRIPT), step],
            capture_output=True,
            text=True,
            timeout=900,
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"run_templates.sh {step} timed out\n{exc.stdout}\n{exc.stderr}")
    output = f"{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, f"run_templates.sh {step} failed:\n{output}"
    assert f"{step}: OK" in result.stdout, output
    return result.stdout


def test_single_node_template(slurm: dict[str, str]) -> None:
    out = run_step("single-node", slurm)
    assert "single-node: job" in out


def test_requeued_job_resumes_without_rewriting(slurm: dict[str, str]) -> None:
    run_step("resume", slurm)


def test_multi_node_template_on_one_node(slurm: dict[str, str]) -> None:
    run_step("multi-node", slurm)


def test_array_template_covers_every_circuit_once(slurm: dict[str, str]) -> None:
    run_step("array", slurm)


def test_detached_runtime_template_serves_a_client(slurm: dict[str, str]) -> None:
    out = run_step("serve", slurm)
    assert "cancelled and gone" in out


def test_unknown_step_is_refused(slurm: dict[str, str]) -> None:
    result = subprocess.run(
        ["bash", str(SCRIPT), "no-such-template"],
        capture_output=True,
        text=True,
        timeout=60,
        env=slurm,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1
    assert "unknown step 'no-such-template'" in result.stderr
