"""Detached mode: clients in other processes reach the server over TCP.

Security: the listener binds 127.0.0.1 unless told otherwise; both sides prove they know
the shared secret of the token file (mode 0600) by HMAC-SHA256 over a random nonce from
the other side, *before* anything is unpickled. A connection that fails is closed and
logged. After that, frames are length-prefixed pickles.

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


def _recv_exact(sock: socket.socket, count: int) -> bytes:
    chunks: list[bytes] = []
    while count:
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


def recv_frame(sock: socket.socket) -> Any:
    """Receive one message (only after authentication)."""
    (length,) = _HEADER.unpack(_recv_exact(sock, _HEADER.size))
    if length > _MAX_FRAME:
        raise ConnectionError(f"frame of {length} bytes refused")
    return pickle.loads(_recv_exact(sock, length))


# -------------------------------------------------------------------- server side


class _SocketLink:
    """The server's link to one detached client."""

    def __init__(self, sock: socket.socket, on_dead: Callable[[], None]) -> None:
        self._sock = sock
        self._lock = threading.Lock()
        self._on_dead = on_dead
        self.dead = False

    def send(self, message: object) -> None:
        if self.dead:
            return
        try:
            with self._lock:
                send_frame(self._sock, message)
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


class Listener:
    """Accepts, authenticates and serves detached clients for a server.

    Args:
        server: The :class:`hpcq.runtime.server.Server` (its ``add_client``/``post``).
        address: ``HOST:PORT`` to bind (port 0 picks a free one).
        token: The shared secret.
    """

    def __init__(self, server: Any, address: str, token: bytes) -> None:
        host, port = parse_address(address)
        self._server = server
        self._token = token
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
            threading.Thread(
                target=self._serve_client, args=(conn, peer), name="hpcq-client", daemon=True
            ).start()

    def _serve_client(self, conn: socket.socket, peer: object) -> None:
        with conn:
            if not self._authenticate(conn, peer):
                return
            conn.settimeout(None)
            client = -1
            try:
                hello = recv_frame(conn)
                if not isinstance(hello, ClientHello):
                    raise ConnectionError(f"expected a hello, got {type(hello).__name__}")
                gone: list[bool] = []

                def on_dead() -> None:
                    if not gone and client >= 0:
                        gone.append(True)
                        self._server.post(client, ClientBye())

                link = _SocketLink(conn, on_dead)
                client = self._server.add_client(link, hello.levels)
                link.send(ClientWelcome(client, self._server.num_workers))
                logger.info("detached client %s connected from %s", client, peer)
                while True:
                    message = recv_frame(conn)
                    self._server.post(client, message)
                    if isinstance(message, ClientBye):
                        gone.append(True)
                        return
            except (OSError, ConnectionError, pickle.UnpicklingError, EOFError) as exc:
                logger.info("detached client %s from %s left: %s", client, peer, exc)
                if client >= 0:
                    self._server.post(client, ClientBye())

    def _authenticate(self, conn: socket.socket, peer: object) -> bool:
        conn.settimeout(5.0)
        try:
            nonce = secrets.token_bytes(_NONCE)
            conn.sendall(_MAGIC + nonce)
            answer = _recv_exact(conn, 32 + _NONCE)
            if not hmac.compare_digest(answer[:32], _proof(self._token, b"client", nonce)):
                logger.warning("refused an unauthenticated connection from %s", peer)
                return False
            conn.sendall(_proof(self._token, b"server", answer[32:]))
            return True
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
        with contextlib.suppress(OSError):
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
        with lock:
            send_frame(sock, message)

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
    greeting = _recv_exact(sock, len(_MAGIC) + _NONCE)
    if not greeting.startswith(_MAGIC):
        raise RuntimeSystemError(f"{peer} is not an hpcq runtime")
    mine = secrets.token_bytes(_NONCE)
    sock.sendall(_proof(token, b"client", greeting[len(_MAGIC) :]) + mine)
    proof = _recv_exact(sock, 32)
    if not hmac.compare_digest(proof, _proof(token, b"server", mine)):
        raise RuntimeSystemError(f"the runtime at {peer} failed to authenticate")
    send_frame(sock, ClientHello(levels))
    welcome: ClientWelcome = recv_frame(sock)
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
