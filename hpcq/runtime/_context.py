"""Where the active runtime handle lives (a context variable, no MPI import)."""

from __future__ import annotations

import contextvars
from typing import Any

from hpcq.exceptions import RuntimeSystemError

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
