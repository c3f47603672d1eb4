""":class:`StagedPassManager`: a circuit pass manager made of named stages.

Each stage is a :class:`~hpcq.passes.PassManager` of its own, reached by its name
(``pm.optimization``), so that a pass can be added to one stage without rebuilding the
others; the stages run in order. hpcq's preset levels
(:func:`hpcq.preset_pass_manager`) are staged pass managers with the stages
:data:`STAGES`. Each stage's wall time goes to ``property_set["stage_seconds"]``.

Example:
    >>> from hpcq import Circuit
    >>> from hpcq.passes import CancelCX, Fuse1Q, PassManager, StagedPassManager
    >>> pm = StagedPassManager(optimization=PassManager([Fuse1Q(), CancelCX()]))
    >>> pm.stages
    ('init', 'optimization', 'finalize')
    >>> pm.run(Circuit(2).h(0).h(0).cx(0, 1).cx(0, 1))
    Circuit(2 qubits, 0 clbits, 0 operations)
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from hpcq.exceptions import PassManagerError
from hpcq.passes.passmanager import PassManager
from hpcq.passmanager import Callback, FlowControllerLinear, PassManagerState, Task
from hpcq.passmanager.base_tasks import describe

STAGES = ("init", "optimization", "finalize")
"""hpcq's stages, in order: ``init`` (keep the input, unroll, synthesize unitaries,
rebase to ``u3`` + ``cx``), ``optimization`` (the level's passes), ``finalize``
(the whole-circuit check). Hardware targets add ``layout``, ``routing`` and
``translation`` between ``init`` and ``optimization``."""


class Stage(FlowControllerLinear):
    """The tasks of one stage, in order; its wall time adds to ``stage_seconds``."""

    def __init__(self, name: str, tasks: Task | Iterable[Task] = ()) -> None:
        super().__init__(tasks)
        self.name = name

    def execute(
        self, passmanager_ir: Any, state: PassManagerState, callback: Callback | None = None
    ) -> tuple[Any, PassManagerState]:
        """Run the stage's tasks and time them."""
        start = time.perf_counter()
        try:
            return super().execute(passmanager_ir, state, callback)
        finally:
            seconds = state.property_set["stage_seconds"] or {}
            seconds[self.name] = seconds.get(self.name, 0.0) + time.perf_counter() - start
            state.property_set["stage_seconds"] = seconds


class StagedPassManager(PassManager):
    """Named stages of circuit passes, run in order.

    Args:
        stages: The stage names, in order (default :data:`STAGES`).
        **stage_tasks: A stage's passes: a :class:`PassManager`, a task or tasks;
            a stage not given starts empty.

    Raises:
        ValueError: A stage name repeats, is not an identifier, or clashes with an
            attribute; or ``stage_tasks`` names a stage not in ``stages``.
    """

    def __init__(
        self, stages: Sequence[str] = STAGES, **stage_tasks: PassManager | Task | Iterable[Task]
    ) -> None:
        names = tuple(stages)
        for name in names:
            if not name.isidentifier() or hasattr(PassManager, name) or name.startswith("_"):
                raise ValueError(f"{name!r} cannot be a stage name")
        if len(set(names)) != len(names):
            raise ValueError(f"stage names repeat: {names}")
        unknown = set(stage_tasks) - set(names)
        if unknown:
            raise ValueError(
                f"no stage {', '.join(sorted(unknown))}; the stages are {', '.join(names)}"
            )
        super().__init__()
        self._stage_names = names
        self._stages: dict[str, PassManager] = {}
        for name in names:
            given = stage_tasks.get(name, ())
            self._stages[name] = given if isinstance(given, PassManager) else PassManager(given)

    @property
    def stages(self) -> tuple[str, ...]:
        """The stage names, in the order they run."""
        return self._stage_names

    def __getattr__(self, name: str) -> PassManager:
        stages = self.__dict__.get("_stages")
        if stages is not None and name in stages:
            return stages[name]
        raise AttributeError(f"{type(self).__name__} has no attribute or stage {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        stages = self.__dict__.get("_stages")
        if stages is not None and name in stages:
            stages[name] = value if isinstance(value, PassManager) else PassManager(value)
            return
        super().__setattr__(name, value)

    # The schedule is the stages: adding to the whole would bypass them.

    def append(self, tasks: Task | Iterable[Task]) -> None:
        """Not on a staged pass manager: append to one stage (``pm.optimization.append``).

        Raises:
            PassManagerError: Always, unless called while the stages are being set up.
        """
        if "_stages" not in self.__dict__:
            super().append(tasks)
            return
        raise PassManagerError(
            "a staged pass manager runs its stages: append to one of them, for example "
            f"pm.{self._stage_names[-1]}.append(...) (stages: {', '.join(self._stage_names)})"
        )

    def insert(self, index: int, tasks: Task | Iterable[Task]) -> None:
        """Not on a staged pass manager: insert into one stage (see :meth:`append`)."""
        self.append(tasks)

    def to_flow_controller(self) -> FlowControllerLinear:
        """The stages, in order, as one controller."""
        return FlowControllerLinear(
            [Stage(name, self._stages[name].to_flow_controller().tasks) for name in self.stages]
        )

    def __len__(self) -> int:
        return len(self._stage_names)

    def draw(self) -> str:
        """The stages and their passes as indented text (also ``str(pm)``)."""
        lines: list[str] = []
        for name in self.stages:
            tasks = self._stages[name].to_flow_controller().tasks
            lines.append(f"{name}:" if tasks else f"{name}: (empty)")
            for task in tasks:
                lines.extend(describe(task, 1))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.draw()
