"""A worker rank: runs tasks, and other tasks while a task waits on its children.

Tasks that are ``async`` functions run as coroutines: ``await fut`` suspends the task and
the worker goes on with others. A blocking ``fut.result()`` inside a task makes the
worker run other tasks (nested on the stack) until the future is done. Either way a task
waiting on children never blocks its worker, so nested maps of any depth finish on any
number of workers.

Cancelling a running task interrupts it (:mod:`hpcq.runtime.interrupt`): the worker
then goes on with its next task.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import os
import time
from collections import deque
from collections.abc import Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from hpcq.runtime import logforward, task, terminate
from hpcq.runtime._context import set_runtime
from hpcq.runtime._poll import Backoff, Every, process_alive
from hpcq.runtime.future import RuntimeFuture, TaskCancelledError, Waitable, drive_blocking
from hpcq.runtime.handle import RuntimeHandle
from hpcq.runtime.interrupt import Interrupter, TaskInterrupted
from hpcq.runtime.protocol import (
    CancelTasks,
    ChildIdle,
    ClientConfig,
    ClientLeft,
    DeliverResults,
    LogRecords,
    Shutdown,
    StealTasks,
    StolenTasks,
    SubmitTasks,
    TaskId,
    TaskResult,
    TaskSpec,
)

logger = logging.getLogger(__name__)

_FLUSH_EVERY = 32
_FLUSH_AFTER = 0.002


@dataclass
class _Running:
    spec: TaskSpec
    coro: Coroutine[Any, Any, Any] | None = None
    waiting_on: Waitable | None = None
    children: list[RuntimeFuture] = field(default_factory=list)
    cancelled: bool = False


class Worker:
    """The worker role on one rank.

    Args:
        transport: The rank's :class:`hpcq.runtime.comm.Transport`.
        parent: The coordinator rank this worker reports to.
        num_workers: Workers in the whole runtime (for chunking maps).
        host: This machine's name (in remote tracebacks).
        server: ``(pid, host)`` of the server, watched while idle when on this host.
    """

    def __init__(
        self,
        transport: Any,
        parent: int,
        num_workers: int,
        host: str,
        server: tuple[int, str],
    ) -> None:
        self._transport = transport
        self._parent = parent
        self._num_workers = num_workers
        self._rank: int = transport.rank
        self._header = f"### Task on rank {self._rank} of {transport.size} on {host}\n"
        self._server = server
        self._host = host
        self._queue: deque[TaskSpec] = deque()
        self._ready: deque[_Running] = deque()
        self._suspended: list[_Running] = []
        self._stack: list[_Running] = []
        self._by_id: dict[TaskId, _Running] = {}
        self._futures: dict[TaskId, RuntimeFuture] = {}
        self._results: list[TaskResult] = []
        self._first_result = 0.0
        self._logs: dict[int, list[dict[str, object]]] = {}
        self._levels: dict[int, dict[str, int]] = {}
        self._log_client: int | None = None
        self._counter = 0
        self._idle_reported = True
        self._shutdown = False
        self.abandoned = False
        self._backoff = Backoff()
        self._liveness = Every(1.0)
        self._task_code = False
        self._interrupter = Interrupter(transport, self._running_task_code)
        self.handle = RuntimeHandle(self)

    # ------------------------------------------------------------ backend API

    @property
    def num_workers(self) -> int:
        """Workers in the whole runtime."""
        return self._num_workers

    def submit_payloads(
        self, payloads: Sequence[bytes], sizes: Sequence[int] | None
    ) -> RuntimeFuture:
        """Send new tasks to the coordinator on behalf of the running task."""
        with self._runtime_code():
            return self._submit_payloads(payloads, sizes)

    def _submit_payloads(
        self, payloads: Sequence[bytes], sizes: Sequence[int] | None
    ) -> RuntimeFuture:
        client = self._stack[-1].spec.client if self._stack else -1
        ids: list[TaskId] = []
        for _ in payloads:
            self._counter += 1
            ids.append((self._rank, self._counter))
        future = RuntimeFuture(self, ids, sizes)
        for task_id in ids:
            self._futures[task_id] = future
        if self._stack:
            self._stack[-1].children.append(future)
        specs = tuple(TaskSpec(i, client, p) for i, p in zip(ids, payloads, strict=True))
        self._transport.send(self._parent, SubmitTasks(specs))
        return future

    def cancel_tasks(self, task_ids: Sequence[TaskId]) -> None:
        """Cancel tasks this worker's tasks submitted."""
        with self._runtime_code():
            self._cancel_submitted(task_ids)

    def _cancel_submitted(self, task_ids: Sequence[TaskId]) -> None:
        for task_id in task_ids:
            self._futures.pop(task_id, None)
        if task_ids:
            self._transport.send(self._parent, CancelTasks(tuple(task_ids)))

    def wait_until(self, ready: Any, timeout: float | None) -> bool:
        """Run other tasks until ``ready()``; raise if the waiting task gets cancelled."""
        with self._runtime_code():
            return self._wait_until(ready, timeout)

    def _wait_until(self, ready: Any, timeout: float | None) -> bool:
        me = self._stack[-1] if self._stack else None
        deadline = None if timeout is None else time.monotonic() + timeout
        backoff = Backoff()
        while not ready():
            if me is not None and me.cancelled:
                raise TaskCancelledError(f"task {me.spec.task_id} was cancelled")
            if self._shutdown:
                raise TaskCancelledError("the runtime is shutting down")
            if deadline is not None and time.monotonic() >= deadline:
                return False
            if self._step():
                backoff.reset()
            else:
                backoff.sleep()
        return True

    # --------------------------------------------------------------- main loop

    def serve(self) -> None:
        """Run until the server says to shut down."""
        set_runtime(self.handle)
        logforward.install_forwarding(self._rank, self._log_record)
        terminate.set_task_probe(lambda: bool(self._stack))
        self._interrupter.start()
        try:
            self._serve()
        finally:
            self._interrupter.stop()
        # the acknowledgement is the last message this rank sends
        self._transport.send(self._parent, Shutdown())
        self._transport.flush()

    def _serve(self) -> None:
        while not self._shutdown:
            if self._step():
                self._backoff.reset()
                continue
            if self._liveness.due() and not self._server_alive():
                logger.error("rank %s: the server (rank 0) is gone; exiting", self._rank)
                os._exit(1)
            if terminate.overdue():
                # SIGTERM reached this rank but rank 0 did not stop the runtime
                logger.error("rank %s: stopped by SIGTERM", self._rank)
                os._exit(terminate.EXIT_STATUS)
            self._backoff.sleep()

    def _server_alive(self) -> bool:
        pid, host = self._server
        return host != self._host or process_alive(pid)

    def _step(self) -> bool:
        """One round: messages in, one piece of work, messages out; True if anything."""
        progressed = False
        for _source, message in self._transport.poll():
            self._on_message(message)
            progressed = True
        if self._suspended:
            still: list[_Running] = []
            for running in self._suspended:
                waited = running.waiting_on
                if waited is not None and waited.done():
                    self._ready.append(running)
                else:
                    still.append(running)
            self._suspended = still
        if self._stack and self._stack[-1].cancelled:
            # the waiting task was cancelled: let its wait raise before running more
            pass
        elif terminate.requested():
            # SIGTERM: start nothing more, wait for rank 0's shutdown
            pass
        elif self._ready:
            self._resume(self._ready.popleft())
            progressed = True
        elif self._queue:
            self._start(self._queue.popleft())
            progressed = True
        if progressed:
            self._idle_reported = False
        self._flush(force=not self._queue and not self._ready)
        return progressed

    def _flush(self, force: bool) -> None:
        now = time.monotonic()
        if self._results and (
            force or len(self._results) >= _FLUSH_EVERY or now - self._first_result > _FLUSH_AFTER
        ):
            # log records first: a client sees a task's records before its result
            self._flush_logs()
            self._transport.send(self._parent, DeliverResults(tuple(self._results)))
            self._results = []
        if force:
            self._flush_logs()
        if force and not self._idle_reported and not self._results:
            self._idle_reported = True
            self._transport.send(self._parent, ChildIdle())

    def _flush_logs(self) -> None:
        for client, records in self._logs.items():
            self._transport.send(self._parent, LogRecords(client, tuple(records)))
        self._logs = {}

    # ----------------------------------------------------------------- messages

    @functools.singledispatchmethod
    def _on_message(self, message: object) -> None:
        logger.error("rank %s: unexpected message %r", self._rank, message)

    @_on_message.register
    def _submit(self, message: SubmitTasks) -> None:
        self._queue.extend(message.tasks)
        self._idle_reported = False

    @_on_message.register
    def _deliver(self, message: DeliverResults) -> None:
        for result in message.results:
            future = self._futures.pop(result.task_id, None)
            if future is not None:
                future._set_result(result)

    @_on_message.register
    def _cancel(self, message: CancelTasks) -> None:
        doomed = set(message.task_ids)
        self._cancel_running(message.task_ids, doomed)
        if any(spec.task_id in doomed for spec in self._queue):
            kept: deque[TaskSpec] = deque()
            for spec in self._queue:
                if spec.task_id in doomed:
                    self._interrupter.forget((spec.task_id,))
                    self._add_result(TaskResult(spec.task_id, False, cancelled=True))
                else:
                    kept.append(spec)
            self._queue = kept

    def _cancel_running(self, task_ids: tuple[TaskId, ...], doomed: set[TaskId]) -> None:
        """Mark running tasks cancelled; their children's ids join ``doomed``."""
        for task_id in task_ids:
            running = self._by_id.get(task_id)
            if running is None or running.cancelled:
                continue
            running.cancelled = True
            for child in running.children:
                doomed.update(child.task_ids)
                child.cancel()
                self._cancel_running(child.task_ids, doomed)
            if running in self._suspended or running in self._ready:
                if running in self._suspended:
                    self._suspended.remove(running)
                else:
                    self._ready.remove(running)
                if running.coro is not None:
                    running.coro.close()
                self._finish(running, TaskResult(task_id, False, cancelled=True))

    @_on_message.register
    def _steal(self, message: StealTasks) -> None:
        given: list[TaskSpec] = []
        while self._queue and len(given) < message.count:
            given.append(self._queue.pop())
        self._transport.send(self._parent, StolenTasks(tuple(given)))

    @_on_message.register
    def _config(self, message: ClientConfig) -> None:
        self._levels[message.client] = dict(message.levels)

    @_on_message.register
    def _client_left(self, message: ClientLeft) -> None:
        self._levels.pop(message.client, None)

    @_on_message.register
    def _shutdown_message(self, message: Shutdown) -> None:
        self._shutdown = True
        self.abandoned = message.abandon
        for running in list(self._by_id.values()):
            running.cancelled = True

    # ------------------------------------------------------------------- tasks

    def _enter(self, running: _Running) -> None:
        self._stack.append(running)
        client = running.spec.client
        if client != self._log_client and client in self._levels:
            previous = self._levels.get(self._log_client) if self._log_client is not None else None
            logforward.apply_levels(self._levels[client], previous)
            self._log_client = client

    def _start(self, spec: TaskSpec) -> None:
        running = _Running(spec)
        self._by_id[spec.task_id] = running
        self._enter(running)
        try:
            with self._in_task_code():
                value = task.begin(spec.payload, drive_blocking)
        except (terminate.TerminationRequested, TaskInterrupted):
            self._stack.pop()
            self._stopped(running)
            return
        except Exception as exc:
            self._stack.pop()
            self._fail(running, exc)
            return
        self._stack.pop()
        if inspect.iscoroutine(value):
            running.coro = value
            self._resume(running)
        else:
            self._finish(running, task.success(spec.task_id, value))

    def _resume(self, running: _Running) -> None:
        assert running.coro is not None
        self._enter(running)
        try:
            with self._in_task_code():
                waited = running.coro.send(None)
        except StopIteration as stop:
            self._stack.pop()
            self._finish(running, task.success(running.spec.task_id, stop.value))
            return
        except (terminate.TerminationRequested, TaskInterrupted):
            self._stack.pop()
            if running.coro is not None:
                running.coro.close()
            self._stopped(running)
            return
        except Exception as exc:
            self._stack.pop()
            self._fail(running, exc)
            return
        self._stack.pop()
        if not isinstance(waited, Waitable):
            running.coro.close()
            error = TypeError(
                f"hpcq tasks may only await hpcq runtime futures, not {type(waited).__name__}"
            )
            self._fail(running, error)
            return
        running.waiting_on = waited
        if waited.done():
            self._ready.append(running)
        else:
            self._suspended.append(running)

    def _stopped(self, running: _Running) -> None:
        """A signal stopped the task's code: it and what it submitted are cancelled."""
        task_id = running.spec.task_id
        self._cancel(CancelTasks((task_id,)))
        self._finish(running, TaskResult(task_id, False, cancelled=True))

    def _fail(self, running: _Running, exc: Exception) -> None:
        task_id = running.spec.task_id
        if running.cancelled:
            self._finish(running, TaskResult(task_id, False, cancelled=True))
        else:
            self._finish(running, task.failure(task_id, exc, self._header))

    def _finish(self, running: _Running, result: TaskResult) -> None:
        self._by_id.pop(running.spec.task_id, None)
        self._interrupter.forget((running.spec.task_id,))
        if running.cancelled and not result.cancelled:
            result = TaskResult(running.spec.task_id, False, cancelled=True)
        self._add_result(result)

    def _add_result(self, result: TaskResult) -> None:
        if not self._results:
            self._first_result = time.monotonic()
        self._results.append(result)

    def _in_task_code(self) -> contextlib.AbstractContextManager[None]:
        """The main thread runs the top task's own code (it may be interrupted)."""
        return self._code(task=True)

    def _runtime_code(self) -> contextlib.AbstractContextManager[None]:
        """A task called into the runtime: no interrupt until it returns to the task."""
        return self._code(task=False)

    @contextlib.contextmanager
    def _code(self, task: bool) -> Iterator[None]:
        was = self._task_code
        self._task_code = task
        self._interrupter.task_code(task)
        try:
            yield
        finally:
            self._task_code = was
            self._interrupter.task_code(was)

    def _running_task_code(self) -> TaskId | None:
        """The task whose own code runs right now (read by the watcher thread too)."""
        if not self._task_code:
            return None
        try:
            return self._stack[-1].spec.task_id
        except IndexError:
            return None

    def _log_record(self, record: dict[str, object]) -> None:
        client = self._stack[-1].spec.client if self._stack else -1
        self._logs.setdefault(client, []).append(record)
