"""Task payloads: how a call or a map chunk is packed, run and its outcome packed back."""

from __future__ import annotations

import inspect
import pickle
import traceback
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from hpcq.exceptions import RuntimeSystemError
from hpcq.runtime.protocol import TaskId, TaskResult

_PROTOCOL = pickle.HIGHEST_PROTOCOL

Drive = Callable[[Coroutine[Any, Any, Any]], Any]
"""Runs a coroutine to completion (blocking), for coroutines inside map chunks."""


def _dumps(obj: object, what: str) -> bytes:
    try:
        return pickle.dumps(obj, protocol=_PROTOCOL)
    except Exception as exc:
        raise TypeError(f"cannot send {what} to another rank (not picklable): {exc}") from exc


def encode_call(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> bytes:
    """The payload of ``fn(*args, **kwargs)``."""
    if not callable(fn):
        raise TypeError(f"submit() needs a callable, not {type(fn).__name__}")
    return _dumps(("call", fn, args, kwargs), f"the call of {_name(fn)}")


def encode_chunk(fn: Callable[..., Any], items: Sequence[Any]) -> bytes:
    """The payload of ``[fn(item) for item in items]``."""
    if not callable(fn):
        raise TypeError(f"map() needs a callable, not {type(fn).__name__}")
    return _dumps(("map", fn, list(items), {}), f"the map of {_name(fn)}")


def _name(fn: object) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)


def chunk_sizes(count: int, workers: int) -> list[int]:
    """How a map of ``count`` items is cut: a few chunks per worker, sizes balanced."""
    if count == 0:
        return []
    chunks = min(count, max(1, workers) * 4)
    base, extra = divmod(count, chunks)
    return [base + (1 if i < extra else 0) for i in range(chunks)]


def begin(payload: bytes, drive: Drive) -> Any:
    """Unpack and start a task: the value, or a coroutine for a ``call`` that is ``async``.

    Coroutines returned by the items of a map chunk are driven to completion by ``drive``.
    """
    kind, fn, args, kwargs = pickle.loads(payload)
    if kind == "call":
        return fn(*args, **kwargs)
    values = []
    for item in args:
        value = fn(item)
        if inspect.iscoroutine(value):
            value = drive(value)
        values.append(value)
    return values


def success(task_id: TaskId, value: object) -> TaskResult:
    """A result carrying ``value`` (or an error result when it does not pickle)."""
    try:
        return TaskResult(task_id, True, pickle.dumps(value, protocol=_PROTOCOL))
    except Exception as exc:
        error = RuntimeSystemError(
            f"the result of task {task_id} ({type(value).__name__}) does not pickle: {exc}"
        )
        return failure(task_id, error, "")


def failure(task_id: TaskId, exc: BaseException, header: str) -> TaskResult:
    """A result carrying ``exc`` and its traceback text headed by ``header``."""
    text = header + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        payload = pickle.dumps((exc, text), protocol=_PROTOCOL)
        pickle.loads(payload)
    except Exception:
        substitute = RuntimeSystemError(f"{type(exc).__name__}: {exc}")
        payload = pickle.dumps((substitute, text), protocol=_PROTOCOL)
    return TaskResult(task_id, False, payload)
