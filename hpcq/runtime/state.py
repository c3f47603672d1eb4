"""The scheduling decisions of a coordinator (server or node manager): a pure state machine.

A coordinator has *children* (workers, or managers for the server) and, for a manager,
an *upstream* (the server). It never runs tasks: it places the tasks it receives on its
children, routes results back to whoever submitted them, rebalances by stealing unstarted
tasks for idle children, and propagates cancellation. :meth:`SchedulerState.handle`
takes one event and returns the instructions the caller's transport carries out; no
I/O happens here, so every decision is unit-tested without MPI.

Origins (who submitted a task, where its result goes) are child ranks (``int``), the
string :data:`UP` for the upstream, or client keys (``"client-3"``) on the server.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field

from hpcq.runtime.protocol import TaskId, TaskResult, TaskSpec

Origin = int | str
UP = "up"


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class TasksArrived:
    """Tasks submitted by ``origin`` (a child, a client, or :data:`UP` assigning them)."""

    origin: Origin
    tasks: tuple[TaskSpec, ...]


@dataclass(frozen=True)
class ResultsArrived:
    """Results of tasks that ran on ``source`` (a child, or :data:`UP` for stolen ones)."""

    source: Origin
    results: tuple[TaskResult, ...]


@dataclass(frozen=True)
class ChildWentIdle:
    """``child`` has nothing runnable."""

    child: int


@dataclass(frozen=True)
class StolenArrived:
    """``child`` answered a steal request with these unstarted tasks."""

    child: int
    tasks: tuple[TaskSpec, ...]


@dataclass(frozen=True)
class StealAsked:
    """The upstream wants up to ``count`` unstarted tasks (managers only)."""

    count: int


@dataclass(frozen=True)
class CancelAsked:
    """Cancel these tasks wherever they are."""

    task_ids: tuple[TaskId, ...]


@dataclass(frozen=True)
class OriginGone:
    """A client disconnected: cancel everything it submitted."""

    origin: Origin


@dataclass(frozen=True)
class LoadReported:
    """A manager child reported how many tasks it holds."""

    child: int
    load: int


Event = (
    TasksArrived
    | ResultsArrived
    | ChildWentIdle
    | StolenArrived
    | StealAsked
    | CancelAsked
    | OriginGone
    | LoadReported
)


# --------------------------------------------------------------------- instructions


@dataclass(frozen=True)
class SendTasks:
    """Send tasks to ``dest`` (a child to run them, or :data:`UP` when stolen upward)."""

    dest: Origin
    tasks: tuple[TaskSpec, ...]


@dataclass(frozen=True)
class SendResults:
    """Deliver results to the origin that submitted them."""

    dest: Origin
    results: tuple[TaskResult, ...]


@dataclass(frozen=True)
class SendCancel:
    """Tell ``dest`` (a child or :data:`UP`) to cancel tasks it holds."""

    dest: Origin
    task_ids: tuple[TaskId, ...]


@dataclass(frozen=True)
class RequestSteal:
    """Ask child ``dest`` for up to ``count`` unstarted tasks."""

    dest: int
    count: int


@dataclass(frozen=True)
class ReturnStolen:
    """Answer the upstream's steal request with these tasks (possibly none)."""

    tasks: tuple[TaskSpec, ...]


@dataclass(frozen=True)
class ReportIdle:
    """Tell the upstream this whole subtree has nothing runnable."""


@dataclass(frozen=True)
class ReportLoad:
    """Tell the upstream how many tasks this subtree holds."""

    load: int


Instruction = (
    SendTasks | SendResults | SendCancel | RequestSteal | ReturnStolen | ReportIdle | ReportLoad
)


# ---------------------------------------------------------------------------- state


@dataclass
class _Record:
    spec: TaskSpec
    origin: Origin
    owner: Origin | None = None
    cancelled: bool = False
    also_up: bool = False
    """The task came back from the upstream: its result must go up as well."""


@dataclass
class _Child:
    capacity: int
    load: int = 0
    idle: bool = True
    being_stolen_from: bool = False


@dataclass
class _UpSteal:
    wanted: int
    waiting_on: int
    collected: list[TaskSpec] = field(default_factory=list)


class SchedulerState:
    """Placement, routing, stealing and cancellation for one coordinator.

    Args:
        children: Child rank -> capacity (1 for a worker, its worker count for a manager).
        upstream: Whether this coordinator has an upstream (managers do, the server not).
    """

    def __init__(self, children: dict[int, int], *, upstream: bool = False) -> None:
        if not children:
            raise ValueError("a coordinator needs at least one child")
        self._children = {rank: _Child(capacity) for rank, capacity in children.items()}
        self._upstream = upstream
        self._records: dict[TaskId, _Record] = {}
        self._thieves: list[int] = []
        self._up_steal: _UpSteal | None = None
        self._reported_idle = False
        self._reported_load = 0
        self._rotation = 0

    # ------------------------------------------------------------------ queries

    @property
    def load(self) -> int:
        """Tasks placed on this coordinator's children and not finished."""
        return sum(child.load for child in self._children.values())

    def holds(self, task_id: TaskId) -> bool:
        """Whether a task is known here (placed and not finished or dropped)."""
        return task_id in self._records

    def owner_of(self, task_id: TaskId) -> Origin | None:
        """Where a task known here runs (a child, or :data:`UP`)."""
        record = self._records.get(task_id)
        return None if record is None else record.owner

    def child_load(self, child: int) -> int:
        """Tasks placed on ``child`` and not finished."""
        return self._children[child].load

    # --------------------------------------------------------------- transitions

    def handle(self, event: Event) -> list[Instruction]:
        """Apply one event; return what the transport must send."""
        out = self._dispatch(event)
        if self._upstream and self.load != self._reported_load:
            self._reported_load = self.load
            out.append(ReportLoad(self._reported_load))
        return out

    @functools.singledispatchmethod
    def _dispatch(self, event: object) -> list[Instruction]:
        raise TypeError(f"unknown scheduler event {event!r}")

    @_dispatch.register
    def _tasks_arrived(self, event: TasksArrived) -> list[Instruction]:
        fresh: list[TaskSpec] = []
        for spec in event.tasks:
            record = self._records.get(spec.task_id)
            if record is not None and record.owner == UP and event.origin == UP:
                # A task this subtree gave away came back: run it here, and still
                # report its result upward so the upstream's books balance.
                record.also_up = True
                fresh.append(spec)
                continue
            self._records[spec.task_id] = _Record(spec, event.origin)
            fresh.append(spec)
        return self._place(fresh)

    @_dispatch.register
    def _results_arrived(self, event: ResultsArrived) -> list[Instruction]:
        routed: dict[Origin, list[TaskResult]] = defaultdict(list)
        for result in event.results:
            record = self._records.get(result.task_id)
            if record is None or record.owner != event.source:
                continue
            del self._records[result.task_id]
            if isinstance(record.owner, int):
                self._children[record.owner].load -= 1
            if record.cancelled or result.cancelled:
                continue
            routed[record.origin].append(result)
            if record.also_up and record.origin != UP:
                routed[UP].append(result)
        out: list[Instruction] = [
            SendResults(dest, tuple(results)) for dest, results in routed.items()
        ]
        return out + self._after_change()

    @_dispatch.register
    def _child_idle(self, event: ChildWentIdle) -> list[Instruction]:
        child = self._children[event.child]
        child.idle = True
        if event.child not in self._thieves:
            self._thieves.append(event.child)
        return self._after_change()

    @_dispatch.register
    def _stolen_arrived(self, event: StolenArrived) -> list[Instruction]:
        victim = self._children[event.child]
        victim.being_stolen_from = False
        out: list[Instruction] = []
        tasks: list[TaskSpec] = []
        for spec in event.tasks:
            record = self._records.get(spec.task_id)
            if record is None:
                # a task the child (a manager) held locally: its results go back there
                record = self._records[spec.task_id] = _Record(spec, event.child)
            elif record.owner == event.child:
                victim.load -= 1
            if record.cancelled:
                del self._records[spec.task_id]
                continue
            record.owner = None
            tasks.append(spec)
        if self._up_steal is not None:
            steal = self._up_steal
            steal.waiting_on -= 1
            give = tasks[: max(0, steal.wanted - len(steal.collected))]
            tasks = tasks[len(give) :]
            for spec in give:
                self._records[spec.task_id].owner = UP
            steal.collected.extend(give)
            if steal.waiting_on <= 0:
                out.append(ReturnStolen(tuple(steal.collected)))
                self._up_steal = None
        return out + self._place(tasks) + self._after_change()

    @_dispatch.register
    def _steal_asked(self, event: StealAsked) -> list[Instruction]:
        if self._up_steal is not None or event.count <= 0:
            return [ReturnStolen(())]
        requests = self._steal_requests(event.count)
        if not requests:
            return [ReturnStolen(())]
        self._up_steal = _UpSteal(wanted=event.count, waiting_on=len(requests))
        return list(requests)

    @_dispatch.register
    def _cancel_asked(self, event: CancelAsked) -> list[Instruction]:
        forward: dict[Origin, list[TaskId]] = defaultdict(list)
        for task_id in event.task_ids:
            record = self._records.get(task_id)
            if record is None or record.cancelled:
                continue
            record.cancelled = True
            if record.owner is not None:
                forward[record.owner].append(task_id)
        return [SendCancel(dest, tuple(ids)) for dest, ids in forward.items()]

    @_dispatch.register
    def _origin_gone(self, event: OriginGone) -> list[Instruction]:
        doomed = tuple(
            task_id for task_id, record in self._records.items() if record.origin == event.origin
        )
        return self._cancel_asked(CancelAsked(doomed))

    @_dispatch.register
    def _load_reported(self, event: LoadReported) -> list[Instruction]:
        self._children[event.child].load = event.load
        return []

    # ------------------------------------------------------------------ helpers

    def _place(self, tasks: list[TaskSpec]) -> list[Instruction]:
        if not tasks:
            return []
        self._reported_idle = False
        batches: dict[int, list[TaskSpec]] = defaultdict(list)
        for spec in tasks:
            rank = self._choose_child()
            child = self._children[rank]
            child.load += 1
            child.idle = False
            if rank in self._thieves:
                self._thieves.remove(rank)
            self._records[spec.task_id].owner = rank
            batches[rank].append(spec)
        return [SendTasks(rank, tuple(batch)) for rank, batch in batches.items()]

    def _choose_child(self) -> int:
        ranks = list(self._children)
        self._rotation = (self._rotation + 1) % len(ranks)
        ordered = ranks[self._rotation :] + ranks[: self._rotation]
        for rank in self._thieves:
            return rank
        for rank in ordered:
            if self._children[rank].idle:
                return rank
        return min(ordered, key=lambda r: self._children[r].load / self._children[r].capacity)

    def _steal_requests(self, wanted: int, exclude: int | None = None) -> list[RequestSteal]:
        requests: list[RequestSteal] = []
        candidates = sorted(
            (
                (child.load - child.capacity, rank)
                for rank, child in self._children.items()
                if rank != exclude and not child.being_stolen_from and not child.idle
            ),
            reverse=True,
        )
        for surplus, rank in candidates:
            if wanted <= 0 or surplus <= 0:
                break
            count = min(wanted, max(1, (surplus + 1) // 2))
            self._children[rank].being_stolen_from = True
            requests.append(RequestSteal(rank, count))
            wanted -= count
        return requests

    def _after_change(self) -> list[Instruction]:
        out: list[Instruction] = []
        still_idle = [rank for rank in self._thieves if self._children[rank].idle]
        self._thieves = still_idle
        if self._thieves and not any(c.being_stolen_from for c in self._children.values()):
            out.extend(self._steal_requests(len(self._thieves)))
        if (
            self._upstream
            and not self._reported_idle
            and all(child.idle for child in self._children.values())
            and not out
        ):
            self._reported_idle = True
            out.append(ReportIdle())
        return out
