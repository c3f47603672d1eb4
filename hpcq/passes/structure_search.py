"""Exhaustive CX-structure search for small blocks, one CX count at a time.

LEAP and QSearch grow one structure greedily, and a structure whose angles converge
slowly from random starts (a 3-qubit QFT block reaches its 5-CX form only from a few
of the 48 possible 5-CX orders) is often passed over: the search settles on the
block's own count. On three qubits the structures are few, so this module tries them
all: every sequence of ``m`` CX positions with no position twice in a row,
``3 * 2^(m - 1)`` of them, each instantiated from one random start. Repeated pairs are
left out to keep the count small; they are the structures LEAP grows well (a run on
one pair is a 2-qubit problem its layers solve). With about 3 ms per instantiation, the
48 orders of 5 CX take about 0.15 s, and the search stops at the first structure
within the threshold, then tries one CX fewer.

Example:
    >>> from hpcq.ir import Circuit
    >>> from hpcq.passes.structure_search import fewer_cx
    >>> target = Circuit(3).cx(1, 2).rz(0.3, 2).cx(0, 2).unitary()
    >>> fewer_cx(target, 3, seed=1).count_ops()["cx"]  # fewer than 3 CX
    2
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator

import numpy as np

from hpcq.ir.circuit import Circuit
from hpcq.synthesis.template import Template, all_pairs

logger = logging.getLogger(__name__)

#: Most structures one CX count may have for the search to try it (3 qubits: 6 CX).
MAX_STRUCTURES = 96


def structure_count(num_qubits: int, num_cx: int) -> int:
    """How many CX orders of ``num_cx`` CX :func:`structures` yields on ``num_qubits``."""
    pairs = len(all_pairs(num_qubits))
    if num_cx == 0:
        return 1
    return int(pairs * (pairs - 1) ** (num_cx - 1))


def structures(num_qubits: int, num_cx: int) -> Iterator[tuple[tuple[int, int], ...]]:
    """Every CX order of ``num_cx`` CX with no pair repeated twice in a row."""
    pairs = all_pairs(num_qubits)
    for choice in itertools.product(range(len(pairs)), repeat=num_cx):
        if any(a == b for a, b in itertools.pairwise(choice)):
            continue
        yield tuple(pairs[i] for i in choice)


def search_count(
    target: np.ndarray,
    num_cx: int,
    *,
    threshold: float = 1e-8,
    seed: int = 0,
    max_iter: int = 5000,
    max_distance: float | None = None,
) -> Circuit | None:
    """The first structure of exactly ``num_cx`` CX that reaches ``target``, or ``None``.

    Args:
        target: The unitary (validated by the caller), ``2^n x 2^n``.
        num_cx: CX count of the structures tried.
        threshold: Largest accepted Hilbert-Schmidt cost.
        seed: Base seed; structure ``i`` starts from seed ``seed + i``.
        max_iter: L-BFGS iterations of the start.
        max_distance: When given, a structure counts only if its angles, refit
            (:func:`hpcq.synthesis.refit`), come within this Hilbert-Schmidt distance
            of ``target``: it then reaches ``target`` exactly, not just at the
            threshold. The circuit returned is the refit one.
    """
    from hpcq.ir.distance import hilbert_schmidt_distance
    from hpcq.synthesis import instantiate, refit

    n = target.shape[0].bit_length() - 1
    for index, pairs in enumerate(structures(n, num_cx)):
        result = instantiate(
            Template(n, pairs),
            target,
            starts=1,
            seed=seed + index,
            threshold=threshold,
            max_iter=max_iter,
            ftol=1e-11,
        )
        if result.cost > threshold:
            continue
        if max_distance is None:
            return result.circuit()
        fitted = refit(result.circuit(), target)
        if hilbert_schmidt_distance(fitted.unitary(), target) <= max_distance:
            return fitted
    return None


def fewer_cx(
    target: np.ndarray,
    num_cx: int,
    *,
    threshold: float = 1e-8,
    seed: int = 0,
    max_structures: int = MAX_STRUCTURES,
    max_distance: float | None = None,
) -> Circuit | None:
    """A circuit for ``target`` with fewer than ``num_cx`` CX, as few as the search finds.

    Tries every structure of ``num_cx - 1`` CX, then (after a success) of one fewer, and
    so on; stops at the first count where none reaches ``target`` or that has more than
    ``max_structures`` structures.

    Args:
        target: A ``2^n x 2^n`` unitary (2 or 3 qubits in practice).
        num_cx: The CX count to beat.
        threshold: Largest accepted Hilbert-Schmidt cost.
        seed: Base seed of the starts (the result is a function of it).
        max_structures: Widest count tried.
        max_distance: When given, only structures that reach ``target`` exactly count
            (see :func:`search_count`).

    Returns:
        The circuit with the fewest CX found, or ``None`` when none has fewer than
        ``num_cx``.
    """
    n = target.shape[0].bit_length() - 1
    best: Circuit | None = None
    count = num_cx - 1
    while count >= 0 and structure_count(n, count) <= max_structures:
        found = search_count(
            target,
            count,
            threshold=threshold,
            seed=seed + 1000 * count,
            max_distance=max_distance,
        )
        if found is None:
            break
        best = found
        logger.debug("structure search: %d-qubit block with %d CX", n, count)
        count -= 1
    return best
