"""The detached server's listener against hostile or broken peers, in-process.

A stand-in for the server records what the listener posts, so these tests need no MPI:
strangers that trickle the handshake, more of them than the cap, and an authenticated
client whose message cannot be unpickled on the server.
"""

from __future__ import annotations

import importlib
import logging
import queue
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from hpcq.exceptions import RuntimeSystemError
from hpcq.runtime import detached
from hpcq.runtime.protocol import ClientBye, RuntimeFailed

TOKEN = b"0123456789abcdef" * 4
# A pickle that names a module nobody has: unpickling it raises ModuleNotFoundError.
FOREIGN_PICKLE = b"cno_such_module\nthing\n."
HANG_GUARD = 60.0


class FakeServer:
    """What the listener needs of a server: ids for clients and an inbox."""

    num_workers = 1

    def __init__(self) -> None:
        self.posted: queue.Queue[tuple[int, object]] = queue.Queue()
        self.clients = 0

    def add_client(self, link: object, levels: dict[str, int]) -> int:
        self.clients += 1
        return 40 + self.clients

    def post(self, client: int, message: object) -> None:
        self.posted.put((client, message))


@pytest.fixture
def listening(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeServer, tuple[str, int]]]:
    monkeypatch.setattr(detached, "HANDSHAKE_TIMEOUT", 2.0)
    monkeypatch.setattr(detached, "MAX_PENDING_HANDSHAKES", 3)
    server = FakeServer()
    listener = detached.Listener(server, "127.0.0.1:0", TOKEN)
    listener.start()
    try:
        yield server, detached.parse_address(listener.address)
    finally:
        listener.close()


class Trickler:
    """A stranger that reads the greeting, then sends one byte a second, never finishing."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.sock = socket.create_connection(address, timeout=HANG_GUARD)
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


def test_strangers_over_the_cap_are_refused_and_slow_ones_cut_off(
    listening: tuple[FakeServer, tuple[str, int]], caplog: pytest.LogCaptureFixture
) -> None:
    server, address = listening
    caplog.set_level(logging.WARNING, logger=detached.__name__)
    held = [Trickler(address) for _ in range(3)]
    assert all(t.greeting.startswith(b"HPCQRT1") for t in held)
    # over the cap: closed before a greeting, whatever the stranger does
    for _ in range(4):
        with socket.create_connection(address, timeout=HANG_GUARD) as sock:
            assert sock.recv(64) == b""
    refused = socket.create_connection(address, timeout=HANG_GUARD)
    with refused, pytest.raises(RuntimeSystemError, match="closed the connection before greet"):
        detached.open_session(refused, TOKEN, {})
    refusals = [r for r in caplog.records if "pending" in r.getMessage()]
    assert len(refusals) == 1 and refusals[0].levelno == logging.WARNING, caplog.text
    # one byte a second would keep a per-receive limit happy forever; the deadline does not
    for trickler in held:
        assert trickler.closed.wait(HANG_GUARD)
    # their slots are free again: a real client authenticates and is registered
    with socket.create_connection(address, timeout=HANG_GUARD) as sock:
        welcome = detached.open_session(sock, TOKEN, {})
        assert welcome.num_workers == 1
    assert server.posted.get(timeout=HANG_GUARD) == (welcome.client, ClientBye())


def test_authenticated_clients_do_not_count_against_the_cap(
    listening: tuple[FakeServer, tuple[str, int]],
) -> None:
    _, address = listening
    sockets: list[socket.socket] = []
    try:
        # more clients than the cap, each one authenticated before the next connects
        for _ in range(5):
            sockets.append(socket.create_connection(address, timeout=HANG_GUARD))
            detached.open_session(sockets[-1], TOKEN, {})
        with socket.create_connection(address, timeout=HANG_GUARD) as late:
            assert detached.open_session(late, TOKEN, {}).num_workers == 1
    finally:
        for sock in sockets:
            sock.close()


def test_unreadable_message_is_answered_and_drops_the_client(
    listening: tuple[FakeServer, tuple[str, int]],
) -> None:
    server, address = listening
    with socket.create_connection(address, timeout=HANG_GUARD) as sock:
        welcome = detached.open_session(sock, TOKEN, {})
        detached.send_payload(sock, FOREIGN_PICKLE)
        answer = detached.recv_frame(sock)
        assert isinstance(answer, RuntimeFailed)
        assert "could not unpickle the message: No module named 'no_such_module'" in (
            answer.message
        )
        assert sock.recv(64) == b""
    # dropped as if it had left: the server is told once, and that client only
    assert server.posted.get(timeout=HANG_GUARD) == (welcome.client, ClientBye())
    with socket.create_connection(address, timeout=HANG_GUARD) as sock:
        other = detached.open_session(sock, TOKEN, {})
        assert other.client != welcome.client
    assert server.posted.get(timeout=HANG_GUARD) == (other.client, ClientBye())
    assert server.posted.empty()


class NeedsAMissingModule:
    """Pickles fine here; unpickling it imports a module that does not exist."""

    def __reduce__(self) -> tuple[object, ...]:
        return importlib.import_module, ("no_such_module",)


def test_unreadable_hello_is_a_clear_error_for_the_client(
    listening: tuple[FakeServer, tuple[str, int]],
) -> None:
    server, address = listening
    with socket.create_connection(address, timeout=HANG_GUARD) as sock:
        levels: Any = {"x": NeedsAMissingModule()}
        with pytest.raises(RuntimeSystemError, match="No module named 'no_such_module'"):
            detached.open_session(sock, TOKEN, levels)
    with socket.create_connection(address, timeout=HANG_GUARD) as sock:
        assert detached.open_session(sock, TOKEN, {}).num_workers == 1
    # only the client that got through was ever registered
    assert server.clients == 1
