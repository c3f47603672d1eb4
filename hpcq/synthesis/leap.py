"""LEAP: QSearch with prefix fixing, then a re-synthesis step that deletes CX.

LEAP grows templates like :mod:`hpcq.synthesis.qsearch` (best-first on cost), but
whenever a child beats every node seen so far by enough (its cost is below what the
best costs of earlier depths predict), the frontier is cut down to that child: its CX
structure becomes a fixed prefix, and the search never goes back to shallower
alternatives. Children are warm-started from their parent's angles, so each new layer
refines the last.

At the generic CX count (:func:`~hpcq.synthesis.template.generic_cx_count`), where
every generic unitary is reachable, the cyclic template is tried as well: a random
target always needs that count, and the structure the greedy path found is not always
one that reaches it.

The final re-synthesis step scans the result for CX that can go: each CX block is
deleted in turn (all candidates of a round in one ``parallel_map``) and the rest is
re-instantiated from the current angles; the cheapest success is kept and the scan
repeats until no single deletion works.
"""

from __future__ import annotations

import heapq
import itertools
import logging

import numpy as np

from hpcq.exceptions import SynthesisError
from hpcq.runtime import parallel_map
from hpcq.synthesis._expand import Expansion, SearchOptions, expand, node_seed
from hpcq.synthesis.instantiation import InstantiationResult
from hpcq.synthesis.template import Template, cyclic_template, generic_cx_count

logger = logging.getLogger(__name__)

#: Structure depths between two prefix fixings.
MIN_PREFIX = 1


def leap(
    udag: np.ndarray, num_qubits: int, options: SearchOptions, *, resynthesize: bool = True
) -> InstantiationResult:
    """Synthesize the unitary whose adjoint is ``udag`` with LEAP.

    Args:
        udag: ``U^dagger`` of the target (validated, C-contiguous).
        num_qubits: The target's qubits.
        options: Search settings.
        resynthesize: Run the final CX-deletion step.

    Raises:
        SynthesisError: Nothing met the threshold within ``options.max_cx`` CX; carries
            the best cost reached.
    """
    found = _grow(udag, num_qubits, options)
    if resynthesize:
        found = delete_cx(udag, found, options)
    return found


def _grow(udag: np.ndarray, num_qubits: int, options: SearchOptions) -> InstantiationResult:
    root = expand(options.task(udag, Template(num_qubits), None))
    if options.reached(root):
        return root
    best = root
    best_by_depth: dict[int, float] = {0: root.cost}
    order = itertools.count()
    frontier: list[tuple[float, int, InstantiationResult]] = [(0.0, next(order), root)]
    generic = generic_cx_count(num_qubits)
    last_fix = 0
    expansions = 0
    while frontier and expansions < options.max_expansions:
        _, _, node = heapq.heappop(frontier)
        depth = node.template.num_cx + 1
        if depth > options.max_cx:
            continue
        expansions += 1
        tasks = [options.task(udag, node.template.extended(p), node.params) for p in options.pairs]
        if depth == generic and all(d < generic for d in best_by_depth):
            tasks.append(_generic_task(udag, num_qubits, options))
        children = parallel_map(expand, tasks)
        done = [c for c in children if options.reached(c)]
        if done:
            return min(done, key=lambda c: (c.template.num_cx, c.cost))
        leap_to: InstantiationResult | None = None
        for child in children:
            if child.cost < best_by_depth.get(depth, np.inf):
                best_by_depth[depth] = child.cost
            if child.cost < best.cost:
                best = child
                if depth - last_fix >= MIN_PREFIX and _beats_trend(best_by_depth, depth):
                    leap_to = child
            heapq.heappush(frontier, (_priority(child, options), next(order), child))
        if leap_to is not None:
            frontier = [(_priority(leap_to, options), next(order), leap_to)]
            last_fix = depth
        logger.debug("leap: depth %s, best cost %.3e", depth, best.cost)
    raise SynthesisError(
        f"LEAP found no circuit {options.goal()} using at most "
        f"{options.max_cx} CX (best cost {best.cost:.3e} with {best.template.num_cx} CX)",
        best.cost,
    )


def _generic_task(udag: np.ndarray, num_qubits: int, options: SearchOptions) -> Expansion:
    template = cyclic_template(num_qubits, generic_cx_count(num_qubits))
    return options.expansion(
        udag, template, None, options.final_starts, node_seed(options.seed, template, salt=1)
    )


def _beats_trend(best_by_depth: dict[int, float], depth: int) -> bool:
    # LEAP's test: the new best lies below the line fitted through the best costs of
    # the shallower depths (with fewer than two points, any improvement counts).
    points = sorted((d, c) for d, c in best_by_depth.items() if d < depth)
    if len(points) < 2:
        return True
    xs = np.array([p[0] for p in points], dtype=np.float64)
    ys = np.log10(np.maximum([p[1] for p in points], 1e-16))
    slope, intercept = np.polyfit(xs, ys, 1)
    predicted = slope * depth + intercept
    return bool(np.log10(max(best_by_depth[depth], 1e-16)) <= predicted)


def _priority(node: InstantiationResult, options: SearchOptions) -> float:
    # Best-first on cost alone: with A*'s ``10 * cost + num_cx`` a wide target, whose
    # cost falls by a few hundredths per CX, would send the search back to shallow
    # nodes over and over (measured: a 4-qubit search stuck at depth 9 to 10).
    return node.cost


def delete_cx(
    udag: np.ndarray, found: InstantiationResult, options: SearchOptions
) -> InstantiationResult:
    """Delete CX blocks from a successful result while it still succeeds (see
    :meth:`~hpcq.synthesis._expand.SearchOptions.reached`)."""
    current = found
    while current.template.num_cx > 0:
        tasks = []
        for index in range(current.template.num_cx):
            template, warm = _without(current, index)
            tasks.append(
                options.expansion(
                    udag, template, warm, 1, node_seed(options.seed, template, salt=2 + index)
                )
            )
        results = parallel_map(expand, tasks)
        done = [r for r in results if options.reached(r)]
        if not done:
            break
        current = min(done, key=lambda r: r.cost)
        logger.debug("leap: re-synthesis deleted a CX, %s left", current.template.num_cx)
    return current


def _without(result: InstantiationResult, index: int) -> tuple[Template, np.ndarray]:
    n = result.template.num_qubits
    cx = result.template.cx[:index] + result.template.cx[index + 1 :]
    start = 3 * n + 6 * index
    params = np.concatenate([result.params[:start], result.params[start + 6 :]])
    return Template(n, cx), params
