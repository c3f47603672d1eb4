"""QSearch: A* over templates grown one CX block at a time.

Each node is a template with its best instantiation. Expanding a node instantiates one
child per allowed CX position, all children of a node in one ``parallel_map`` (each
child is a task with its starts: coarse enough to beat messaging). The frontier is
ordered by ``cost_weight * cost + num_cx``, BQSKit's A* heuristic; the search ends at
the first child within the threshold, which has the fewest CX among the nodes the
heuristic reached.
"""

from __future__ import annotations

import heapq
import itertools
import logging

import numpy as np

from hpcq.exceptions import SynthesisError
from hpcq.runtime import parallel_map
from hpcq.synthesis._expand import SearchOptions, expand
from hpcq.synthesis.instantiation import InstantiationResult
from hpcq.synthesis.template import Template

logger = logging.getLogger(__name__)


def qsearch(udag: np.ndarray, num_qubits: int, options: SearchOptions) -> InstantiationResult:
    """Synthesize the unitary whose adjoint is ``udag`` with QSearch.

    Raises:
        SynthesisError: No template up to ``options.max_cx`` CX met the threshold
            within ``options.max_expansions`` expansions; carries the best cost.
    """
    root = expand(options.task(udag, Template(num_qubits), None))
    if options.reached(root):
        return root
    best = root
    order = itertools.count()
    frontier: list[tuple[float, int, InstantiationResult]] = []
    heapq.heappush(frontier, (_priority(root, options), next(order), root))
    expansions = 0
    while frontier and expansions < options.max_expansions:
        _, _, node = heapq.heappop(frontier)
        if node.template.num_cx >= options.max_cx:
            continue
        expansions += 1
        tasks = [options.task(udag, node.template.extended(p), node.params) for p in options.pairs]
        children = parallel_map(expand, tasks)
        done = [c for c in children if options.reached(c)]
        if done:
            found = min(done, key=lambda c: c.cost)
            logger.debug(
                "qsearch: %s CX found after %s expansions", found.template.num_cx, expansions
            )
            return found
        for child in children:
            if child.cost < best.cost:
                best = child
            heapq.heappush(frontier, (_priority(child, options), next(order), child))
        logger.debug(
            "qsearch: expanded %s CX node (cost %.3e), best %.3e",
            node.template.num_cx,
            node.cost,
            best.cost,
        )
    raise SynthesisError(
        f"QSearch found no circuit {options.goal()} using at most "
        f"{options.max_cx} CX ({expansions} expansions; best cost {best.cost:.3e} "
        f"with {best.template.num_cx} CX)",
        best.cost,
    )


def _priority(node: InstantiationResult, options: SearchOptions) -> float:
    return options.cost_weight * node.cost + node.template.num_cx
