"""Level 3's controllers: seeded restarts keep the best run; the fixed point rotates."""

from __future__ import annotations

from hpcq.ir.circuit import Circuit
from hpcq.passes import PassManager, TransformationPass
from hpcq.passes.control import (
    RESTART_SEED_STRIDE,
    Improving,
    RotatingController,
    SeededRestarts,
    StartFixedPoint,
    TrackImprovement,
    gate_counts,
)
from hpcq.passmanager import DoWhileController


class AddCX(TransformationPass):
    """Adds CX by the seed offset (restart ``a`` adds ``(a - 1) ** 2``), records a sweep."""

    def run(self, passmanager_ir: Circuit) -> Circuit:
        attempt = (self.property_set["seed_offset"] or 0) // RESTART_SEED_STRIDE
        out = passmanager_ir.copy()
        for _ in range((attempt - 1) ** 2):
            out.cx(0, 1)
        self.property_set["resynthesis"] = [
            *(self.property_set["resynthesis"] or []),
            {"attempt": attempt},
        ]
        self.property_set["block_distances"] = [float(attempt)]
        self.property_set["block_cache"] = {"attempt": attempt}
        return out


def test_seeded_restarts_keep_the_best_run_and_only_its_records() -> None:
    events: list[tuple[str, int, int]] = []
    restarts = SeededRestarts(AddCX(), restarts=3, progress=lambda *e: events.append(e))
    pm = PassManager(restarts)
    out = pm.run(Circuit(2).h(0))
    assert gate_counts(out) == (0, 1)  # restart 1 added none; restarts 0 and 2 one each
    assert pm.property_set["resynthesis"] == [{"attempt": 1}]
    assert pm.property_set["block_distances"] == [1.0]
    assert pm.property_set["block_cache"] is None  # the runs' caches stay theirs
    assert not pm.property_set["seed_offset"]
    assert events == [("run", 1, 3), ("run", 2, 3), ("run", 3, 3)]


def test_seeded_restarts_run_once_above_max_cx() -> None:
    pm = PassManager(SeededRestarts(AddCX(), restarts=3, max_cx=0))
    pm.run(Circuit(2).cx(0, 1))
    assert pm.property_set["resynthesis"] == [{"attempt": 0}]


class Tag(TransformationPass):
    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def run(self, passmanager_ir: Circuit) -> Circuit:
        seen = self.property_set["seen"] or []
        self.property_set["seen"] = [*seen, self.label]
        return passmanager_ir.copy()


def test_the_fixed_point_rotates_and_stops_after_patience_stale_rounds() -> None:
    loop = DoWhileController(
        [RotatingController([Tag("a"), Tag("b"), Tag("c")]), TrackImprovement()],
        do_while=Improving(patience=4, max_rounds=9),
        max_iteration=10,
    )
    pm = PassManager([StartFixedPoint(), loop])
    pm.run(Circuit(1).h(0))
    # nothing ever improves: four stale rounds, then the loop ends
    assert pm.property_set["seen"] == ["a", "b", "c", "a"]
    assert pm.property_set["fixed_point"]["rounds"] == 4


def test_the_fixed_point_stops_at_max_rounds() -> None:
    pm = PassManager(
        [
            StartFixedPoint(),
            DoWhileController(
                [RotatingController([Tag("a")]), TrackImprovement()],
                do_while=Improving(patience=100, max_rounds=3),
            ),
        ]
    )
    pm.run(Circuit(1))
    assert pm.property_set["seen"] == ["a", "a", "a"]
