"""The client side: :class:`RuntimeClient`, how user code (and ``hpcq.Compiler``) uses a runtime.

Four ways to get one, chosen by the constructor:

* ``address=`` connects to a detached runtime (``hpcq serve``).
* Under ``mpiexec -n N`` (N > 1): rank 0 uses the world's other ranks; the other ranks
  become the runtime inside the constructor and exit the process when it shuts down.
* In a plain ``python``: attached mode, ``num_workers`` ranks are spawned and stopped by
  :meth:`RuntimeClient.close`.
* ``num_workers=0``, no MPI library, ``HPCQ_NO_MPI=1``, or ``mpiexec -n 1``: serial,
  in-process, same API (futures are done when returned).
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import logging
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any

from hpcq import _config
from hpcq.exceptions import RuntimeSystemError
from hpcq.runtime import logforward, task
from hpcq.runtime._context import reset_runtime, set_runtime
from hpcq.runtime.future import RuntimeFuture, drive_blocking
from hpcq.runtime.handle import RuntimeHandle
from hpcq.runtime.protocol import (
    ClientBye,
    ClientCancel,
    ClientSubmit,
    TaskId,
    TaskResult,
    TaskSpec,
)

logger = logging.getLogger(__name__)


class SerialBackend:
    """Runs every task in-process at once (no MPI); the futures are done when returned."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self.handle = RuntimeHandle(self)

    @property
    def num_workers(self) -> int:
        """Always 0: nothing runs in parallel."""
        return 0

    def submit_payloads(
        self, payloads: Sequence[bytes], sizes: Sequence[int] | None
    ) -> RuntimeFuture:
        """Run each payload now."""
        ids: list[TaskId] = [(-1, next(self._counter)) for _ in payloads]
        future = RuntimeFuture(self, ids, sizes)
        token = set_runtime(self.handle)
        try:
            for task_id, payload in zip(ids, payloads, strict=True):
                future._set_result(self._run(task_id, payload))
        finally:
            reset_runtime(token)
        return future

    def _run(self, task_id: TaskId, payload: bytes) -> TaskResult:
        import inspect

        try:
            value = task.begin(payload, drive_blocking)
            if inspect.iscoroutine(value):
                value = drive_blocking(value)
        except Exception as exc:
            return task.failure(task_id, exc, "### Task run serially in-process\n")
        return task.success(task_id, value)

    def wait_until(self, ready: Callable[[], bool], timeout: float | None) -> bool:
        """Nothing to wait for."""
        return ready()

    def cancel_tasks(self, task_ids: Sequence[TaskId]) -> None:
        """Nothing to cancel: every task already ran."""

    def close(self) -> None:
        """Nothing to release."""


class ClientBackend:
    """The client's half of a parallel runtime: futures filled by another thread.

    Args:
        send: Delivers a client message to the server.
        num_workers: Worker ranks of the runtime.
        client: The id the server gave this client.
    """

    def __init__(self, send: Callable[[object], None], num_workers: int, client: int) -> None:
        self._send = send
        self._num_workers = num_workers
        self.client = client
        self._counter = itertools.count(1)
        self._futures: dict[TaskId, RuntimeFuture] = {}
        self._cond = threading.Condition()
        self.broken: str | None = None
        self.handle = RuntimeHandle(self)

    @property
    def num_workers(self) -> int:
        """Worker ranks of the runtime."""
        return self._num_workers

    def submit_payloads(
        self, payloads: Sequence[bytes], sizes: Sequence[int] | None
    ) -> RuntimeFuture:
        """Send root tasks to the server."""
        self._check()
        ids: list[TaskId] = [(-1 - self.client, next(self._counter)) for _ in payloads]
        future = RuntimeFuture(self, ids, sizes)
        with self._cond:
            for task_id in ids:
                self._futures[task_id] = future
        specs = tuple(TaskSpec(i, self.client, p) for i, p in zip(ids, payloads, strict=True))
        self._send(ClientSubmit(specs))
        return future

    def wait_until(self, ready: Callable[[], bool], timeout: float | None) -> bool:
        """Block until ``ready()`` (results arrive on the server or reader thread)."""
        with self._cond:
            done = self._cond.wait_for(lambda: ready() or self.broken is not None, timeout)
        if not ready() and self.broken is not None:
            raise RuntimeSystemError(self.broken)
        return bool(done)

    def cancel_tasks(self, task_ids: Sequence[TaskId]) -> None:
        """Cancel root tasks."""
        with self._cond:
            for task_id in task_ids:
                self._futures.pop(task_id, None)
        if task_ids and self.broken is None:
            self._send(ClientCancel(tuple(task_ids)))

    def _check(self) -> None:
        if self.broken is not None:
            raise RuntimeSystemError(self.broken)

    # called by the server (or the socket reader) thread
    def deliver(self, results: tuple[TaskResult, ...]) -> None:
        """Fill the futures these results belong to."""
        with self._cond:
            for result in results:
                future = self._futures.pop(result.task_id, None)
                if future is not None:
                    future._set_result(result)
            self._cond.notify_all()

    def deliver_logs(self, records: tuple[dict[str, object], ...]) -> None:
        """Let this process's loggers handle records from the ranks."""
        for record in records:
            logforward.handle_remote(record)

    def failed(self, message: str) -> None:
        """The runtime broke: every waiter raises :class:`RuntimeSystemError`."""
        with self._cond:
            self.broken = message
            self._cond.notify_all()

    def leave(self) -> None:
        """Tell the server this client is gone."""
        if self.broken is None:
            self._send(ClientBye())


class RuntimeClient:
    """A connection to an hpcq runtime; a context manager.

    Args:
        num_workers: Worker ranks to spawn in attached mode (default: the CPUs this
            process may use); 0 runs serially in-process. Under ``mpiexec`` the world's
            ranks are used instead.
        address: ``HOST:PORT`` of a detached runtime (``hpcq serve``) to connect to.
        token_file: The detached runtime's token file (default: see
            :func:`hpcq.runtime.detached.default_token_file`).

    While it is open, :func:`hpcq.runtime.get_runtime` on this thread returns its handle.
    """

    def __init__(
        self,
        num_workers: int | None = None,
        *,
        address: str | None = None,
        token_file: str | None = None,
    ) -> None:
        if num_workers is not None and (
            not isinstance(num_workers, int) or isinstance(num_workers, bool) or num_workers < 0
        ):
            raise ValueError(f"num_workers must be a non-negative integer, not {num_workers!r}")
        self._closed = False
        self._closer: Callable[[], None] = lambda: None
        self._server: Any = None
        self.mode: str
        backend: SerialBackend | ClientBackend
        if address is not None:
            from hpcq.runtime import detached

            connection = detached.connect(address, token_file, logforward.capture_levels())
            backend = connection.backend
            self._closer = connection.close
            self.mode = "detached"
        elif num_workers == 0 or _config.mpi_disabled() or not _mpi_importable():
            if num_workers:
                # The caller asked for workers it cannot have: say why, once, and go on.
                reason = (
                    "HPCQ_NO_MPI is set"
                    if _config.mpi_disabled()
                    else "mpi4py or an MPI library is missing (pip install 'hpcq[mpich]')"
                )
                logger.warning(
                    "%d workers requested but %s: running serially", num_workers, reason
                )
            backend = SerialBackend()
            self.mode = "serial"
        else:
            from hpcq.runtime import launch

            if launch.serving():
                raise RuntimeSystemError(
                    "a RuntimeClient was created while loading the main script on a worker "
                    "rank: put the script's top-level work under "
                    "'if __name__ == \"__main__\":'"
                )
            if launch.launcher_present():
                launch.serve_if_worker()
                server = launch.world_server()
                self.mode = "world" if server is not None else "serial"
                if server is None:
                    backend = SerialBackend()
                else:
                    self._server = server
                    backend, self._closer = _local_backend(server)
            else:
                count = launch.available_cpus() if num_workers is None else num_workers
                runtime = launch.AttachedRuntime(count)
                self._server = runtime.server
                backend, leave = _local_backend(runtime.server)

                def close_attached() -> None:
                    leave()
                    runtime.close()

                self._closer = close_attached
                self.mode = "attached"
        self._backend = backend
        self._token = set_runtime(backend.handle)
        self_ref = weakref.ref(self)
        self._atexit = lambda: _close_ref(self_ref)
        atexit.register(self._atexit)
        logger.debug("runtime client open (%s, %d workers)", self.mode, self.num_workers)

    # ------------------------------------------------------------------ API

    @property
    def num_workers(self) -> int:
        """Worker ranks serving this client (0 when serial)."""
        return self._backend.num_workers

    @property
    def ranks(self) -> list[tuple[int, str, int, str]]:
        """``(rank, role, pid, host)`` of every rank serving this client (local modes)."""
        server = self._server
        if server is None:
            return []
        return [(r.rank, server.plan.roles[r.rank], r.pid, r.host) for r in server.ranks]

    @property
    def handle(self) -> RuntimeHandle:
        """The runtime handle (what :func:`hpcq.runtime.get_runtime` returns here)."""
        return self._backend.handle

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> RuntimeFuture:
        """Run ``fn(*args, **kwargs)`` as a root task; its future."""
        self._check_open()
        return self._backend.handle.submit(fn, *args, **kwargs)

    def map(self, fn: Callable[[Any], Any], iterable: Iterable[Any]) -> RuntimeFuture:
        """Run ``fn`` on every item as root tasks; the future of the list of results."""
        self._check_open()
        return self._backend.handle.map(fn, iterable)

    def close(self) -> None:
        """Release the runtime (attached ranks exit); idempotent."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self._atexit)
        # closed from another context (atexit, another thread): nothing to restore
        with contextlib.suppress(ValueError):
            reset_runtime(self._token)
        self._closer()
        logger.debug("runtime client closed")

    def __enter__(self) -> RuntimeClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeSystemError("this RuntimeClient is closed")

    def __getstate__(self) -> object:
        raise TypeError("a RuntimeClient cannot be pickled or sent to a task")


def _close_ref(ref: weakref.ref[RuntimeClient]) -> None:
    client = ref()
    if client is not None:
        client.close()


def _mpi_importable() -> bool:
    import importlib.util

    return importlib.util.find_spec("mpi4py") is not None


def _local_backend(server: Any) -> tuple[ClientBackend, Callable[[], None]]:
    """A backend talking to a server in this process; its closer."""
    holder: list[int] = []

    def send(message: object) -> None:
        server.post(holder[0], message)

    backend = ClientBackend(send, server.num_workers, -1)
    backend.client = server.add_client(backend, logforward.capture_levels())
    holder.append(backend.client)

    return backend, backend.leave
