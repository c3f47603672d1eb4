"""Detached mode: clients in other processes reach the server over TCP.

Security: the listener binds 127.0.0.1 unless told otherwise; both sides prove they know
the shared secret of the token file (mode 0600) by HMAC-SHA256 over a random nonce from
the other side, *before* anything is unpickled. A connection that fails is closed and
logged. The whole handshake has a deadline (:data:`HANDSHAKE_TIMEOUT`) and only
:data:`MAX_PENDING_HANDSHAKES` connections may be handshaking at once, so strangers hold
a bounded number of threads for a bounded time. After that, frames are length-prefixed
pickles; a client whose frame does not unpickle on the server is told why and dropped
as if it had left.

Threads here never call MPI: an accept thread authenticates newcomers, a reader thread
per client posts its messages to the server thread's inbox.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import pickle
import secrets
import socket
import stat
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hpcq import _config
from hpcq.exceptions import RuntimeSystemError
from hpcq.runtime.protocol import (
    ClientBye,
    ClientHello,
    ClientWelcome,
    DeliverResults,
    LogRecords,
    RuntimeFailed,
    TaskResult,
)

logger = logging.getLogger(__name__)

_MAGIC = b"HPCQRT1\n"
_NONCE = 32
_HEADER = struct.Struct("!Q")
_MAX_FRAME = 1 << 34

HANDSHAKE_TIMEOUT = 10.0
"""Seconds a new connection has, in all, to authenticate and send its hello.

However slowly a stranger trickles its bytes, it holds a thread this long at most. A
client needs two round trips (milliseconds); the margin is for a loaded node or a slow
network, and is paid for in how long each hostile connection keeps its slot.
"""

MAX_PENDING_HANDSHAKES = 32
"""Connections that may be handshaking at once; one more is closed before its greeting.

Bounds the threads and sockets that strangers can hold to this many, each for at most
:data:`HANDSHAKE_TIMEOUT`. Higher lets a larger burst of clients connect in the same
instant (one over the cap fails to connect and may retry), lower caps what a flood costs.
Authenticated clients do not count.
"""

# Refusals over the cap are logged once, then counted and reported at most this often,
# so that a flood of connections does not become a flood of log lines.
_REFUSAL_REPORT_INTERVAL = 60.0
# How long a dropped client's further frames are read and discarded: closing with unread
# data makes TCP send a reset, which can destroy the error frame before the client reads it.
_LINGER = 2.0


def default_token_file() -> Path:
    """``$HPCQ_TOKEN_FILE``, else ``~/.hpcq/runtime-token``."""
    return _config.token_file()


def ensure_token(path: Path) -> bytes:
    """Read the token at ``path``, creating it (mode 0600, random) when absent.

    Raises:
        RuntimeSystemError: The file is readable by others, or unusable.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_token(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return read_token(path)


def read_token(path: Path) -> bytes:
    """The secret in a token file, refusing files that others can read."""
    try:
        mode = path.stat().st_mode
        text = path.read_text().strip()
    except OSError as exc:
        raise RuntimeSystemError(f"cannot read the runtime token file {path}: {exc}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise RuntimeSystemError(
            f"the runtime token file {path} is accessible by other users; chmod 600 it"
        )
    if len(text) < 32:
        raise RuntimeSystemError(f"the runtime token file {path} holds no usable token")
    return text.encode()


def parse_address(address: str) -> tuple[str, int]:
    """``HOST:PORT`` -> ``(host, port)``.

    Raises:
        ValueError: Not of that form.
    """
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"runtime address must be HOST:PORT, not {address!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def _proof(token: bytes, role: bytes, nonce: bytes) -> bytes:
    return hmac.new(token, role + nonce, hashlib.sha256).digest()


def _arm(sock: socket.socket, deadline: float | None) -> None:
    """Let the next call on ``sock`` wait until ``deadline`` (``time.monotonic``) at most.

    Raises:
        TimeoutError: The deadline has passed.
    """
    if deadline is None:
        return
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("deadline passed")
    sock.settimeout(remaining)


def _recv_exact(sock: socket.socket, count: int, deadline: float | None = None) -> bytes:
    chunks: list[bytes] = []
    while count:
        # re-armed before every receive: a peer sending a byte at a time must not
        # extend the deadline by resetting a per-receive timeout
        _arm(sock, deadline)
        chunk = sock.recv(min(count, 1 << 20))
        if not chunk:
            raise ConnectionError("connection closed")
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


def send_frame(sock: socket.socket, message: object) -> None:
    """Send one length-prefixed pickled message."""
    send_payload(sock, pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def send_payload(sock: socket.socket, data: bytes) -> None:
    """Send bytes that are already pickled as one frame."""
    sock.sendall(_HEADER.pack(len(data)) + data)


def _recv_payload(sock: socket.socket, deadline: float | None = None) -> bytes:
    (length,) = _HEADER.unpack(_recv_exact(sock, _HEADER.size, deadline))
    if length > _MAX_FRAME:
        raise ConnectionError(f"frame of {length} bytes refused")
    return _recv_exact(sock, length, deadline)


def recv_frame(sock: socket.socket) -> Any:
    """Receive one message (only after authentication)."""
    return pickle.loads(_recv_payload(sock))


# -------------------------------------------------------------------- server side


class _UnreadableMessage(RuntimeSystemError):
    """A frame from an authenticated client that does not unpickle on the server."""


def _unpickle(data: bytes) -> object:
    try:
        return pickle.loads(data)
    except Exception as exc:  # unpickling runs the named classes' code: anything can fail
        detail = str(exc) or type(exc).__name__
        raise _UnreadableMessage(f"could not unpickle the message: {detail}") from exc


def _linger(sock: socket.socket) -> None:
    """Read and discard what the peer still sends until it closes, for ``_LINGER`` at most."""
    deadline = time.monotonic() + _LINGER
    with contextlib.suppress(OSError):
        while True:
            _arm(sock, deadline)
            if not sock.recv(1 << 16):
                return


class _SocketLink:
    """The server's link to one detached client."""

    def __init__(self, sock: socket.socket, on_dead: Callable[[], None]) -> None:
        self._sock = sock
        self._lock = threading.Lock()
        self._on_dead = on_dead
        self.dead = False

    def send(self, message: object) -> None:
        with self._lock:
            if self.dead:
                return
            try:
                send_frame(self._sock, message)
                return
            except OSError as exc:
                logger.info("lost a detached client while sending: %s", exc)
                self.dead = True
        self._on_dead()

    def deliver(self, results: tuple[TaskResult, ...]) -> None:
        self.send(DeliverResults(results))

    def deliver_logs(self, records: tuple[dict[str, object], ...]) -> None:
        self.send(LogRecords(-1, records))

    def failed(self, message: str) -> None:
        self.send(RuntimeFailed(message))

    def drop(self, message: str) -> None:
        """Send the client ``message`` as its last frame, then stop sending (reads go on)."""
        with self._lock:
            if not self.dead:
                self.dead = True
                with contextlib.suppress(OSError):
                    send_frame(self._sock, RuntimeFailed(message))
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_WR)


class Listener:
    """Accepts, authenticates and serves detached clients for a server.

    Args:
        server: The :class:`hpcq.runtime.server.Server` (its ``add_client``/``post``).
        address: ``HOST:PORT`` to bind (port 0 picks a free one).
        token: The shared secret.
        handshake_timeout: Seconds a connection has to authenticate and say hello, in
            all (default :data:`HANDSHAKE_TIMEOUT`).
        max_pending: Connections that may be handshaking at once (default
            :data:`MAX_PENDING_HANDSHAKES`).

    Raises:
        ValueError: ``handshake_timeout`` or ``max_pending`` is not positive, or the
            address is malformed.
    """

    def __init__(
        self,
        server: Any,
        address: str,
        token: bytes,
        *,
        handshake_timeout: float | None = None,
        max_pending: int | None = None,
    ) -> None:
        host, port = parse_address(address)
        # the module constants are read here, not at import, so they can be set first
        self._handshake_timeout = (
            HANDSHAKE_TIMEOUT if handshake_timeout is None else handshake_timeout
        )
        self._max_pending = MAX_PENDING_HANDSHAKES if max_pending is None else max_pending
        if not self._handshake_timeout > 0:
            raise ValueError(f"handshake_timeout must be positive, not {handshake_timeout!r}")
        if self._max_pending < 1:
            raise ValueError(f"max_pending must be at least 1, not {max_pending!r}")
        self._server = server
        self._token = token
        self._pending = 0
        self._pending_lock = threading.Lock()
        self._refused = 0
        self._next_refusal_report = 0.0
        self._sock = socket.create_server((host, port), reuse_port=False)
        self.address = f"{host}:{self._sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._accept, name="hpcq-accept", daemon=True)

    def start(self) -> None:
        """Start accepting clients."""
        self._thread.start()

    def close(self) -> None:
        """Stop accepting."""
        with contextlib.suppress(OSError):
            self._sock.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, peer = self._sock.accept()
            except OSError:
                return
            with self._pending_lock:
                admitted = self._pending < self._max_pending
                if admitted:
                    self._pending += 1
            if not admitted:
                self._refuse(conn, peer)
                continue
            try:
                threading.Thread(
                    target=self._serve_client, args=(conn, peer), name="hpcq-client", daemon=True
                ).start()
            except RuntimeError as exc:  # no thread to be had: refuse, but keep accepting
                logger.warning("closed a connection from %s: %s", peer, exc)
                conn.close()
                with self._pending_lock:
                    self._pending -= 1

    def _refuse(self, conn: socket.socket, peer: object) -> None:
        # no greeting and no thread: a connection over the cap costs one accept and close
        conn.close()
        self._refused += 1
        now = time.monotonic()
        if now >= self._next_refusal_report:
            logger.warning(
                "refused %d connection(s), the last from %s: %d handshakes already pending "
                "(the cap); further refusals are reported at most every %.0f s",
                self._refused,
                peer,
                self._max_pending,
                _REFUSAL_REPORT_INTERVAL,
            )
            self._refused = 0
            self._next_refusal_report = now + _REFUSAL_REPORT_INTERVAL

    def _serve_client(self, conn: socket.socket, peer: object) -> None:
        deadline = time.monotonic() + self._handshake_timeout
        with conn:
            try:
                authenticated = self._authenticate(conn, peer, deadline)
            finally:
                # authenticated clients no longer count against the cap
                with self._pending_lock:
                    self._pending -= 1
            if authenticated:
                self._session(conn, peer, deadline)

    def _session(self, conn: socket.socket, peer: object, deadline: float) -> None:
        client = -1
        link: _SocketLink | None = None
        gone: list[bool] = []

        def leave() -> None:
            if not gone and client >= 0:
                gone.append(True)
                self._server.post(client, ClientBye())

        try:
            # the hello is part of the handshake: it falls under the same deadline
            hello = _unpickle(_recv_payload(conn, deadline))
            if not isinstance(hello, ClientHello):
                raise ConnectionError(f"expected a hello, got {type(hello).__name__}")
            conn.settimeout(None)
            link = _SocketLink(conn, leave)
            client = self._server.add_client(link, hello.levels)
            link.send(ClientWelcome(client, self._server.num_workers))
            logger.info("detached client %s connected from %s", client, peer)
            while True:
                message = _unpickle(_recv_payload(conn))
                self._server.post(client, message)
                if isinstance(message, ClientBye):
                    gone.append(True)
                    return
        except _UnreadableMessage as exc:
            answer = f"the hpcq runtime dropped this client: {exc}"
            if link is None:
                logger.warning("refused the hello of a client from %s: %s", peer, exc)
                with contextlib.suppress(OSError):
                    conn.settimeout(_LINGER)
                    send_frame(conn, RuntimeFailed(answer))
                    conn.shutdown(socket.SHUT_WR)
            else:
                logger.warning("dropped detached client %s from %s: %s", client, peer, exc)
                link.drop(answer)
            # as if it had disconnected: its tasks are cancelled, it is unregistered
            leave()
            _linger(conn)
        except (OSError, ConnectionError) as exc:
            logger.info("detached client %s from %s left: %s", client, peer, exc)
            leave()

    def _authenticate(self, conn: socket.socket, peer: object, deadline: float) -> bool:
        try:
            nonce = secrets.token_bytes(_NONCE)
            _arm(conn, deadline)
            conn.sendall(_MAGIC + nonce)
            answer = _recv_exact(conn, 32 + _NONCE, deadline)
            if not hmac.compare_digest(answer[:32], _proof(self._token, b"client", nonce)):
                logger.warning("refused an unauthenticated connection from %s", peer)
                return False
            _arm(conn, deadline)
            conn.sendall(_proof(self._token, b"server", answer[32:]))
            return True
        except TimeoutError:
            logger.warning(
                "closed a connection from %s: no authentication within %.1f s",
                peer,
                self._handshake_timeout,
            )
            return False
        except (OSError, ConnectionError) as exc:
            logger.warning("connection from %s failed during authentication: %s", peer, exc)
            return False


# -------------------------------------------------------------------- client side


@dataclass
class Connection:
    """A detached client's connection: its backend and how to close it."""

    backend: Any
    sock: socket.socket

    def close(self) -> None:
        """Leave the runtime (its unfinished tasks are cancelled) and disconnect."""
        with contextlib.suppress(OSError, RuntimeSystemError):
            self.backend.leave()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


def connect(address: str, token_file: str | None, levels: dict[str, int]) -> Connection:
    """Connect and authenticate to a detached runtime.

    Raises:
        RuntimeSystemError: Unreachable, or authentication failed either way.
    """
    from hpcq.runtime.client import ClientBackend

    host, port = parse_address(address)
    path = Path(token_file) if token_file is not None else default_token_file()
    token = read_token(path)
    try:
        sock = socket.create_connection((host, port), timeout=10.0)
    except OSError as exc:
        raise RuntimeSystemError(f"cannot reach the hpcq runtime at {address}: {exc}") from exc
    try:
        welcome = open_session(sock, token, levels)
    except (OSError, ConnectionError) as exc:
        sock.close()
        raise RuntimeSystemError(
            f"authentication with the runtime at {address} failed (wrong token file {path}?)"
        ) from exc
    except RuntimeSystemError:
        sock.close()
        raise
    sock.settimeout(None)
    lock = threading.Lock()

    def send(message: object) -> None:
        try:
            with lock:
                send_frame(sock, message)
        except OSError as exc:
            # the server may have said why before it closed the connection
            raise RuntimeSystemError(
                backend.broken or f"the connection to the hpcq runtime was lost: {exc}"
            ) from exc

    backend = ClientBackend(send, welcome.num_workers, welcome.client)
    threading.Thread(target=_read, args=(sock, backend), name="hpcq-reader", daemon=True).start()
    return Connection(backend, sock)


def open_session(sock: socket.socket, token: bytes, levels: dict[str, int]) -> ClientWelcome:
    """The client's half of the handshake on a connected socket: authenticate, say hello.

    Args:
        sock: Connected to a detached runtime, nothing exchanged yet.
        token: The shared secret.
        levels: The client's logging levels (logger name -> level).

    Returns:
        The server's welcome (this client's id, the number of workers).

    Raises:
        RuntimeSystemError: The peer is not an hpcq runtime, or does not know the token.
        OSError: The connection failed (``ConnectionError`` when the peer closed it).
    """
    peer = "{}:{}".format(*sock.getpeername()[:2])
    try:
        greeting = _recv_exact(sock, len(_MAGIC) + _NONCE)
    except ConnectionError as exc:
        # what a server at its cap of pending handshakes does (MAX_PENDING_HANDSHAKES)
        raise RuntimeSystemError(
            f"the runtime at {peer} closed the connection before greeting it (too many "
            "connections handshaking at once?); try again"
        ) from exc
    if not greeting.startswith(_MAGIC):
        raise RuntimeSystemError(f"{peer} is not an hpcq runtime")
    mine = secrets.token_bytes(_NONCE)
    sock.sendall(_proof(token, b"client", greeting[len(_MAGIC) :]) + mine)
    proof = _recv_exact(sock, 32)
    if not hmac.compare_digest(proof, _proof(token, b"server", mine)):
        raise RuntimeSystemError(f"the runtime at {peer} failed to authenticate")
    send_frame(sock, ClientHello(levels))
    welcome = recv_frame(sock)
    if isinstance(welcome, RuntimeFailed):
        raise RuntimeSystemError(welcome.message)
    if not isinstance(welcome, ClientWelcome):
        raise RuntimeSystemError(f"{peer} answered the hello with a {type(welcome).__name__}")
    return welcome


def _read(sock: socket.socket, backend: Any) -> None:
    handlers: dict[type, Callable[[Any], None]] = {
        DeliverResults: lambda m: backend.deliver(m.results),
        LogRecords: lambda m: backend.deliver_logs(m.records),
        RuntimeFailed: lambda m: backend.failed(m.message),
    }
    try:
        while True:
            message = recv_frame(sock)
            handlers[type(message)](message)
    except (OSError, ConnectionError, EOFError):
        if backend.broken is None:
            backend.failed("the connection to the hpcq runtime was lost")
