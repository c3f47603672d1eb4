"""The runtime under mpiexec (world sizes 1, 2, 4 and a manager tier), attached, and -m."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from testsupport import mpi_environment

SCRIPTS = Path(__file__).parent / "scripts"
API = str(SCRIPTS / "api.py")


def assert_all_ok(out: subprocess.CompletedProcess[str]) -> None:
    assert out.returncode == 0, out.stdout + out.stderr
    assert "FAIL" not in out.stdout, out.stdout + out.stderr
    assert out.stdout.rstrip().endswith("DONE"), out.stdout + out.stderr


@pytest.mark.mpi
@pytest.mark.parametrize("size", [1, 2, 4])
def test_api_under_mpiexec(run_mpi, size: int) -> None:
    out = run_mpi(size, ["python", API, "world"], timeout=120)
    assert_all_ok(out)
    expected = "mode serial workers 0" if size == 1 else f"mode world workers {size - 1}"
    assert expected in out.stdout
    assert "OK nested-blocking" in out.stdout


@pytest.mark.mpi
@pytest.mark.slow
def test_api_with_a_node_manager(run_mpi) -> None:
    # two "nodes" of three ranks: server + 2 workers, manager + 2 workers
    out = run_mpi(
        6, ["python", "-m", "hpcq.runtime", API, "world"], env={"HPCQ_RANKS_PER_NODE": "3"}
    )
    assert_all_ok(out)
    assert "mode world workers 4" in out.stdout


@pytest.mark.mpi
def test_python_m_hpcq_runtime_runs_the_script_on_rank_0(run_mpi, tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text(
        "import sys\n"
        "from hpcq.runtime.client import RuntimeClient\n"
        "def inc(x):\n    return x + 1\n"
        "if __name__ == '__main__':\n"
        "    print('args', sys.argv[1:])\n"
        "    with RuntimeClient() as c:\n"
        "        print('sum', sum(c.map(inc, range(10)).result()))\n"
    )
    out = run_mpi(3, ["python", "-m", "hpcq.runtime", str(script), "a", "b"])
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("args ['a', 'b']") == 1
    assert "sum 55" in out.stdout


@pytest.mark.mpi
@pytest.mark.parametrize("size", [1, 2, 4])
def test_cli_hook_serves_non_zero_ranks(run_mpi, size: int) -> None:
    out = run_mpi(size, ["python", str(SCRIPTS / "cli_hook.py")])
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("command ran with") == 1
    assert f"command ran with {size - 1} workers" in out.stdout
    assert "result [1, 2, 3]" in out.stdout


def _spawned_processes() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"spawned_main" in cmdline:
                pids.append(int(entry.name))
    return pids


@pytest.mark.mpi
def test_attached_mode_spawns_and_leaves_nothing_behind() -> None:
    before = set(_spawned_processes())
    out = subprocess.run(
        [sys.executable, API, "attached", "2"],
        capture_output=True,
        text=True,
        timeout=120,
        env=mpi_environment(),
        stdin=subprocess.DEVNULL,
    )
    assert_all_ok(out)
    assert "mode attached workers 2" in out.stdout
    deadline = time.monotonic() + 5
    while set(_spawned_processes()) - before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not set(_spawned_processes()) - before


@pytest.mark.mpi
def test_attached_clients_one_after_another(tmp_path: Path) -> None:
    script = tmp_path / "again.py"
    script.write_text(
        "from hpcq.runtime.client import RuntimeClient\n"
        "if __name__ == '__main__':\n"
        "    for i in range(3):\n"
        "        with RuntimeClient(2) as c:\n"
        "            print('round', i, c.map(abs, [-i, -1]).result(), flush=True)\n"
    )
    out = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        env=mpi_environment(),
        stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:3] == [f"round {i} [{i}, 1]" for i in range(3)]


@pytest.mark.mpi
def test_attached_stops_at_interpreter_exit_without_close() -> None:
    code = (
        "from hpcq.runtime.client import RuntimeClient\n"
        "c = RuntimeClient(2)\n"
        "print(c.mode, c.submit(abs, -4).result(), flush=True)\n"
    )
    before = set(_spawned_processes())
    start = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env=mpi_environment(),
        stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["attached", "4"]
    assert time.monotonic() - start < 30
    time.sleep(0.5)
    assert not set(_spawned_processes()) - before


def assert_logs_forwarded(out: subprocess.CompletedProcess[str]) -> None:
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.search(
        r"LOG demo\.chatty DEBUG rank=[1-9] \[rank [1-9]\] debug from a task", out.stdout
    )
    assert "error from a task" in out.stdout
    assert "must not appear" not in out.stdout + out.stderr
    assert "below the root level" not in out.stdout + out.stderr
    # the client's levels were applied on the worker
    assert "levels on the worker (True, False)" in out.stdout


@pytest.mark.mpi
@pytest.mark.parametrize("size", [2, 4])
def test_logging_under_mpiexec(run_mpi, size: int) -> None:
    out = run_mpi(size, ["python", str(SCRIPTS / "logs.py"), "world"])
    assert_logs_forwarded(out)


@pytest.mark.mpi
def test_logging_attached() -> None:
    out = subprocess.run(
        [sys.executable, str(SCRIPTS / "logs.py"), "attached", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        env=mpi_environment(),
        stdin=subprocess.DEVNULL,
    )
    assert_logs_forwarded(out)
