"""Detached mode: ``hpcq serve``, authenticated clients, several at once, crashes."""

from __future__ import annotations

import os
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from testsupport import ROOT, find_mpiexec, mpi_environment

from hpcq.runtime import detached
from hpcq.runtime.protocol import RuntimeFailed

SCRIPTS = Path(__file__).parent / "scripts"

pytestmark = pytest.mark.mpi


class Served:
    def __init__(self, proc: subprocess.Popen[str], address: str, token: Path, rank0: int) -> None:
        self.rank0 = rank0
        self.proc = proc
        self.address = address
        self.token = token

    def run(
        self, script: str, *args: str, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                str(SCRIPTS / script),
                "detached",
                self.address,
                str(self.token),
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=mpi_environment(),
            stdin=subprocess.DEVNULL,
        )


def start_serve(
    tmp_path: Path, launcher: list[str], settings: dict[str, float] | None = None
) -> Served:
    """``hpcq serve`` on a free port; ``settings`` overrides constants of the detached module."""
    token = tmp_path / "secret" / "token"
    if settings:
        patch = "".join(f"detached.{name} = {value!r}\n" for name, value in settings.items())
        program = [
            "-c",
            "import sys\nfrom hpcq.runtime import detached\n"
            f"{patch}from hpcq.cli import main\nsys.exit(main(sys.argv[1:]))\n",
        ]
    else:
        program = ["-m", "hpcq"]
    proc = subprocess.Popen(
        [
            *launcher,
            sys.executable,
            *program,
            "serve",
            "--address",
            "127.0.0.1:0",
            "--token-file",
            str(token),
            *([] if launcher else ["--workers", "2"]),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=mpi_environment({"PYTHONPATH": os.pathsep.join([str(SCRIPTS), str(ROOT)])}),
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    second = proc.stdout.readline()
    match = re.search(r"on (127\.0\.0\.1:\d+) \(pid (\d+)\)", first)
    assert match, first + (proc.stderr.read() if proc.poll() is not None else "")
    assert second.strip() == f"token file: {token}"
    return Served(proc, match.group(1), token, int(match.group(2)))


def stop(served: Served) -> float:
    start = time.monotonic()
    os.kill(served.rank0, signal.SIGTERM)
    try:
        served.proc.wait(timeout=15)
    finally:
        if served.proc.poll() is None:
            os.killpg(served.proc.pid, signal.SIGKILL)
            served.proc.wait()
    return time.monotonic() - start


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    mpiexec = find_mpiexec()
    assert mpiexec is not None
    handle = start_serve(tmp_path_factory.mktemp("serve"), [mpiexec, "-n", "3"])
    yield handle
    assert stop(handle) < 5
    # SIGTERM is a normal stop request: one line and the conventional status 128 + 15
    err = handle.proc.stderr.read() if handle.proc.stderr else ""
    assert handle.proc.returncode == 143, err
    assert "hpcq: stopped by SIGTERM" in err


def test_token_file_is_private(served: Served) -> None:
    mode = stat.S_IMODE(served.token.stat().st_mode)
    assert mode == 0o600


def test_two_clients_at_once(served: Served) -> None:
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                str(SCRIPTS / "api.py"),
                "detached",
                served.address,
                str(served.token),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=mpi_environment({"API_SHARED_RUNTIME": "1"}),
            stdin=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, out + err
        assert "FAIL" not in out and out.rstrip().endswith("DONE"), out + err
        assert "mode detached workers 2" in out


def test_logging_reaches_the_detached_client(served: Served) -> None:
    out = served.run("logs.py")
    assert out.returncode == 0, out.stderr
    assert "LOG demo.chatty DEBUG rank=" in out.stdout
    assert "error from a task" in out.stdout
    assert "must not appear" not in out.stdout and "below the root level" not in out.stdout


def test_wrong_token_is_refused_and_harms_nobody(served: Served, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("0" * 64 + "\n")
    wrong.chmod(0o600)
    out = subprocess.run(
        [sys.executable, str(SCRIPTS / "api.py"), "detached", served.address, str(wrong)],
        capture_output=True,
        text=True,
        timeout=60,
        env=mpi_environment(),
    )
    assert out.returncode != 0
    assert "authentication" in out.stderr
    readable = tmp_path / "readable"
    readable.write_text("1" * 64 + "\n")
    readable.chmod(0o644)
    out = subprocess.run(
        [sys.executable, str(SCRIPTS / "api.py"), "detached", served.address, str(readable)],
        capture_output=True,
        text=True,
        timeout=60,
        env=mpi_environment(),
    )
    assert "accessible by other users" in out.stderr
    assert served.run("logs.py").returncode == 0


def test_crashed_client_harms_nobody(served: Served) -> None:
    code = (
        "import sys, time\n"
        "from hpcq.runtime.client import RuntimeClient\n"
        "c = RuntimeClient(address=sys.argv[1], token_file=sys.argv[2])\n"
        "f = c.map(time.sleep, [0.3] * 6)\n"
        "print('submitted', flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, served.address, str(served.token)],
        stdout=subprocess.PIPE,
        text=True,
        env=mpi_environment(),
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "submitted"
    proc.kill()
    proc.wait()
    out = served.run("api.py")
    assert out.returncode == 0 and out.stdout.rstrip().endswith("DONE"), out.stdout + out.stderr


def test_serve_without_mpiexec_spawns_workers(tmp_path: Path) -> None:
    handle = start_serve(tmp_path, [])
    try:
        out = handle.run("logs.py")
        assert out.returncode == 0, out.stderr
        assert "error from a task" in out.stdout
    finally:
        assert stop(handle) < 5


# A client that runs one task; a builtin, so that nothing of this file needs unpickling.
ONE_TASK = (
    "import sys\n"
    "from hpcq.runtime.client import RuntimeClient\n"
    "with RuntimeClient(address=sys.argv[1], token_file=sys.argv[2]) as client:\n"
    "    print('RESULT', client.submit(pow, 7, 2).result(timeout=60), flush=True)\n"
)
HANG_GUARD = 60.0


def run_one_task(served: Served) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", ONE_TASK, served.address, str(served.token)],
        capture_output=True,
        text=True,
        timeout=120,
        env=mpi_environment(),
        stdin=subprocess.DEVNULL,
    )


class Trickler:
    """A stranger that reads the greeting, then sends one byte a second, never finishing."""

    def __init__(self, address: str) -> None:
        self.sock = socket.create_connection(detached.parse_address(address), timeout=HANG_GUARD)
        self.greeting = self.sock.recv(64)
        self.closed = threading.Event()
        if self.greeting:
            threading.Thread(target=self._trickle, daemon=True).start()

    def _trickle(self) -> None:
        self.sock.settimeout(1.0)
        try:
            for _ in range(int(HANG_GUARD)):
                self.sock.sendall(b"\0")
                try:
                    if not self.sock.recv(64):
                        break
                except TimeoutError:
                    continue
        except OSError:
            pass
        finally:
            self.closed.set()
            self.sock.close()


@pytest.mark.slow
def test_slow_and_excess_handshakes_do_not_lock_clients_out(tmp_path: Path) -> None:
    mpiexec = find_mpiexec()
    assert mpiexec is not None
    handle = start_serve(
        tmp_path, [mpiexec, "-n", "2"], {"HANDSHAKE_TIMEOUT": 4.0, "MAX_PENDING_HANDSHAKES": 6}
    )
    try:
        held = [Trickler(handle.address) for _ in range(6)]
        assert all(t.greeting for t in held)
        # over the cap: closed at once, before any greeting
        for _ in range(3):
            excess = Trickler(handle.address)
            assert excess.greeting == b""
        # a byte a second satisfies any per-receive limit; the whole-handshake deadline ends it
        for trickler in held:
            assert trickler.closed.wait(HANG_GUARD)
        # handshakes pending below the cap do not keep a real client out
        pending = [Trickler(handle.address) for _ in range(3)]
        out = run_one_task(handle)
        assert out.returncode == 0 and "RESULT 49" in out.stdout, out.stdout + out.stderr
        for trickler in pending:
            assert trickler.closed.wait(HANG_GUARD)
    finally:
        stop(handle)
    err = handle.proc.stderr.read() if handle.proc.stderr else ""
    # three refusals in a row, one warning
    assert err.count("handshakes already pending") == 1, err


def test_unreadable_message_drops_only_that_client(served: Served) -> None:
    token = detached.read_token(served.token)
    address = detached.parse_address(served.address)
    with socket.create_connection(address, timeout=HANG_GUARD) as sock:
        detached.open_session(sock, token, {})
        # a pickle naming a module the server lacks
        detached.send_payload(sock, b"cno_such_module\nthing\n.")
        answer = detached.recv_frame(sock)
        assert isinstance(answer, RuntimeFailed)
        assert "could not unpickle the message: No module named 'no_such_module'" in (
            answer.message
        )
        assert sock.recv(64) == b""
    out = run_one_task(served)
    assert out.returncode == 0 and "RESULT 49" in out.stdout, out.stdout + out.stderr


def test_client_sending_an_unreadable_message_gets_a_clear_error(
    served: Served, tmp_path: Path
) -> None:
    (tmp_path / "only_here.py").write_text("class Thing:\n    pass\n")
    code = (
        "import sys\n"
        "sys.path.insert(0, sys.argv[3])\n"
        "import only_here\n"
        "from hpcq.exceptions import RuntimeSystemError\n"
        "from hpcq.runtime.client import RuntimeClient\n"
        "client = RuntimeClient(address=sys.argv[1], token_file=sys.argv[2])\n"
        # what a client with a newer protocol, or a bug, would send: a class the
        # server cannot import
        "client._backend._send(only_here.Thing())\n"
        "try:\n"
        "    client.submit(pow, 2, 3).result(timeout=60)\n"
        "except RuntimeSystemError as exc:\n"
        "    print('ERROR', exc, flush=True)\n"
        "client.close()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, served.address, str(served.token), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=mpi_environment(),
        stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 0, out.stderr
    assert "ERROR" in out.stdout and "No module named 'only_here'" in out.stdout, out.stdout
    assert "Traceback" not in out.stderr, out.stderr
    assert run_one_task(served).returncode == 0
