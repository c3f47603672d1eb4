"""The generic ladder: cyclic templates from the generic CX count upward.

A Haar-random unitary on ``n`` qubits needs at least
:func:`~hpcq.synthesis.template.generic_cx_count` CX (61 on 4 qubits), and then almost
any template with that many CX spread over all pairs reaches it. Growing a template
one CX at a time up to there costs dozens of instantiations per CX; the ladder instead
instantiates :func:`~hpcq.synthesis.template.cyclic_template` directly at the generic
count, then at one CX more, and so on, several starts per rung mapped as separate
tasks. It is the path of ``method="auto"`` for 4 qubits and more.
"""

from __future__ import annotations

import logging

import numpy as np

from hpcq.exceptions import SynthesisError
from hpcq.runtime import parallel_map
from hpcq.synthesis._expand import SearchOptions, expand, node_seed
from hpcq.synthesis.instantiation import InstantiationResult
from hpcq.synthesis.template import cyclic_template, generic_cx_count

logger = logging.getLogger(__name__)


def ladder(
    udag: np.ndarray, num_qubits: int, options: SearchOptions, *, starts_per_rung: int = 2
) -> InstantiationResult:
    """Instantiate cyclic templates of ``generic, generic + 1, ...`` CX until one fits.

    Raises:
        SynthesisError: No rung up to ``options.max_cx`` met the threshold.
    """
    best: InstantiationResult | None = None
    for num_cx in range(generic_cx_count(num_qubits), options.max_cx + 1):
        template = cyclic_template(num_qubits, num_cx)
        tasks = [
            options.expansion(
                udag, template, None, 1, node_seed(options.seed, template, salt=100 + start)
            )
            for start in range(starts_per_rung)
        ]
        results = parallel_map(expand, tasks)
        rung_best = min(results, key=lambda r: r.cost)
        logger.debug("ladder: %s CX, best cost %.3e", num_cx, rung_best.cost)
        if best is None or rung_best.cost < best.cost:
            best = rung_best
        reached = [r for r in results if options.reached(r)]
        if reached:
            return min(reached, key=lambda r: r.cost)
    cost = None if best is None else best.cost
    raise SynthesisError(
        f"no cyclic template up to {options.max_cx} CX came {options.goal()}"
        + ("" if cost is None else f" (best cost {cost:.3e})"),
        cost,
    )
