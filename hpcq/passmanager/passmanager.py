""":class:`BasePassManager`: a schedule of tasks, and ``run`` over one input or many."""

from __future__ import annotations

import functools
import logging
import pickle
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any, Generic

from hpcq.exceptions import PassManagerError
from hpcq.passmanager.base_tasks import IR, Callback, Task, as_tasks, describe
from hpcq.passmanager.compilation_status import PassManagerState, PropertySet, WorkflowStatus
from hpcq.passmanager.flow_controllers import _RUN_MAX_ITERATION, FlowControllerLinear

logger = logging.getLogger(__name__)


class BasePassManager(ABC, Generic[IR]):
    """A schedule of tasks run on programs converted to an intermediate representation.

    ``BasePassManager[Circuit]`` schedules passes over circuits (``GenericPass[Circuit]``).

    Subclasses say how an input program becomes the IR the passes work on
    (:meth:`_passmanager_frontend`) and how the final IR becomes the output
    (:meth:`_passmanager_backend`).

    Args:
        tasks: Tasks to schedule first (as one :meth:`append`).
        max_iteration: The most rounds a :class:`DoWhileController` without its own
            limit may run.

    Attributes:
        property_set: The property set of the latest serial run (for inspection).
    """

    def __init__(self, tasks: Task | Iterable[Task] = (), max_iteration: int = 1000) -> None:
        if max_iteration < 1:
            raise ValueError(f"max_iteration must be at least 1, not {max_iteration}")
        self._tasks: list[list[Task]] = []
        self.max_iteration = max_iteration
        self.property_set = PropertySet()
        if tasks:
            self.append(tasks)

    # --- the schedule -------------------------------------------------------------

    def append(self, tasks: Task | Iterable[Task]) -> None:
        """Schedule ``tasks`` (a task or an iterable of them) after the current ones.

        Raises:
            TypeError: Something in ``tasks`` is not a :class:`Task`.
        """
        self._tasks.append(as_tasks(tasks))

    def insert(self, index: int, tasks: Task | Iterable[Task]) -> None:
        """Schedule ``tasks`` as a group before the ``index``-th group (as ``list.insert``)."""
        self._tasks.insert(index, as_tasks(tasks))

    def replace(self, index: int, tasks: Task | Iterable[Task]) -> None:
        """Replace the group of tasks added by the ``index``-th :meth:`append`.

        Raises:
            PassManagerError: No such index.
        """
        try:
            self._tasks[index] = as_tasks(tasks)
        except IndexError:
            raise PassManagerError(f"index {index} is not in the schedule") from None

    def remove(self, index: int) -> None:
        """Remove the group of tasks added by the ``index``-th :meth:`append`.

        Raises:
            PassManagerError: No such index.
        """
        try:
            del self._tasks[index]
        except IndexError:
            raise PassManagerError(f"index {index} is not in the schedule") from None

    def __setitem__(self, index: int, tasks: Task | Iterable[Task]) -> None:
        self.replace(index, tasks)

    def __len__(self) -> int:
        return len(self._tasks)

    def __getitem__(self, index: int | slice) -> BasePassManager[IR]:
        new = self._empty_like()
        if isinstance(index, slice):
            new._tasks = [list(group) for group in self._tasks[index]]
        else:
            new._tasks = [list(self._tasks[index])]
        return new

    def __add__(self, other: object) -> BasePassManager[IR]:
        new = self._empty_like()
        new._tasks = [list(g) for g in self._tasks]
        if isinstance(other, BasePassManager):
            new._tasks += [list(g) for g in other._tasks]
        else:
            try:
                new.append(other)  # type: ignore[arg-type]
            except TypeError:
                return NotImplemented
        return new

    def _empty_like(self) -> BasePassManager[IR]:
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        new._tasks = []
        new.property_set = PropertySet()
        return new

    def to_flow_controller(self) -> FlowControllerLinear:
        """The whole schedule as one :class:`FlowControllerLinear` (to nest it elsewhere)."""
        return FlowControllerLinear([task for group in self._tasks for task in group])

    def draw(self) -> str:
        """The scheduled tasks as indented text, one per line (also ``str(pm)``)."""
        lines = [line for group in self._tasks for task in group for line in describe(task)]
        return "\n".join(lines) if lines else "(no tasks)"

    def __str__(self) -> str:
        return self.draw()

    # --- conversions --------------------------------------------------------------

    @abstractmethod
    def _passmanager_frontend(self, input_program: Any, **kwargs: Any) -> IR:
        """Convert one input program to the IR the passes work on."""

    @abstractmethod
    def _passmanager_backend(self, passmanager_ir: IR, in_program: Any, **kwargs: Any) -> Any:
        """Convert the final IR to the output program (``in_program`` is the input)."""

    # --- running ------------------------------------------------------------------

    def run(self, in_programs: Any, callback: Callback | None = None, **kwargs: Any) -> Any:
        """Run the schedule on one program, or on each program of a list.

        On a list, when an hpcq runtime is active (:func:`hpcq.runtime.has_runtime`),
        the inputs are spread over its workers with ``map``; otherwise, or with a
        ``callback`` (which must run here), they run one after the other. The outputs
        keep the order of the inputs either way.

        Args:
            in_programs: One program, or a ``list`` of programs.
            callback: Called after each pass with the keywords ``pass_``,
                ``passmanager_ir``, ``time`` (seconds), ``property_set`` and ``count``.
            **kwargs: Passed to the frontend and backend.

        Returns:
            One output, or a list of outputs for a list.

        Raises:
            Exception: What a pass raised, unchanged (for a list, with a note naming
                the input's index).
            PassManagerError: The pass manager's own failure (a loop past its
                ``max_iteration``), or, for a list, a conversion that failed; the
                message names the input's index.
        """
        if not isinstance(in_programs, list):
            return self._run_serial(None, in_programs, callback, kwargs)
        if len(in_programs) > 1 and callback is None:
            parallel = self._run_parallel(in_programs, kwargs)
            if parallel is not None:
                return parallel
        return [
            self._run_serial(index, program, callback, kwargs)
            for index, program in enumerate(in_programs)
        ]

    def _run_serial(
        self,
        index: int | None,
        program: Any,
        callback: Callback | None,
        kwargs: dict[str, Any],
    ) -> Any:
        output, property_set = _run_workflow(self, index, program, callback, kwargs)
        self.property_set = property_set
        return output

    def _run_parallel(self, programs: list[Any], kwargs: dict[str, Any]) -> list[Any] | None:
        from hpcq.runtime import get_runtime, has_runtime

        if not has_runtime():
            return None
        try:
            payload = pickle.dumps((self, kwargs))
        except Exception as exc:  # pickling raises many types (PicklingError, TypeError...)
            logger.warning(
                "running %d inputs serially: the pass manager cannot be sent to the "
                "runtime (%s: %s); use module-level functions for conditions, not lambdas",
                len(programs),
                type(exc).__name__,
                exc,
            )
            return None
        function = functools.partial(_run_indexed, payload)
        logger.debug("mapping %d inputs over the runtime", len(programs))
        results = get_runtime().map(function, list(enumerate(programs))).result()
        return list(results)


def _run_indexed(payload: bytes, item: tuple[int, Any]) -> Any:
    """Run one input of a list on a runtime worker (module level so that it pickles)."""
    pass_manager, kwargs = pickle.loads(payload)
    index, program = item
    output, _ = _run_workflow(pass_manager, index, program, None, kwargs)
    return output


def _run_workflow(
    pass_manager: BasePassManager,
    index: int | None,
    program: Any,
    callback: Callback | None,
    kwargs: dict[str, Any],
) -> tuple[Any, PropertySet]:
    """Frontend, the flow controller, backend, for one program; errors name ``index``."""
    where = f"input {index}: " if index is not None else ""
    token = _RUN_MAX_ITERATION.set(pass_manager.max_iteration)
    try:
        state = PassManagerState(WorkflowStatus(), PropertySet())
        try:
            ir = pass_manager._passmanager_frontend(input_program=program, **kwargs)
        except Exception as exc:
            if index is None:
                raise
            raise PassManagerError(f"{where}cannot convert the input: {exc}") from exc
        try:
            ir, state = pass_manager.to_flow_controller().execute(ir, state, callback)
        except PassManagerError as exc:
            if index is None:
                raise
            raise PassManagerError(f"{where}{exc}") from exc
        except Exception as exc:
            if index is not None and hasattr(exc, "add_note"):  # Python 3.11+
                exc.add_note(f"while running the pass manager on input {index}")
            raise
        pass_manager.property_set = state.property_set
        try:
            output = pass_manager._passmanager_backend(
                passmanager_ir=ir, in_program=program, **kwargs
            )
        except Exception as exc:
            if index is None:
                raise
            raise PassManagerError(f"{where}cannot convert the result: {exc}") from exc
        return output, state.property_set
    finally:
        _RUN_MAX_ITERATION.reset(token)
