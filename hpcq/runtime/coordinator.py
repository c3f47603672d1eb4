"""What the server and the node managers share: messages in, state-machine events out.

A coordinator turns each message from a child or its upstream into an event of
:class:`hpcq.runtime.state.SchedulerState`, and carries out the instructions it returns
with the transport. The subclasses add what is theirs: clients for the server, the
upstream link for a manager.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from hpcq.runtime import state as st
from hpcq.runtime.protocol import (
    CancelTasks,
    ChildIdle,
    DeliverResults,
    Interrupt,
    LoadReport,
    Shutdown,
    StealTasks,
    StolenTasks,
    SubmitTasks,
    TaskResult,
)

logger = logging.getLogger(__name__)


class Coordinator:
    """Scheduling for one coordinator rank.

    Args:
        transport: The rank's transport.
        children: Child rank -> capacity.
        upstream: The upstream rank (a manager's server), or ``None`` on the server.
    """

    def __init__(self, transport: Any, children: dict[int, int], upstream: int | None) -> None:
        self.transport = transport
        self.children = dict(children)
        self.upstream = upstream
        self.state = st.SchedulerState(children, upstream=upstream is not None)
        # A child of capacity 1 is a worker: a node manager has at least two (roles.py).
        self.workers = frozenset(rank for rank, capacity in children.items() if capacity == 1)

    def drain_shutdown(self, timeout: float = 3.0) -> bool:
        """After sending :class:`Shutdown` down: wait for every child's acknowledgement.

        Whatever else arrives meanwhile is dropped, so no message is left unreceived when
        the ranks disconnect. Returns whether every child answered in time.
        """
        import time

        from hpcq.runtime._poll import Backoff

        waiting = set(self.children)
        deadline = time.monotonic() + timeout
        backoff = Backoff()
        while waiting and time.monotonic() < deadline:
            messages = self.transport.poll()
            for source, message in messages:
                if isinstance(message, Shutdown):
                    waiting.discard(source)
            if messages:
                backoff.reset()
            else:
                backoff.sleep()
        return not waiting

    def _origin(self, source: int) -> st.Origin:
        return st.UP if source == self.upstream else source

    def on_rank_message(self, source: int, message: object) -> None:
        """Handle one message that arrived from another rank."""
        event = self._event(message, source)
        if event is None:
            self.on_other_message(source, message)
        else:
            self.run(event)

    def run(self, event: st.Event) -> None:
        """Feed one event to the state machine and carry out its instructions."""
        for instruction in self.state.handle(event):
            self._apply(instruction)

    def on_other_message(self, source: int, message: object) -> None:
        """Messages that are not scheduling events (subclasses handle them)."""
        logger.error(
            "rank %s: unexpected message %r from %s", self.transport.rank, message, source
        )

    def deliver_to_client(self, client: str, results: tuple[TaskResult, ...]) -> None:
        """Results for a client (the server overrides this)."""
        logger.error("no client %s here to deliver %d results to", client, len(results))

    # ------------------------------------------------------------- messages in

    @functools.singledispatchmethod
    def _event(self, message: object, source: int) -> st.Event | None:
        return None

    @_event.register
    def _submit(self, message: SubmitTasks, source: int) -> st.Event | None:
        return st.TasksArrived(self._origin(source), message.tasks)

    @_event.register
    def _results(self, message: DeliverResults, source: int) -> st.Event | None:
        return st.ResultsArrived(self._origin(source), message.results)

    @_event.register
    def _cancel(self, message: CancelTasks, source: int) -> st.Event | None:
        return st.CancelAsked(message.task_ids)

    @_event.register
    def _steal(self, message: StealTasks, source: int) -> st.Event | None:
        return st.StealAsked(message.count)

    @_event.register
    def _stolen(self, message: StolenTasks, source: int) -> st.Event | None:
        return st.StolenArrived(source, message.tasks)

    @_event.register
    def _idle(self, message: ChildIdle, source: int) -> st.Event | None:
        return st.ChildWentIdle(source)

    @_event.register
    def _load(self, message: LoadReport, source: int) -> st.Event | None:
        return st.LoadReported(source, message.load)

    # ----------------------------------------------------------- instructions

    def _rank_of(self, dest: st.Origin) -> int:
        if dest == st.UP:
            assert self.upstream is not None
            return self.upstream
        assert isinstance(dest, int)
        return dest

    @functools.singledispatchmethod
    def _apply(self, instruction: object) -> None:
        raise TypeError(f"unknown instruction {instruction!r}")

    @_apply.register
    def _send_tasks(self, instruction: st.SendTasks) -> None:
        self.transport.send(self._rank_of(instruction.dest), SubmitTasks(instruction.tasks))

    @_apply.register
    def _send_results(self, instruction: st.SendResults) -> None:
        if isinstance(instruction.dest, str) and instruction.dest != st.UP:
            self.deliver_to_client(instruction.dest, instruction.results)
            return
        message = DeliverResults(instruction.results)
        self.transport.send(self._rank_of(instruction.dest), message)

    @_apply.register
    def _send_cancel(self, instruction: st.SendCancel) -> None:
        rank = self._rank_of(instruction.dest)
        self.transport.send(rank, CancelTasks(instruction.task_ids))
        if instruction.dest in self.workers:
            # one of them may be running there: its watcher thread stops it
            self.transport.send_interrupt(rank, Interrupt(instruction.task_ids))

    @_apply.register
    def _request_steal(self, instruction: st.RequestSteal) -> None:
        self.transport.send(instruction.dest, StealTasks(instruction.count))

    @_apply.register
    def _return_stolen(self, instruction: st.ReturnStolen) -> None:
        self.transport.send(self._rank_of(st.UP), StolenTasks(instruction.tasks))

    @_apply.register
    def _report_idle(self, instruction: st.ReportIdle) -> None:
        self.transport.send(self._rank_of(st.UP), ChildIdle())

    @_apply.register
    def _report_load(self, instruction: st.ReportLoad) -> None:
        self.transport.send(self._rank_of(st.UP), LoadReport(instruction.load))
