"""Distances between unitaries and equivalence checks between circuits.

For ``N x N`` unitaries ``U`` and ``V``, with ``t = |Tr(U^dagger V)| / N``:

- the Hilbert-Schmidt *cost* is ``1 - t`` (what synthesis minimises; BQSKit's
  success threshold is ``1e-8``);
- the *distance* is ``sqrt(1 - t**2)``, a metric insensitive to global phase.

Both are 0 exactly when ``U`` and ``V`` differ by a global phase. Computed from the
trace, the cost would have a noise floor near ``1e-16`` (``t`` is a number near 1) and
the distance one near ``1e-8``; close to 0 both are therefore computed from the
entries instead: ``1 - t = ||U - e^{i a} V||_F^2 / (2 N)`` for the phase ``a`` that
aligns them, which holds down to rounding in the entries (distances near ``1e-15``).

:func:`equivalent` compares matrices entrywise after aligning the global phase. For
``n``-qubit unitaries the largest entry of ``U - e^{i a} V`` is at most
``||U - e^{i a} V||_F``, about ``2**(n/2)`` times the distance.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
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
    return _cost(_as_matrix(u), _as_matrix(v))


def hilbert_schmidt_distance(u: UnitaryLike, v: UnitaryLike) -> float:
    """``sqrt(1 - (|Tr(U^dagger V)| / N)**2)`` (from the entries when it is small).

    With ``c`` the cost, ``1 - t**2 = c * (2 - c)``: no cancellation near 0.
    """
    c = min(1.0, _cost(_as_matrix(u), _as_matrix(v)))
    return math.sqrt(max(0.0, c * (2.0 - c)))


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
    circuits are compared with :func:`equivalent_on_states`. Circuits with unbound
    parameters are compared at :data:`NUM_BINDINGS` random values of their parameters
    (:func:`random_bindings`; a parameter only one of them has is bound in that one):
    both are trigonometric functions of the values, so they differ at almost every
    random point if they differ anywhere.
    """
    from hpcq.ir.circuit import Circuit

    if isinstance(a, Circuit) and isinstance(b, Circuit):
        if a.num_qubits != b.num_qubits:
            return False
        names = a.parameters | b.parameters
        if names:
            return all(
                equivalent(bind_own(a, values), bind_own(b, values),
                           atol, num_states=num_states, seed=seed)
                for values in random_bindings(names, NUM_BINDINGS, seed)
            )  # fmt: skip
        if a.num_qubits > MAX_UNITARY_QUBITS:
            return equivalent_on_states(a, b, atol, num_states=num_states, seed=seed)
    u, v = _as_matrix(a), _as_matrix(b)
    if u.shape != v.shape:
        return False
    return bool(np.max(np.abs(u - global_phase_aligned(u, v))) <= atol)


#: Random points at which :func:`equivalent` compares circuits with parameters.
NUM_BINDINGS = 3


def random_bindings(
    names: Iterable[str], count: int, seed: int | None = None
) -> list[dict[str, float]]:
    """``count`` random values for the parameters ``names``, one dictionary each.

    Values are uniform in ``[0.1, 2 pi)``: away from 0 and positive, so that ``ln``,
    ``sqrt`` and division by a parameter are defined at every draw, and wide enough
    to reach every angle.
    """
    ordered = sorted(names)
    rng = np.random.default_rng(seed)
    return [
        {
            name: float(value)
            for name, value in zip(ordered, rng.uniform(0.1, 2 * np.pi, len(ordered)), strict=True)
        }
        for _ in range(count)
    ]


def bind_own(circuit: Circuit, values: Mapping[str, float]) -> Circuit:
    """``circuit`` bound at those of ``values`` that name its own parameters."""
    names = circuit.parameters
    return circuit.bind({name: value for name, value in values.items() if name in names})


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
