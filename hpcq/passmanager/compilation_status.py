"""The state a pass-manager run carries from task to task.

:class:`PropertySet` holds what passes learn about the IR; :class:`WorkflowStatus`
holds what the run itself has done; :class:`PassManagerState` bundles the two, and is
what flow controllers receive through ``generator.send``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class PropertySet(dict[str, Any]):
    """A dictionary shared by the passes of one run; a missing key reads as ``None``.

    Example:
        >>> properties = PropertySet()
        >>> properties["depth"] is None
        True
    """

    def __missing__(self, key: Any) -> None:
        return None


class RunState(Enum):
    """How the latest task ended."""

    SUCCESS = 0
    """The pass ran and returned."""

    FAIL = 1
    """The pass raised (or nothing has run yet)."""

    SKIP = 2
    """The pass was not run: its result was still valid from an earlier run."""


@dataclass
class WorkflowStatus:
    """What a pass-manager run has done so far.

    A fresh status is made for every input of :meth:`BasePassManager.run` and handed
    down to every task of the run.
    """

    count: int = 0
    """Number of passes run so far (skipped passes do not count)."""

    completed_passes: set[Any] = field(default_factory=set)
    """Passes that ran and whose result no later pass has invalidated."""

    previous_run: RunState = RunState.FAIL
    """How the latest task ended."""


@dataclass
class PassManagerState:
    """Everything a task of a run may read or update, except the IR itself."""

    workflow_status: WorkflowStatus
    """The status of the run."""

    property_set: PropertySet
    """What the passes have learned about the IR."""
