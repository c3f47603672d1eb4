"""Base classes of circuit passes: :class:`AnalysisPass` and :class:`TransformationPass`.

Both are :class:`hpcq.passmanager.GenericPass` subclasses whose IR is an
:class:`hpcq.Circuit`. An analysis pass writes what it finds to ``self.property_set``
and returns ``None``; a transformation pass returns a new circuit and leaves its input
untouched (unless its docstring says otherwise).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable

from hpcq.ir.circuit import Circuit
from hpcq.passmanager import GenericPass, PassManagerState, RunState, Task


class CircuitPass(GenericPass[Circuit]):
    """A pass whose IR is an :class:`hpcq.Circuit`."""

    @abstractmethod
    def run(self, passmanager_ir: Circuit) -> Circuit | None:
        """Work on ``passmanager_ir``.

        A pass has no side effects outside the circuit it returns and
        ``self.property_set``: it may run on any rank of the parallel runtime.

        Args:
            passmanager_ir: The circuit; a pass does not modify it in place unless its
                docstring says so.

        Returns:
            The new circuit, or ``None`` to keep ``passmanager_ir``.
        """


class AnalysisPass(CircuitPass):
    """A pass that only reads the circuit and writes ``self.property_set``.

    Its result stays valid (and a second run of the same pass instance is skipped)
    until a transformation pass changes the circuit.
    """

    @abstractmethod
    def run(self, passmanager_ir: Circuit) -> None:
        """Analyse ``passmanager_ir`` into ``self.property_set``; return ``None``."""


class TransformationPass(CircuitPass):
    """A pass that returns a transformed circuit.

    Args:
        preserves: Analysis passes whose results this pass keeps valid; every other
            completed pass is invalidated when it runs.
    """

    def __init__(self, preserves: Iterable[Task] = ()) -> None:
        super().__init__()
        self.preserves: tuple[Task, ...] = tuple(preserves)

    @abstractmethod
    def run(self, passmanager_ir: Circuit) -> Circuit:
        """Return the transformed circuit (a new object; the input is unchanged)."""

    def update_status(self, state: PassManagerState, run_state: RunState) -> PassManagerState:
        state = super().update_status(state, run_state)
        if run_state is RunState.SUCCESS:
            completed = state.workflow_status.completed_passes
            completed.intersection_update(self.preserves)
        return state
