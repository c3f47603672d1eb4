"""The task contract: :class:`Task`, :class:`GenericPass` and :class:`BaseController`.

A task takes the IR and the run's :class:`PassManagerState` and returns both, updated.
A pass (:class:`GenericPass`) does one piece of work in :meth:`GenericPass.run`; a
controller (:class:`BaseController`) decides which tasks run, in which order, by
yielding them from :meth:`BaseController.iter_tasks`.

A pass that raises propagates its own exception (the caller can ``except`` the error
type it knows) after its ``Pass: Name - t (ms)`` log line; :class:`PassManagerError`
is for the pass manager's own failures (a loop that does not end, a bad schedule).
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Iterable
from typing import Any, Generic, TypeVar

from hpcq.passmanager.compilation_status import PassManagerState, PropertySet, RunState

logger = logging.getLogger(__name__)

IR = TypeVar("IR")
"""The intermediate representation the passes of a pass manager work on."""

Callback = Callable[..., Any]
"""``callback(pass_=, passmanager_ir=, time=, property_set=, count=)`` after each pass."""


class Task(ABC):
    """Anything a pass manager can run: a pass or a flow controller."""

    @abstractmethod
    def execute(
        self,
        passmanager_ir: Any,
        state: PassManagerState,
        callback: Callback | None = None,
    ) -> tuple[Any, PassManagerState]:
        """Run this task on ``passmanager_ir``.

        Args:
            passmanager_ir: The IR being transformed.
            state: The run's state; tasks may update it.
            callback: Called after every pass that runs (see :data:`Callback`).

        Returns:
            The new IR and the updated state.
        """


class GenericPass(Task, Generic[IR]):
    """One unit of work on the IR (``GenericPass[Circuit]``: a pass over circuits).

    Subclasses implement :meth:`run`. A pass reads and writes :attr:`property_set` (the
    run's shared :class:`PropertySet`, set before :meth:`run` is called) and may list
    passes in :attr:`requires`, which run first unless their results are still valid.

    Attributes:
        property_set: The property set of the current run.
        requires: Tasks to run before this pass (analysis it depends on).
    """

    def __init__(self) -> None:
        self.property_set = PropertySet()
        self.requires: list[Task] = []

    def name(self) -> str:
        """The pass's name, as logs and errors show it (the class name by default)."""
        return type(self).__name__

    @abstractmethod
    def run(self, passmanager_ir: IR) -> IR | None:
        """Do the pass's work.

        A pass has no side effects outside its IR and :attr:`property_set`: no files,
        no globals, no printing. It may run on any rank of the parallel runtime, in a
        process that never sees the caller's objects, and its effects elsewhere would be
        lost or, worse, differ from rank to rank.

        Args:
            passmanager_ir: The IR to work on.

        Returns:
            The new IR, or ``None`` to keep ``passmanager_ir`` (analysis passes).
        """

    def execute(
        self,
        passmanager_ir: Any,
        state: PassManagerState,
        callback: Callback | None = None,
    ) -> tuple[Any, PassManagerState]:
        """Run :attr:`requires`, then :meth:`run` unless this pass's result is valid.

        Logs the pass's wall time at INFO (``Pass: Name - 1.234 (ms)``), also when it
        raises, and calls ``callback`` after it when it returned.

        Raises:
            Exception: Whatever the pass raised, unchanged.
        """
        self.property_set = state.property_set
        if self.requires:
            from hpcq.passmanager.flow_controllers import FlowControllerLinear

            passmanager_ir, state = FlowControllerLinear(self.requires).execute(
                passmanager_ir, state, callback
            )
            self.property_set = state.property_set

        if self in state.workflow_status.completed_passes:
            return passmanager_ir, self.update_status(state, RunState.SKIP)

        start = time.perf_counter()
        try:
            result = self.run(passmanager_ir)
        except BaseException:
            self.update_status(state, RunState.FAIL)
            raise
        finally:
            elapsed = time.perf_counter() - start
            logger.info("Pass: %s - %.3f (ms)", self.name(), elapsed * 1000)
        if result is None:
            result = passmanager_ir
        state = self.update_status(state, RunState.SUCCESS)
        if callback is not None:
            callback(
                pass_=self,
                passmanager_ir=result,
                time=elapsed,
                property_set=state.property_set,
                count=state.workflow_status.count,
            )
        return result, state

    def update_status(self, state: PassManagerState, run_state: RunState) -> PassManagerState:
        """Record how this pass ended; subclasses may invalidate earlier results.

        Args:
            state: The run's state.
            run_state: How the pass ended.

        Returns:
            The updated state.
        """
        state.workflow_status.previous_run = run_state
        if run_state is RunState.SUCCESS:
            state.workflow_status.count += 1
            state.workflow_status.completed_passes.add(self)
        return state

    def __repr__(self) -> str:
        return f"<{self.name()}>"


class BaseController(Task):
    """A task that runs other tasks, in an order it decides while they run.

    Subclasses implement :meth:`iter_tasks` as a generator: it yields a task, receives
    the state after that task through ``send``, and decides what comes next.

    Args:
        options: Options of this controller (``max_iteration`` for loops).
    """

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        self._options: dict[str, Any] = dict(options or {})

    @property
    def options(self) -> dict[str, Any]:
        """This controller's options (a copy)."""
        return dict(self._options)

    @abstractmethod
    def iter_tasks(self, state: PassManagerState) -> Generator[Task, PassManagerState, None]:
        """Yield the tasks to run; each ``yield`` returns the state after that task.

        Args:
            state: The state when the controller starts.
        """

    def execute(
        self,
        passmanager_ir: Any,
        state: PassManagerState,
        callback: Callback | None = None,
    ) -> tuple[Any, PassManagerState]:
        """Run the tasks :meth:`iter_tasks` yields, sending back the state after each."""
        tasks = self.iter_tasks(state)
        try:
            task = next(tasks)
        except StopIteration:
            return passmanager_ir, state
        while True:
            passmanager_ir, state = task.execute(passmanager_ir, state, callback)
            try:
                task = tasks.send(state)
            except StopIteration:
                return passmanager_ir, state


def as_tasks(tasks: Task | Iterable[Task]) -> list[Task]:
    """``tasks`` as a flat list, checking that each item is a :class:`Task`.

    Raises:
        TypeError: An item is not a task (for example a pass class instead of an
            instance).
    """
    if isinstance(tasks, Task):
        return [tasks]
    if not isinstance(tasks, Iterable):
        raise TypeError(f"expected a Task or an iterable of tasks, not {type(tasks).__name__}")
    out: list[Task] = []
    for item in tasks:
        if isinstance(item, Task):
            out.append(item)
        elif isinstance(item, Iterable) and not isinstance(item, (str, bytes)):
            out.extend(as_tasks(item))
        else:
            hint = " (a class: did you forget the ()?)" if isinstance(item, type) else ""
            raise TypeError(f"expected a Task, not {item!r}{hint}")
    return out


def describe(task: Task, depth: int = 0) -> list[str]:
    """``task`` as indented lines: a pass's name, a controller's kind and its tasks."""
    indent = "  " * depth
    if isinstance(task, GenericPass):
        return [indent + task.name()]
    if isinstance(task, BaseController):
        label = type(task).__name__
        for attribute in ("condition", "do_while"):
            value = getattr(task, attribute, None)
            if value is not None:
                label += f" ({attribute}={getattr(value, '__name__', value)!s})"
        settings = [
            f"{key}={getattr(task, key)}"
            for key in ("restarts", "max_cx", "max_iteration")
            if getattr(task, key, None) is not None
        ]
        if settings:
            label += f" [{', '.join(settings)}]"
        lines = [indent + label + ":"]
        for inner in getattr(task, "passes", ()):
            lines.extend(describe(inner, depth + 1))
        return lines
    return [indent + repr(task)]
