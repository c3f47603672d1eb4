"""Futures of runtime tasks: blocking ``result()``, ``await``, and map results as they come.

A future does not know how to wait; it asks its *backend* (the worker it lives on, a
client, or the serial fallback) to make progress until the future is done. On a worker
that means running other tasks meanwhile, so a task waiting on its children never blocks
its worker.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Generator, Iterable, Sequence
from typing import Any, Protocol

from hpcq.exceptions import RuntimeSystemError
from hpcq.runtime.protocol import TaskId, TaskResult


class TaskCancelledError(RuntimeSystemError):
    """The task behind a future was cancelled."""


class RemoteTraceback(Exception):
    """The traceback of an exception raised on another rank (set as ``__cause__``)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return f'\n"""\n{self.text}"""'


class Backend(Protocol):
    """What a future needs from the process it lives in."""

    def wait_until(self, ready: Callable[[], bool], timeout: float | None) -> bool:
        """Make progress until ``ready()`` or the timeout; return ``ready()``."""
        ...

    def cancel_tasks(self, task_ids: Sequence[TaskId]) -> None:
        """Cancel these tasks (and their subtrees) wherever they run."""
        ...


def decode_result(result: TaskResult) -> tuple[bool, Any]:
    """``(True, value)`` or ``(False, exception with its remote traceback as cause)``."""
    if result.cancelled:
        return False, TaskCancelledError(f"task {result.task_id} was cancelled")
    try:
        loaded = pickle.loads(result.payload)
    except Exception as exc:
        error = RuntimeSystemError(f"cannot unpickle the result of task {result.task_id}: {exc}")
        error.__cause__ = exc
        return False, error
    if result.ok:
        return True, loaded
    exception, text = loaded
    exception.__cause__ = RemoteTraceback(text)
    return False, exception


class Waitable:
    """Something a task can ``await`` or block on with :meth:`result`."""

    backend: Backend

    def done(self) -> bool:
        """Whether :meth:`result` would return without waiting."""
        raise NotImplementedError

    def _value(self) -> Any:
        raise NotImplementedError

    def result(self, timeout: float | None = None) -> Any:
        """Wait until done and return the value (or raise the task's exception).

        Raises:
            TimeoutError: ``timeout`` seconds passed first.
        """
        if not self.done() and not self.backend.wait_until(self.done, timeout):
            raise TimeoutError(f"no result within {timeout} s")
        return self._value()

    def __await__(self) -> Generator[Waitable, None, Any]:
        if not self.done():
            # the worker's coroutine driver suspends the task until we are done
            yield self
        return self._value()


class RuntimeFuture(Waitable):
    """The future of one task, or of a ``map`` (a list of results, order kept).

    Args:
        backend: The process-side machinery that makes progress.
        task_ids: One id for a single task; one per chunk for a map.
        sizes: Items per chunk for a map; ``None`` for a single task.
    """

    def __init__(
        self, backend: Backend, task_ids: Sequence[TaskId], sizes: Sequence[int] | None = None
    ) -> None:
        self.backend = backend
        self.task_ids = tuple(task_ids)
        self.sizes = None if sizes is None else tuple(sizes)
        self._index = {task_id: i for i, task_id in enumerate(self.task_ids)}
        self._raw: dict[int, TaskResult] = {}
        self._decoded: dict[int, tuple[bool, Any]] = {}
        self._consumed: set[int] = set()
        self._cancelled = False

    # fed by the backend (possibly from another thread; single assignments only)
    def _set_result(self, result: TaskResult) -> None:
        index = self._index.get(result.task_id)
        if index is not None and index not in self._raw:
            self._raw[index] = result

    def done(self) -> bool:
        """Whether every task finished (or the future was cancelled)."""
        return self._cancelled or len(self._raw) == len(self.task_ids) or self._failed()

    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called before the result arrived."""
        return self._cancelled

    def cancel(self) -> bool:
        """Cancel the task(s) and their whole subtree; False if already done."""
        if self._cancelled:
            return True
        if len(self._raw) == len(self.task_ids):
            return False
        self._cancelled = True
        pending = [t for i, t in enumerate(self.task_ids) if i not in self._raw]
        self.backend.cancel_tasks(pending)
        return True

    def _part(self, index: int) -> tuple[bool, Any]:
        if index not in self._decoded:
            self._decoded[index] = decode_result(self._raw[index])
        return self._decoded[index]

    def _failed(self) -> bool:
        return any(not raw.ok for raw in list(self._raw.values()))

    def _value(self) -> Any:
        if self._cancelled:
            raise TaskCancelledError("the future was cancelled")
        failures = sorted(i for i, raw in list(self._raw.items()) if not raw.ok)
        if failures:
            rest = [t for i, t in enumerate(self.task_ids) if i not in self._raw]
            if rest:
                self._cancelled = True
                self.backend.cancel_tasks(rest)
            _, error = self._part(failures[0])
            raise error
        if self.sizes is None:
            return self._part(0)[1]
        values: list[Any] = []
        for index in range(len(self.task_ids)):
            values.extend(self._part(index)[1])
        return values

    def _take_new(self) -> list[tuple[int, Any]]:
        """The results not yet returned by ``next``, with their item indices."""
        fresh = sorted(i for i in list(self._raw) if i not in self._consumed)
        out: list[tuple[int, Any]] = []
        for index in fresh:
            self._consumed.add(index)
            ok, value = self._part(index)
            if not ok:
                raise value
            if self.sizes is None:
                out.append((0, value))
            else:
                start = sum(self.sizes[:index])
                out.extend((start + k, item) for k, item in enumerate(value))
        return out

    def _has_new(self) -> bool:
        return self._cancelled or len(self._consumed) < len(self._raw)


class NextResults(Waitable):
    """The results of a map that completed since the previous ``next`` call."""

    def __init__(self, future: RuntimeFuture) -> None:
        self.backend = future.backend
        self._future = future
        self._exhausted = len(future._consumed) == len(future.task_ids)

    def done(self) -> bool:
        """Whether new results (or the end) are available."""
        return self._exhausted or self._future._has_new()

    def _value(self) -> list[tuple[int, Any]]:
        if self._future.cancelled():
            raise TaskCancelledError("the future was cancelled")
        return self._future._take_new()


class Gathered(Waitable):
    """Every future of a list is done; the value is the list of their results."""

    def __init__(self, backend: Backend, futures: Iterable[Waitable]) -> None:
        self.backend = backend
        self._futures = list(futures)

    def done(self) -> bool:
        """Whether every future is done."""
        return all(f.done() for f in self._futures)

    def _value(self) -> list[Any]:
        return [f.result() for f in self._futures]


def drive_blocking(coroutine: Any) -> Any:
    """Run an ``async`` task body to completion, blocking on each future it awaits."""
    while True:
        try:
            waited = coroutine.send(None)
        except StopIteration as stop:
            return stop.value
        if not isinstance(waited, Waitable):
            coroutine.close()
            raise TypeError(
                f"hpcq tasks may only await hpcq runtime futures, not {type(waited).__name__}"
            )
        waited.backend.wait_until(waited.done, None)
