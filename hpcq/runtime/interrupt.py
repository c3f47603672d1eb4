"""Interrupting a worker's running task when it is cancelled.

A worker runs a task's code on its main thread, and reads messages only between tasks
or when the task calls into the runtime (``submit``, ``result``, ...). A task that
sleeps or computes for a long time would never see its cancel, and every task queued
behind it on that worker would wait too. So a coordinator that cancels tasks on a
worker also sends them as an :class:`~hpcq.runtime.protocol.Interrupt` on the
transport's interrupt tag, and a watcher thread on the worker reads those while a
task's code runs. When the running task is among them, the watcher sends
:data:`SIGNAL` to the main thread, whose handler raises :class:`TaskInterrupted` in the
task's code: a blocking sleep or wait returns at once, a Python loop stops at its next
bytecode. A task inside one long call into compiled code (a numba kernel, a BLAS call)
stops when that call returns. The task's result is "cancelled"; the worker goes on with
its next task.

The watcher only polls while a task's code runs (every :data:`CHECK_INTERVAL` seconds)
and sleeps on an event otherwise, so an idle worker does not spin. It needs MPI's
``MPI_THREAD_MULTIPLE`` (mpi4py asks for it, MPICH provides it); without it there is no
watcher, and a cancelled task stops the next time it calls into the runtime.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

from hpcq.runtime.protocol import Interrupt, TaskId

logger = logging.getLogger(__name__)

SIGNAL = signal.SIGURG
"""The signal that interrupts the main thread (its default action is to ignore it)."""

CHECK_INTERVAL = 0.02
"""Seconds between the watcher's checks while a task's code runs."""

_REMEMBERED = 4096
"""Interrupts kept for tasks not (yet) running; older ones are dropped."""


class TaskInterrupted(BaseException):
    """Raised in a running task's code when the task is cancelled.

    A ``BaseException``, like ``KeyboardInterrupt``: a task's ``except Exception``
    does not swallow its own cancellation.
    """


class Interrupter:
    """The watcher thread of one worker, and its signal handler on the main thread.

    Args:
        transport: The worker's transport (:meth:`~hpcq.runtime.comm.Transport.poll_interrupts`).
        running: The id of the task whose code the main thread runs right now, or
            ``None`` while the worker's own code runs (called from both threads).
    """

    def __init__(self, transport: Any, running: Callable[[], TaskId | None]) -> None:
        self._transport = transport
        self._running = running
        self._doomed: dict[TaskId, None] = {}
        self._lock = threading.Lock()
        self._busy = threading.Event()
        self._stopping = False
        self._main = threading.main_thread().ident
        self._thread: threading.Thread | None = None

    @property
    def active(self) -> bool:
        """Whether the watcher thread runs (MPI allows a second thread)."""
        return self._thread is not None

    def start(self) -> None:
        """Install the handler and start the watcher (call on the main thread)."""
        if threading.current_thread() is not threading.main_thread():
            return
        if not getattr(self._transport, "threads", False):
            logger.debug("MPI is not thread-multiple: cancelled tasks are not interrupted")
            return
        signal.signal(SIGNAL, self._on_signal)
        self._thread = threading.Thread(target=self._watch, name="hpcq-interrupt", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the watcher thread; drop interrupts that are still in flight."""
        self._stopping = True
        self._busy.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None
            with contextlib.suppress(Exception):
                self._transport.poll_interrupts()

    def task_code(self, running: bool) -> None:
        """The main thread enters (True) or leaves (False) a task's code."""
        if running:
            self._busy.set()
        else:
            self._busy.clear()

    def forget(self, task_ids: Iterable[TaskId]) -> None:
        """These tasks ended: their interrupts, if any, are no longer needed."""
        with self._lock:
            for task_id in task_ids:
                self._doomed.pop(task_id, None)

    # ------------------------------------------------------------ watcher thread

    def _watch(self) -> None:
        while True:
            self._busy.wait()
            if self._stopping:
                return
            time.sleep(CHECK_INTERVAL)
            try:
                self._check()
            except Exception:  # never let the watcher die silently mid-job
                logger.exception("the interrupt watcher failed; cancels wait for tasks to end")
                return

    def _check(self) -> None:
        for message in self._transport.poll_interrupts():
            if isinstance(message, Interrupt):
                with self._lock:
                    self._doomed.update(dict.fromkeys(message.task_ids))
                    while len(self._doomed) > _REMEMBERED:
                        del self._doomed[next(iter(self._doomed))]
        running = self._running()
        if running is not None and running in self._doomed and self._main is not None:
            signal.pthread_kill(self._main, SIGNAL)

    # -------------------------------------------------------------- main thread

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        # Checked again here: by now the task may have ended or called into the
        # runtime, where raising would break the worker's own bookkeeping.
        running = self._running()
        if running is not None and running in self._doomed:
            raise TaskInterrupted(f"task {running} was cancelled")
