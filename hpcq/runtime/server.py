"""The server on rank 0: owns the root tasks, talks to clients, coordinates its node.

The server loop is the only code on rank 0 that calls MPI. It runs in a thread of its
own while the user's program (the client) runs in the main thread, or in the main thread
of ``hpcq serve``. It waits without spinning: a ``selectors`` wait whose timeout is the
MPI poll back-off, woken at once by local clients (a socket pair) and by detached
clients' sockets.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import queue
import selectors
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from hpcq.runtime import logforward
from hpcq.runtime import state as st
from hpcq.runtime._poll import Backoff, Every, process_alive
from hpcq.runtime.coordinator import Coordinator
from hpcq.runtime.protocol import (
    ClientBye,
    ClientCancel,
    ClientConfig,
    ClientLeft,
    ClientSubmit,
    LogRecords,
    Shutdown,
    TaskResult,
)
from hpcq.runtime.roles import Plan

logger = logging.getLogger(__name__)


class ClientLink(Protocol):
    """How the server reaches one client."""

    def deliver(self, results: tuple[TaskResult, ...]) -> None:
        """Results of the client's root tasks (called on the server thread)."""
        ...

    def deliver_logs(self, records: tuple[dict[str, object], ...]) -> None:
        """Log records from tasks of this client."""
        ...

    def failed(self, message: str) -> None:
        """The runtime broke; nothing more will complete."""
        ...


@dataclass(frozen=True)
class RankInfo:
    """Where a rank lives."""

    rank: int
    pid: int
    host: str


@dataclass(frozen=True)
class _Join:
    link: ClientLink
    levels: dict[str, int]


def client_key(client: int) -> str:
    """The scheduler origin of a client."""
    return f"client-{client}"


class Server(Coordinator):
    """The server role.

    Args:
        transport: Rank 0's transport.
        plan: The roles of every rank.
        ranks: Where each rank lives (for liveness checks and messages).
        on_rank_death: Called (on the server thread) with a message when a rank on this
            host died; by default nothing beyond failing the clients.
    """

    def __init__(
        self,
        transport: Any,
        plan: Plan,
        ranks: list[RankInfo],
        on_rank_death: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(transport, plan.children[0], None)
        self.plan = plan
        self.num_workers = plan.num_workers
        self._ranks = ranks
        self._on_rank_death = on_rank_death
        self._clients: dict[int, ClientLink] = {}
        self._next_client = 0
        self._lock = threading.Lock()
        self._inbox: queue.SimpleQueue[tuple[int, object]] = queue.SimpleQueue()
        self.selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self.selector.register(self._wake_r, selectors.EVENT_READ, self._drain_wake)
        self._stopping = False
        self.stopped = threading.Event()
        self.broken: str | None = None
        self._thread: threading.Thread | None = None

    @property
    def ranks(self) -> list[RankInfo]:
        """Where every rank of this runtime lives (rank, pid, host)."""
        return list(self._ranks)

    # ----------------------------------------------------------- any thread

    def add_client(self, link: ClientLink, levels: dict[str, int]) -> int:
        """Register a client; returns its id (its configuration reaches every rank first)."""
        with self._lock:
            client = self._next_client
            self._next_client += 1
        self.post(client, _Join(link, dict(levels)))
        return client

    def post(self, client: int, message: object) -> None:
        """Queue a client's message for the server thread and wake it."""
        self._inbox.put((client, message))
        with contextlib.suppress(OSError):
            self._wake_w.send(b"\0")

    def stop(self) -> None:
        """Ask the server to shut every rank down and return from :meth:`serve`."""
        self.post(-1, Shutdown())

    def start_thread(self) -> None:
        """Run :meth:`serve` in a daemon thread."""
        self._thread = threading.Thread(target=self.serve, name="hpcq-server", daemon=True)
        self._thread.start()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the server thread to end; whether it did."""
        if self._thread is None:
            return self.stopped.wait(timeout)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # ---------------------------------------------------------- server thread

    def serve(self) -> None:
        """The server loop; returns after a shutdown (or a lost rank)."""
        backoff = Backoff()
        liveness = Every(1.0)
        try:
            while not self._stopping:
                progressed = False
                for source, message in self.transport.poll():
                    self.on_rank_message(source, message)
                    progressed = True
                while True:
                    try:
                        client, message = self._inbox.get_nowait()
                    except queue.Empty:
                        break
                    self._on_client(message, client)
                    progressed = True
                if progressed:
                    backoff.reset()
                    timeout = 0.0
                else:
                    timeout = backoff.next_interval()
                    if liveness.due():
                        self._check_ranks()
                for key, _ in self.selector.select(timeout):
                    key.data(key.fileobj)
            if self.broken is None:
                self.drain_shutdown()
            self.transport.flush()
        finally:
            self.stopped.set()

    def _drain_wake(self, sock: socket.socket) -> None:
        try:
            while sock.recv(4096):
                pass
        except (BlockingIOError, OSError):
            pass

    def _check_ranks(self) -> None:
        me = self._ranks[0]
        dead = [
            f"{self.plan.roles[info.rank]} rank {info.rank} (pid {info.pid} on {info.host})"
            for info in self._ranks[1:]
            if info.host == me.host and not process_alive(info.pid)
        ]
        if dead:
            self._fail(f"{', '.join(dead)} died; the runtime cannot continue")

    def _fail(self, message: str) -> None:
        logger.error("%s", message)
        self.broken = message
        for link in list(self._clients.values()):
            link.failed(message)
        if self._on_rank_death is not None:
            self._on_rank_death(message)
        self._stopping = True
        for child in self.children:
            self.transport.send(child, Shutdown(abandon=True))
        self.transport.flush(timeout=1.0)

    # ---------------------------------------------------------- client side

    @functools.singledispatchmethod
    def _on_client(self, message: object, client: int) -> None:
        logger.error("server: unexpected client message %r", message)

    @_on_client.register
    def _join(self, message: _Join, client: int) -> None:
        self._clients[client] = message.link
        self._broadcast(ClientConfig(client, message.levels))
        if self.broken is not None:
            message.link.failed(self.broken)

    @_on_client.register
    def _submit(self, message: ClientSubmit, client: int) -> None:
        self.run(st.TasksArrived(client_key(client), message.tasks))

    @_on_client.register
    def _cancel(self, message: ClientCancel, client: int) -> None:
        self.run(st.CancelAsked(message.task_ids))

    @_on_client.register
    def _bye(self, message: ClientBye, client: int) -> None:
        if self._clients.pop(client, None) is not None:
            self.run(st.OriginGone(client_key(client)))
            self._broadcast(ClientLeft(client))

    @_on_client.register
    def _shutdown(self, message: Shutdown, client: int) -> None:
        self._broadcast(Shutdown())
        self._stopping = True

    def _broadcast(self, message: object) -> None:
        for child in self.children:
            self.transport.send(child, message)

    # ---------------------------------------------------------- rank side

    def deliver_to_client(self, client: str, results: tuple[TaskResult, ...]) -> None:
        """Hand results to the client they belong to."""
        link = self._clients.get(int(client.rsplit("-", 1)[1]))
        if link is not None:
            link.deliver(results)

    def on_other_message(self, source: int, message: object) -> None:
        """Log records: to the client whose task logged them, else to rank 0's loggers."""
        if isinstance(message, LogRecords):
            link = self._clients.get(message.client)
            if link is not None:
                link.deliver_logs(message.records)
            else:
                for record in message.records:
                    logforward.handle_remote(record)
            return
        super().on_other_message(source, message)
