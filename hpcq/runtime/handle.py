"""The runtime handle that :func:`hpcq.runtime.get_runtime` returns."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from hpcq.runtime.future import Backend, Gathered, NextResults, RuntimeFuture, Waitable
from hpcq.runtime.task import chunk_sizes, encode_call, encode_chunk


class SubmitBackend(Backend, Protocol):
    """A :class:`Backend` that can also start tasks."""

    @property
    def num_workers(self) -> int:
        """Worker ranks serving this runtime (0 when serial)."""
        ...

    def submit_payloads(
        self, payloads: Sequence[bytes], sizes: Sequence[int] | None
    ) -> RuntimeFuture:
        """Start one task per payload; the future over them."""
        ...


class RuntimeHandle:
    """Submit tasks, wait on them, cancel them: the same API in a task and on the client.

    Futures are awaitable inside ``async`` tasks (``await fut`` suspends the task while
    its worker runs others) and have a blocking ``result()`` that also keeps the worker
    busy with other tasks while it waits.
    """

    def __init__(self, backend: SubmitBackend) -> None:
        self._backend = backend

    @property
    def num_workers(self) -> int:
        """Worker ranks serving this runtime (0 when it runs serially in-process)."""
        return self._backend.num_workers

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> RuntimeFuture:
        """Run ``fn(*args, **kwargs)`` as a task; its future."""
        return self._backend.submit_payloads([encode_call(fn, args, kwargs)], None)

    def map(self, fn: Callable[[Any], Any], iterable: Iterable[Any]) -> RuntimeFuture:
        """Run ``fn`` on every item; the future of the list of results, in order.

        Items travel in a few chunks per worker, not one message per item.
        """
        items = list(iterable)
        sizes = chunk_sizes(len(items), self._backend.num_workers)
        payloads: list[bytes] = []
        start = 0
        for size in sizes:
            payloads.append(encode_chunk(fn, items[start : start + size]))
            start += size
        return self._backend.submit_payloads(payloads, sizes)

    def wait(self, futures: Iterable[Waitable]) -> Gathered:
        """A waitable that is done when every future is; its value is their results."""
        return Gathered(self._backend, futures)

    def cancel(self, future: RuntimeFuture) -> bool:
        """Cancel ``future``'s task(s) and everything they submitted; False if done."""
        return future.cancel()

    def next(self, future: RuntimeFuture) -> NextResults:
        """A waitable of the ``(index, result)`` pairs of a map finished since last asked.

        ``await handle.next(fut)`` or ``handle.next(fut).result()``; an empty list once
        every result was returned.
        """
        if not isinstance(future, RuntimeFuture):
            raise TypeError(f"next() needs a RuntimeFuture, not {type(future).__name__}")
        return NextResults(future)
