"""The controllers and bookkeeping passes of level 3's search.

Level 3 repeats resynthesis sweeps until the circuit stops improving, rotating among
partitioners, and runs that whole search from several seeds, keeping the best result:

* :class:`SeededRestarts` runs its tasks once per seed on the same input and keeps the
  output with the fewest CX (then single-qubit gates).
* :class:`StartFixedPoint` and :class:`TrackImprovement` keep the fixed point's count
  of rounds and of rounds without improvement in ``property_set["fixed_point"]``;
  :class:`Improving` is the ``do_while`` condition of the
  :class:`~hpcq.passmanager.DoWhileController` around the rounds.
* :class:`RotatingController` runs one of its tasks per round, in turn.

Everything a run learns lives in its property set, so these pickle with the pass
manager and run on any rank.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from typing import Any

from hpcq.ir.circuit import Circuit, Operation
from hpcq.passes.base import AnalysisPass
from hpcq.passmanager import (
    BaseController,
    FlowControllerLinear,
    PassManagerState,
    PropertySet,
    Task,
)
from hpcq.passmanager.flow_controllers import nested_tasks

#: Seed stride between the restarts: restart ``a`` runs with ``seed_offset`` ``a`` times it.
RESTART_SEED_STRIDE = 104_729

#: The property-set keys a restart starts afresh and the kept restart hands back.
RESTART_SCOPED = ("resynthesis", "block_distances", "block_cache")


def gate_counts(operations: Iterable[Operation]) -> tuple[int, int]:
    """``(CX, single-qubit unitary gates)`` of a circuit or operations: what the
    compiler minimizes."""
    cx = one_qubit = 0
    for op in operations:
        if op.name == "cx":
            cx += 1
        elif len(op.qubits) == 1 and op.gate.is_unitary:
            one_qubit += 1
    return cx, one_qubit


class SeededRestarts(FlowControllerLinear):
    """Run ``tasks`` from several seeds on the same input; keep the best output.

    Restart ``a`` runs with ``property_set["seed_offset"]`` raised by
    ``a * RESTART_SEED_STRIDE`` and fresh ``resynthesis``, ``block_distances`` and
    ``block_cache`` entries; the kept restart's records and distances are added to the
    run's afterwards. Inputs with more than ``max_cx`` CX get one run.

    Args:
        tasks: The tasks of one run.
        restarts: Runs (at least 1).
        max_cx: Largest CX count that still gets ``restarts`` runs.
        progress: ``progress("run", a, restarts)`` as run ``a`` (from 1) starts.
    """

    def __init__(
        self,
        tasks: Task | Iterable[Task],
        restarts: int = 3,
        max_cx: int = 1000,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> None:
        if restarts < 1:
            raise ValueError(f"restarts must be at least 1, not {restarts}")
        super().__init__(tasks)
        self.restarts = restarts
        self.max_cx = max_cx
        self.progress = progress

    def execute(
        self, passmanager_ir: Any, state: PassManagerState, callback: Any = None
    ) -> tuple[Any, PassManagerState]:
        """Run the tasks once per seed on ``passmanager_ir``; the best output."""
        properties = state.property_set
        runs = self.restarts if gate_counts(passmanager_ir)[0] <= self.max_cx else 1
        outer = {key: properties[key] for key in (*RESTART_SCOPED, "seed_offset")}
        offset = outer["seed_offset"] or 0
        nested = nested_tasks(self.tasks)
        best: tuple[tuple[int, int], Any, dict[str, Any]] | None = None
        for attempt in range(runs):
            if self.progress is not None:
                self.progress("run", attempt + 1, runs)
            properties["seed_offset"] = offset + RESTART_SEED_STRIDE * attempt
            for key in RESTART_SCOPED:
                properties[key] = None
            state.workflow_status.completed_passes.difference_update(nested)
            out, state = super().execute(passmanager_ir, state, callback)
            properties = state.property_set
            counts = gate_counts(out)
            if best is None or counts < best[0]:
                best = (counts, out, {key: properties[key] for key in RESTART_SCOPED})
        assert best is not None
        _, out, kept = best
        properties["seed_offset"] = outer["seed_offset"]
        properties["block_cache"] = outer["block_cache"]
        for key in ("resynthesis", "block_distances"):
            properties[key] = [*(outer[key] or []), *(kept[key] or [])]
        return out, state


class StartFixedPoint(AnalysisPass):
    """``property_set["fixed_point"]``: no rounds yet, and the counts to beat."""

    def run(self, passmanager_ir: Circuit) -> None:
        """Start the bookkeeping from ``passmanager_ir``'s counts."""
        self.property_set["fixed_point"] = {
            "rounds": 0,
            "stale": 0,
            "counts": gate_counts(passmanager_ir),
        }


class TrackImprovement(AnalysisPass):
    """After a round: one more round, and one more stale round unless the counts fell."""

    def run(self, passmanager_ir: Circuit) -> None:
        """Compare ``passmanager_ir``'s counts with those after the previous round."""
        record = dict(self.property_set["fixed_point"] or {"rounds": 0, "stale": 0})
        counts = gate_counts(passmanager_ir)
        previous = record.get("counts")
        improved = previous is None or counts < tuple(previous)
        record["stale"] = 0 if improved else record["stale"] + 1
        record["rounds"] += 1
        record["counts"] = counts
        self.property_set["fixed_point"] = record


class Improving:
    """``do_while`` of the fixed point: fewer than ``patience`` stale rounds in a row,
    and fewer than ``max_rounds`` rounds.

    A class rather than a closure, so that the pass manager pickles.
    """

    def __init__(self, patience: int, max_rounds: int) -> None:
        self.patience = patience
        self.max_rounds = max_rounds

    def __call__(self, property_set: PropertySet) -> bool:
        record = property_set["fixed_point"] or {}
        return bool(
            record.get("stale", 0) < self.patience and record.get("rounds", 0) < self.max_rounds
        )

    def __repr__(self) -> str:
        return f"Improving(patience={self.patience}, max_rounds={self.max_rounds})"


class RotatingController(BaseController):
    """Run one task per round: task ``r % len(tasks)`` in round ``r``.

    The round is ``property_set["fixed_point"]["rounds"]`` (see :class:`TrackImprovement`).
    """

    def __init__(self, tasks: Task | Iterable[Task]) -> None:
        super().__init__()
        self.tasks: tuple[Task, ...] = FlowControllerLinear(tasks).tasks
        if not self.tasks:
            raise ValueError("a rotating controller needs at least one task")

    @property
    def passes(self) -> list[Task]:
        """The tasks, in turn order."""
        return list(self.tasks)

    def iter_tasks(self, state: PassManagerState) -> Generator[Task, PassManagerState, None]:
        record = state.property_set["fixed_point"] or {}
        yield self.tasks[record.get("rounds", 0) % len(self.tasks)]
