"""A watchdog process that names the rank that died first on rank 0's node.

When a rank dies of a signal under Hydra's ``mpiexec``, Hydra kills every other rank at
once and prints the PID of whichever rank it picks, so no hpcq code on the surviving
ranks gets to say which rank died. Rank 0 therefore starts this small process (plain
Python, standard library only, in a session of its own so the launcher's clean-up does
not reach it). Every rank on the node hands it a copy of its standard output and error
and its PMI socket (over a Unix socket) and it holds a pidfd of each rank. Hydra
notices a dead rank when that rank's PMI socket and output pipes close, which cannot
happen while the watchdog holds copies: so the watchdog sees the first death first.
It prints::

    hpcq: rank 2 (pid 4242 on node1) died (killed by signal 9); the job is ending

then lets go of the pipes, and Hydra ends the job as usual. Rank 0 tells it over a pipe
when a shutdown is orderly (it then lets go and exits silently); it also exits when rank
0 is gone. Run as a script: ``watchdog.py SOCKET_NAME``; it prints ``ready`` once it
listens, reads the table of ranks as one JSON line on standard input, then waits for
``quiet`` or end of file there.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import select
import signal
import socket
import struct
import subprocess
import sys
from typing import IO

ROLE_NAMES = {"server": "server rank", "manager": "manager rank", "worker": "rank"}

READY_TIMEOUT = 5.0


class Watchdog:
    """Rank 0's handle on its watchdog process (start it before the ranks' set-up)."""

    def __init__(self) -> None:
        self.socket_name = f"hpcq-watchdog-{os.getpid()}-{secrets.token_hex(6)}"
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-S", __file__, self.socket_name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._pipe: IO[str] | None = self.process.stdin
        ready, _, _ = select.select([self.process.stdout], [], [], READY_TIMEOUT)
        if not ready or self.process.stdout.readline().strip() != "ready":
            self.quiet()
            raise OSError("the rank watchdog did not start")
        self.process.stdout.close()

    def watch(self, table: list[tuple[int, int, str, str]]) -> None:
        """Start watching ``(rank, pid, host, role)`` of each rank on this node."""
        if self._pipe is None:
            return
        try:
            self._pipe.write(json.dumps([list(row) for row in table]) + "\n")
            self._pipe.flush()
        except OSError:
            self._pipe = None

    def quiet(self) -> None:
        """The coming exits are orderly: the watchdog exits without a word. Idempotent."""
        pipe, self._pipe = self._pipe, None
        if pipe is None:
            return
        try:
            pipe.write("quiet\n")
            pipe.close()
        except OSError:
            pass


def hand_over_output(socket_name: str, rank: int) -> None:
    """On a rank of rank 0's node: give the watchdog copies of stdout and stderr."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(READY_TIMEOUT)
        sock.connect("\0" + socket_name)
        socket.send_fds(sock, [struct.pack("!i", rank)], _held_fds())
        sock.recv(1)


def _held_fds() -> list[int]:
    """This rank's stdout, stderr and PMI socket: how a launcher notices a rank ending."""
    fds = [1, 2]
    value = os.environ.get("PMI_FD", "")
    if value.isdigit():
        try:
            os.fstat(int(value))
            fds.append(int(value))
        except OSError:
            pass
    return fds


def _exit_status(pid: int) -> str:
    """How ``pid`` (a zombie not yet reaped by its parent) ended, from /proc."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        code = int(fields[-1])
    except (OSError, ValueError, IndexError):
        return "ended"
    if code & 0x7F:
        return f"killed by signal {code & 0x7F}"
    return f"exited with status {code >> 8}"


class _State:
    def __init__(self, listener: socket.socket) -> None:
        self.listener = listener
        self.poller = select.poll()
        self.pidfds: dict[int, tuple[int, int, str, str]] = {}
        self.held: list[int] = []
        self.commands = b""
        self.table_read = False

    def accept(self) -> None:
        conn, _ = self.listener.accept()
        with conn:
            conn.settimeout(1.0)
            uid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[
                1
            ]
            try:
                _, fds, _, _ = socket.recv_fds(conn, 16, 8)
            except OSError:
                return
            if uid != os.getuid():
                for fd in fds:
                    os.close(fd)
                return
            self.held.extend(fds)
            with contextlib.suppress(OSError):
                conn.sendall(b"k")

    def read_table(self, line: bytes) -> None:
        for rank, pid, host, role in json.loads(line):
            row = (int(rank), int(pid), str(host), str(role))
            try:
                fd = os.pidfd_open(row[1])
            except OSError:
                continue
            self.pidfds[fd] = row
            self.poller.register(fd, select.POLLIN)
        self.table_read = True

    def release(self) -> None:
        for fd in self.held:
            with contextlib.suppress(OSError):
                os.close(fd)
        self.held = []


def _report(dead: list[tuple[int, int, str, str]], out: IO[str]) -> None:
    statuses = {row[0]: _exit_status(row[1]) for row in dead}
    for rank, pid, host, role in sorted(dead):
        name = ROLE_NAMES.get(role, "rank")
        out.write(f"hpcq: {name} {rank} (pid {pid} on {host}) died ({statuses[rank]}); ")
        out.write("the job is ending\n")
    out.flush()


def watch(listener: socket.socket, command_fd: int, out: IO[str]) -> int:
    """Wait until a rank exits or rank 0 says ``quiet``; report an unexpected exit."""
    state = _State(listener)
    state.poller.register(listener.fileno(), select.POLLIN)
    state.poller.register(command_fd, select.POLLIN | select.POLLHUP)
    try:
        while True:
            events = state.poller.poll()
            dead = [state.pidfds[fd] for fd, _ in events if fd in state.pidfds]
            if dead:
                _report(dead, out)
                return 0
            for fd, _ in events:
                if fd == listener.fileno():
                    state.accept()
                elif fd == command_fd:
                    chunk = os.read(command_fd, 4096)
                    state.commands += chunk
                    if b"quiet" in state.commands:
                        return 0
                    if not state.table_read and b"\n" in state.commands:
                        line, state.commands = state.commands.split(b"\n", 1)
                        state.read_table(line)
                    if not chunk:
                        return _after_rank0_closed(state, out)
    finally:
        state.release()


def _after_rank0_closed(state: _State, out: IO[str]) -> int:
    """Rank 0 closed the pipe without ``quiet``: it is exiting; report it unless clean."""
    rank0 = [fd for fd, row in state.pidfds.items() if row[0] == 0]
    if not rank0:
        return 0
    waiter = select.poll()
    waiter.register(rank0[0], select.POLLIN)
    if not waiter.poll(2000):
        return 0
    row = state.pidfds[rank0[0]]
    if _exit_status(row[1]) != "exited with status 0":
        _report([row], out)
    return 0


def main(argv: list[str]) -> int:
    """Script entry: ``watchdog.py SOCKET_NAME``."""
    # the launcher and the terminal signal the ranks; this process leaves with rank 0
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind("\0" + argv[0])
    listener.listen(256)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    os.close(sys.stdout.fileno())
    return watch(listener, 0, sys.stderr)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
