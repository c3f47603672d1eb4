"""The built-in flow controllers: run in order, run if, and run while.

Each is a generator of tasks (:meth:`BaseController.iter_tasks`) that receives the
state after every task, so its control flow reads top to bottom.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Generator, Iterable

from hpcq.exceptions import PassManagerError
from hpcq.passmanager.base_tasks import BaseController, Task, as_tasks
from hpcq.passmanager.compilation_status import PassManagerState, PropertySet

DEFAULT_MAX_ITERATION = 1000

# The enclosing pass manager's ``max_iteration`` during a run, for loops that set none.
_RUN_MAX_ITERATION: contextvars.ContextVar[int] = contextvars.ContextVar(
    "hpcq_passmanager_max_iteration", default=DEFAULT_MAX_ITERATION
)

Condition = Callable[[PropertySet], bool]
"""A predicate on the property set."""


class FlowControllerLinear(BaseController):
    """Run the tasks once each, in order.

    Args:
        tasks: A task or an iterable of tasks (nested iterables are flattened).
        options: Controller options.
    """

    def __init__(
        self,
        tasks: Task | Iterable[Task] = (),
        *,
        options: dict[str, object] | None = None,
    ) -> None:
        super().__init__(options)
        self.tasks: tuple[Task, ...] = tuple(as_tasks(tasks))

    @property
    def passes(self) -> list[Task]:
        """The tasks, in order."""
        return list(self.tasks)

    def iter_tasks(self, state: PassManagerState) -> Generator[Task, PassManagerState, None]:
        # Not ``yield from``: it would forward ``send(state)`` to the tuple iterator.
        for task in self.tasks:  # noqa: UP028
            yield task


class ConditionalController(BaseController):
    """Run the tasks in order if ``condition(property_set)`` is true when it starts.

    Args:
        tasks: A task or an iterable of tasks.
        condition: A predicate on the property set.
        options: Controller options.

    Raises:
        TypeError: ``condition`` is not callable.
    """

    def __init__(
        self,
        tasks: Task | Iterable[Task] = (),
        condition: Condition | None = None,
        *,
        options: dict[str, object] | None = None,
    ) -> None:
        super().__init__(options)
        if not callable(condition):
            raise TypeError(f"condition must be callable, not {condition!r}")
        self.tasks: tuple[Task, ...] = tuple(as_tasks(tasks))
        self.condition = condition

    @property
    def passes(self) -> list[Task]:
        """The tasks, in order."""
        return list(self.tasks)

    def iter_tasks(self, state: PassManagerState) -> Generator[Task, PassManagerState, None]:
        if self.condition(state.property_set):
            for task in self.tasks:  # noqa: UP028
                yield task


class DoWhileController(BaseController):
    """Run the tasks, then again while ``do_while(property_set)`` is true.

    The tasks run at least once. Before each repetition the tasks, and the tasks nested
    in them, are removed from the completed passes, so that analysis inside the loop
    runs again.

    Args:
        tasks: A task or an iterable of tasks.
        do_while: A predicate on the property set, checked after each round.
        max_iteration: The most rounds allowed; ``None`` takes the
            ``max_iteration`` option, else the running pass manager's
            ``max_iteration`` (1000 by default).
        options: Controller options.

    Raises:
        TypeError: ``do_while`` is not callable.
        ValueError: ``max_iteration`` is less than 1.
    """

    def __init__(
        self,
        tasks: Task | Iterable[Task] = (),
        do_while: Condition | None = None,
        max_iteration: int | None = None,
        *,
        options: dict[str, object] | None = None,
    ) -> None:
        super().__init__(options)
        if not callable(do_while):
            raise TypeError(f"do_while must be callable, not {do_while!r}")
        if max_iteration is not None and max_iteration < 1:
            raise ValueError(f"max_iteration must be at least 1, not {max_iteration}")
        self.tasks: tuple[Task, ...] = tuple(as_tasks(tasks))
        self._nested = nested_tasks(self.tasks)
        self.do_while = do_while
        self.max_iteration = max_iteration

    @property
    def passes(self) -> list[Task]:
        """The tasks, in order."""
        return list(self.tasks)

    def _limit(self) -> int:
        if self.max_iteration is not None:
            return self.max_iteration
        option = self._options.get("max_iteration")
        return int(option) if option is not None else _RUN_MAX_ITERATION.get()

    def iter_tasks(self, state: PassManagerState) -> Generator[Task, PassManagerState, None]:
        max_iteration = self._limit()
        for _ in range(max_iteration):
            for task in self.tasks:
                state = yield task
            if not self.do_while(state.property_set):
                return
            state.workflow_status.completed_passes.difference_update(self._nested)
        raise PassManagerError(f"Maximum iteration reached. max_iteration={max_iteration}")


def nested_tasks(tasks: Iterable[Task]) -> set[Task]:
    """``tasks`` with every task nested in them (controllers' tasks, passes' requires)."""
    found: set[Task] = set()
    pending = list(tasks)
    while pending:
        task = pending.pop()
        if task in found:
            continue
        found.add(task)
        pending.extend(getattr(task, "tasks", ()))
        pending.extend(getattr(task, "requires", ()))
    return found
