"""Where the active runtime handle lives (a context variable, no MPI import)."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from hpcq.exceptions import RuntimeSystemError

T = TypeVar("T")
R = TypeVar("R")

_ACTIVE: contextvars.ContextVar[Any] = contextvars.ContextVar("hpcq_runtime", default=None)


def has_runtime() -> bool:
    """Whether a parallel runtime is reachable from here."""
    return _ACTIVE.get() is not None


def get_runtime() -> Any:
    """The active runtime handle (``submit``, ``map``, ``wait``, ``cancel``, ``next``).

    Raises:
        RuntimeSystemError: No runtime is active here; callers that can run serially
            check :func:`has_runtime` first.
    """
    handle = _ACTIVE.get()
    if handle is None:
        raise RuntimeSystemError(
            "no hpcq runtime is active here: open an hpcq.Compiler, or run inside a task"
        )
    return handle


def set_runtime(handle: Any) -> contextvars.Token[Any]:
    """Make ``handle`` the active runtime; returns a token for :func:`reset_runtime`."""
    return _ACTIVE.set(handle)


def reset_runtime(token: contextvars.Token[Any]) -> None:
    """Restore the runtime that was active before :func:`set_runtime`."""
    _ACTIVE.reset(token)


@contextlib.contextmanager
def activated(handle: Any) -> Iterator[None]:
    """Make ``handle`` the active runtime inside the ``with`` block (``None``: serial).

    Example:
        >>> from hpcq.runtime import activated, has_runtime
        >>> with activated(None):
        ...     has_runtime()
        False
    """
    token = set_runtime(handle)
    try:
        yield
    finally:
        reset_runtime(token)


def parallel_map(fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """``fn`` over ``items``: on the active runtime if there is one, else here, in order.

    One item runs in place even with a runtime: a task round trip would only add
    latency.
    """
    handle = _ACTIVE.get()
    if len(items) > 1 and handle is not None:
        return list(handle.map(fn, list(items)).result())
    return [fn(item) for item in items]
