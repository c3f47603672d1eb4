"""Distances between unitaries: the Hilbert-Schmidt cost and distance.

For ``N x N`` unitaries ``U`` and ``V``, with ``t = |Tr(U^dagger V)| / N``:

- the Hilbert-Schmidt *cost* is ``1 - t`` (what synthesis minimises; BQSKit's
  success threshold is ``1e-8``);
- the *distance* is ``sqrt(1 - t**2)``, a metric insensitive to global phase.

Both are 0 exactly when ``U`` and ``V`` differ by a global phase. Computed from the
trace, the cost would have a noise floor near ``1e-16`` (``t`` is a number near 1) and
the distance one near ``1e-8``; close to 0 both are therefore computed from the
entries instead: ``1 - t = ||U - e^{i a} V||_F^2 / (2 N)`` for the phase ``a`` that
aligns them, which holds down to rounding in the entries (distances near ``1e-15``).
"""

from __future__ import annotations

import math
from typing import Union

import numpy as np

from hpcq.ir.circuit import Circuit

UnitaryLike = Union[np.ndarray, Circuit]  # noqa: UP007 (a runtime alias on 3.10)


def as_matrix(value: UnitaryLike) -> np.ndarray:
    """``value`` as a square ``complex128`` matrix (a circuit's unitary)."""
    if isinstance(value, Circuit):
        return value.unitary()
    array = np.asarray(value, dtype=np.complex128)
    if array.ndim != 2 or array.shape[0] != array.shape[1]:
        raise ValueError(f"expected a square matrix, got shape {array.shape}")
    return array


#: Below this cost the trace formula loses digits to cancellation, and the cost is
#: computed from the entries (one more pass over both matrices).
_ENTRYWISE_BELOW = 1e-6

#: Rows of the residual formed at a time (bounds the scratch memory on big matrices).
_CHUNK_ENTRIES = 1 << 18


def _cost(u: np.ndarray, v: np.ndarray) -> float:
    """``1 - |Tr(U^dagger V)| / N``, accurate near 0 (see the module docstring)."""
    if u.shape != v.shape:
        raise ValueError(f"unitaries of different sizes: {u.shape} and {v.shape}")
    n = u.shape[0]
    # Tr(U^dagger V) without forming the product.
    trace = complex(np.vdot(u, v))
    cost = 1.0 - abs(trace) / n
    if cost >= _ENTRYWISE_BELOW or abs(trace) == 0.0:
        return max(0.0, cost)
    # e^{i a} V with Tr(U^dagger V) = |Tr| e^{-i a} is the phase-aligned V.
    align = trace.conjugate() / abs(trace)
    rows = max(1, _CHUNK_ENTRIES // max(1, u.shape[1]))
    total = 0.0
    for start in range(0, n, rows):
        diff = u[start : start + rows] - align * v[start : start + rows]
        total += float(np.vdot(diff, diff).real)
    return total / (2 * n)


def hilbert_schmidt_cost(u: UnitaryLike, v: UnitaryLike) -> float:
    """``1 - |Tr(U^dagger V)| / N`` (from the entries when it is small)."""
    return _cost(as_matrix(u), as_matrix(v))


def hilbert_schmidt_distance(u: UnitaryLike, v: UnitaryLike) -> float:
    """``sqrt(1 - (|Tr(U^dagger V)| / N)**2)`` (from the entries when it is small).

    With ``c`` the cost, ``1 - t**2 = c * (2 - c)``: no cancellation near 0.
    """
    c = min(1.0, _cost(as_matrix(u), as_matrix(v)))
    return math.sqrt(max(0.0, c * (2.0 - c)))


def global_phase_aligned(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``v`` times the phase that best aligns it with ``u``."""
    trace = np.vdot(v, u)
    phase = trace / abs(trace) if abs(trace) > 1e-300 else 1.0
    return v * phase
