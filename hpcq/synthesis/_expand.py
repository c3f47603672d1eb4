"""The unit of parallel work of the searches: one template with its starts.

:func:`expand` is module-level and its argument pickles, so that the searches can hand
it to ``get_runtime().map``. A task's random starts come from its own seed words, not
from a shared generator: results do not depend on which worker ran what, or in what
order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from hpcq.synthesis.instantiation import InstantiationResult, random_starts, run_starts
from hpcq.synthesis.template import Template

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Expansion:
    """Instantiate one template against the target.

    Attributes:
        udag: ``U^dagger`` of the target.
        template: The template to instantiate.
        warm: Parameters of a prefix of ``template`` (its parent's best), or ``None``.
        starts: Number of starts (the warm one included).
        seed: Seed words of this task's random starts.
        threshold: Success cost.
        max_iter: L-BFGS iterations per start.
        ftol: Relative-improvement stop of L-BFGS.
        max_distance: When set, a start that meets the threshold is refit and its
            result carries the refit distance (see :meth:`SearchOptions.reached`).
    """

    udag: np.ndarray
    template: Template
    warm: np.ndarray | None
    starts: int
    seed: tuple[int, ...]
    threshold: float
    max_iter: int
    ftol: float
    max_distance: float | None = None


def expand(task: Expansion) -> InstantiationResult:
    """Run one :class:`Expansion` (on whichever rank the runtime chose)."""
    rng = np.random.default_rng(list(task.seed))
    rows = random_starts(task.template, task.starts, rng, task.warm)
    result = run_starts(
        task.template,
        task.udag,
        rows,
        threshold=task.threshold,
        max_iter=task.max_iter,
        ftol=task.ftol,
    )
    if task.max_distance is not None and result.cost <= task.threshold:
        from hpcq.synthesis.refit import refit_result

        result = refit_result(result, np.ascontiguousarray(task.udag.conj().T))
    return result


def node_seed(base: int, template: Template, salt: int = 0) -> tuple[int, ...]:
    """Seed words of a template's task: the search seed, a salt and its CX pairs."""
    words = [base, salt, template.num_qubits]
    for c, t in template.cx:
        words.append(c * 64 + t)
    return tuple(words)


@dataclass(frozen=True)
class SearchOptions:
    """Settings shared by the searches.

    Attributes:
        threshold: Success cost ``1 - |Tr(U^dagger V)| / N``.
        max_cx: The most CX a result may have.
        pairs: The CX positions a layer may add.
        seed: Base seed of every task.
        starts: Starts per template (the parent-warm one included).
        final_starts: Starts for the known-generic template tried at the generic count.
        max_iter: L-BFGS iterations per start.
        ftol: Relative-improvement stop of L-BFGS inside the search.
        cost_weight: Weight of the cost in the A* priority ``weight * cost + num_cx``.
        max_expansions: Nodes the search may expand before it gives up.
        max_distance: When set, a template succeeds only if it also reaches the target
            exactly: its parameters, refit, come within this Hilbert-Schmidt distance.
            A structure that meets the threshold only approximately stays a node of
            the search (a good one: its children start from its angles).
    """

    threshold: float
    max_cx: int
    pairs: tuple[tuple[int, int], ...]
    seed: int
    starts: int = 2
    final_starts: int = 8
    max_iter: int = 3000
    ftol: float = 1e-9
    cost_weight: float = 10.0
    max_expansions: int = 1000
    max_distance: float | None = None

    def goal(self) -> str:
        """What :meth:`reached` asks, for error messages."""
        text = f"within cost {self.threshold:g}"
        if self.max_distance is not None:
            text += f" that reaches the target exactly (refit distance {self.max_distance:g})"
        return text

    def reached(self, result: InstantiationResult) -> bool:
        """Whether ``result`` is a success: within the threshold (and exact if asked)."""
        if result.cost > self.threshold:
            return False
        if self.max_distance is None:
            return True
        return result.distance is not None and result.distance <= self.max_distance

    def expansion(
        self,
        udag: np.ndarray,
        template: Template,
        warm: np.ndarray | None,
        starts: int,
        seed: tuple[int, ...],
    ) -> Expansion:
        """An :class:`Expansion` with these options' threshold, iterations and check."""
        return Expansion(
            udag,
            template,
            warm,
            starts,
            seed,
            self.threshold,
            self.max_iter,
            self.ftol,
            self.max_distance,
        )

    def task(
        self, udag: np.ndarray, template: Template, warm: np.ndarray | None, salt: int = 0
    ) -> Expansion:
        """The :class:`Expansion` of ``template`` under these options."""
        return self.expansion(
            udag, template, warm, self.starts, node_seed(self.seed, template, salt)
        )
