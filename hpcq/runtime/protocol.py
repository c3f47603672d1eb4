"""Messages exchanged between ranks (and with detached clients): frozen dataclasses.

A receiver dispatches on the message's type (``functools.singledispatchmethod``), never on
a tag field. Task payloads travel as opaque pickled bytes: coordinators route them
without unpickling user objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TaskId = tuple[int, int]
"""``(submitter, counter)``: the submitter is a rank (>= 0) or ``-1 - client_id``."""


@dataclass(frozen=True)
class TaskSpec:
    """One task as it travels between ranks."""

    task_id: TaskId
    """Unique within one runtime."""
    client: int
    """The client whose root task this descends from (log records go there)."""
    payload: bytes
    """Pickled ``(kind, fn, args, kwargs)``; only the worker that runs it unpickles."""


@dataclass(frozen=True)
class TaskResult:
    """The outcome of one task."""

    task_id: TaskId
    """The task it belongs to."""
    ok: bool
    """True: ``payload`` is the pickled value; False: a pickled ``(exception, traceback)``."""
    payload: bytes = b""
    """Pickled value or error; empty when the task was cancelled."""
    cancelled: bool = False
    """The task was cancelled before or while it ran; nothing to deliver."""


@dataclass(frozen=True)
class SubmitTasks:
    """New tasks: a child submitting upward, or a coordinator assigning downward."""

    tasks: tuple[TaskSpec, ...]


@dataclass(frozen=True)
class DeliverResults:
    """Finished tasks: a child reporting upward, or results routed back to a submitter."""

    results: tuple[TaskResult, ...]


@dataclass(frozen=True)
class CancelTasks:
    """Cancel these tasks (and, through their workers, everything they submitted)."""

    task_ids: tuple[TaskId, ...]


@dataclass(frozen=True)
class Interrupt:
    """Stop these tasks if one is running (a worker's watcher thread reads it).

    Sent to a worker beside :class:`CancelTasks`, on the transport's interrupt tag: the
    worker's main thread reads no messages while a task's code runs, so the cancel
    alone would wait until the task ends by itself.
    """

    task_ids: tuple[TaskId, ...]


@dataclass(frozen=True)
class StealTasks:
    """Coordinator to child: give back up to ``count`` tasks that have not started."""

    count: int


@dataclass(frozen=True)
class StolenTasks:
    """Child to coordinator: the unstarted tasks given back (possibly none)."""

    tasks: tuple[TaskSpec, ...]


@dataclass(frozen=True)
class ChildIdle:
    """Child to coordinator: nothing runnable here any more."""


@dataclass(frozen=True)
class LoadReport:
    """Manager to server: the tasks it and its workers hold."""

    load: int


@dataclass(frozen=True)
class ClientConfig:
    """Server to every rank: a client's logging levels (logger name -> level)."""

    client: int
    levels: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ClientLeft:
    """Server to every rank: forget a client's configuration."""

    client: int


@dataclass(frozen=True)
class LogRecords:
    """Log records travelling upward to the client that should handle them."""

    client: int
    records: tuple[dict[str, object], ...]


@dataclass(frozen=True)
class Shutdown:
    """Server to every rank: stop serving and exit (also a rank's last message, upward)."""

    abandon: bool = False
    """The runtime broke: exit at once, without the orderly disconnect."""


# ------------------------------------------------------------ client <-> server


@dataclass(frozen=True)
class ClientHello:
    """A client introduces itself with its logging levels."""

    levels: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ClientWelcome:
    """The server's answer to :class:`ClientHello`."""

    client: int
    num_workers: int


@dataclass(frozen=True)
class ClientSubmit:
    """A client submits root tasks."""

    tasks: tuple[TaskSpec, ...]


@dataclass(frozen=True)
class ClientCancel:
    """A client cancels root tasks (and their subtrees)."""

    task_ids: tuple[TaskId, ...]


@dataclass(frozen=True)
class ClientBye:
    """A client leaves; its unfinished tasks are cancelled."""


@dataclass(frozen=True)
class RuntimeFailed:
    """Server to clients: the runtime broke (a rank died); nothing more will complete."""

    message: str
