"""Distances between unitaries and equivalence checks between circuits.

For ``N x N`` unitaries ``U`` and ``V``, with ``t = |Tr(U^dagger V)| / N``:

- the Hilbert-Schmidt *cost* is ``1 - t`` (what synthesis minimises; BQSKit's
  success threshold is ``1e-8``);
- the *distance* is ``sqrt(1 - t**2)``, a metric insensitive to global phase.

Both are 0 exactly when ``U`` and ``V`` differ by a global phase. In floating point
the distance has a noise floor near ``1e-8`` (the square root of machine epsilon),
so :func:`equivalent` compares matrices entrywise after aligning the global phase.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Union

import numpy as np

if TYPE_CHECKING:
    from hpcq.ir.circuit import Circuit

UnitaryLike = Union[np.ndarray, "Circuit"]

#: Widest circuit compared through its full unitary by :func:`equivalent`.
MAX_UNITARY_QUBITS = 12


def _as_matrix(value: UnitaryLike) -> np.ndarray:
    from hpcq.ir.circuit import Circuit

    if isinstance(value, Circuit):
        return value.unitary()
    array = np.asarray(value, dtype=np.complex128)
    if array.ndim != 2 or array.shape[0] != array.shape[1]:
        raise ValueError(f"expected a square matrix, got shape {array.shape}")
    return array


def _overlap(u: np.ndarray, v: np.ndarray) -> float:
    if u.shape != v.shape:
        raise ValueError(f"unitaries of different sizes: {u.shape} and {v.shape}")
    # Tr(U^dagger V) without forming the product.
    return float(abs(np.vdot(u, v)) / u.shape[0])


def hilbert_schmidt_cost(u: UnitaryLike, v: UnitaryLike) -> float:
    """``1 - |Tr(U^dagger V)| / N``."""
    return max(0.0, 1.0 - _overlap(_as_matrix(u), _as_matrix(v)))


def hilbert_schmidt_distance(u: UnitaryLike, v: UnitaryLike) -> float:
    """``sqrt(1 - (|Tr(U^dagger V)| / N)**2)``."""
    t = min(1.0, _overlap(_as_matrix(u), _as_matrix(v)))
    return math.sqrt(max(0.0, 1.0 - t * t))


def global_phase_aligned(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``v`` times the phase that best aligns it with ``u``."""
    trace = np.vdot(v, u)
    phase = trace / abs(trace) if abs(trace) > 1e-300 else 1.0
    return v * phase


def equivalent(
    a: UnitaryLike,
    b: UnitaryLike,
    atol: float = 1e-7,
    *,
    num_states: int = 4,
    seed: int | None = 1234,
) -> bool:
    """Whether ``a`` and ``b`` implement the same unitary up to global phase.

    Matrices, and circuits of at most :data:`MAX_UNITARY_QUBITS` qubits, are compared
    entrywise: ``max |U - e^{i phi} V| <= atol`` for the best phase ``phi``. Wider
    circuits are compared with :func:`equivalent_on_states`.
    """
    from hpcq.ir.circuit import Circuit

    if isinstance(a, Circuit) and isinstance(b, Circuit):
        if a.num_qubits != b.num_qubits:
            return False
        if a.num_qubits > MAX_UNITARY_QUBITS:
            return equivalent_on_states(a, b, atol, num_states=num_states, seed=seed)
    u, v = _as_matrix(a), _as_matrix(b)
    if u.shape != v.shape:
        return False
    return bool(np.max(np.abs(u - global_phase_aligned(u, v))) <= atol)


def equivalent_on_states(
    a: Circuit,
    b: Circuit,
    atol: float = 1e-7,
    *,
    num_states: int = 4,
    seed: int | None = 1234,
) -> bool:
    """Compare two circuits on random input states instead of whole unitaries.

    Runs ``a`` and then the inverse of ``b`` on ``num_states`` Haar-random states and
    checks that each comes back to itself up to one global phase: the Euclidean norm of
    the difference must be at most ``atol``. Limits: memory is a few state vectors of
    ``2**n`` amplitudes (1 GiB each at 26 qubits) and time is one pass over the state
    per gate; random states catch a difference of the unitaries with probability 1,
    but only when it moves a state by more than ``atol``.
    """
    from hpcq.ir.simulate import operations_statevector, random_state

    if a.num_qubits != b.num_qubits:
        return False
    n = a.num_qubits
    rng = np.random.default_rng(seed)
    ops = a.operations + b.inverse().operations
    phase: complex | None = None
    for _ in range(num_states):
        psi = random_state(n, rng)
        out = operations_statevector(ops, n, psi)
        overlap = complex(np.vdot(psi, out))
        if abs(overlap) < 0.5:
            return False
        current = overlap / abs(overlap)
        if phase is None:
            phase = current
        if abs(current - phase) > max(atol, 1e-9) * 10 or (
            np.linalg.norm(out - psi * current) > atol
        ):
            return False
    return True
