"""Whether two circuits (or matrices) implement the same unitary up to global phase.

:func:`equivalent` compares matrices entrywise after aligning the global phase. For
``n``-qubit unitaries the largest entry of ``U - e^{i a} V`` is at most
``||U - e^{i a} V||_F``, about ``2**(n/2)`` times the Hilbert-Schmidt distance
(:mod:`hpcq.sim.distance`). Circuits too wide for their unitaries are compared on
random states (:func:`equivalent_on_states`), with the kernels of :mod:`hpcq.sim.plan`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from hpcq.ir.circuit import Circuit
from hpcq.sim.distance import UnitaryLike, as_matrix, global_phase_aligned
from hpcq.sim.plan import apply, plan
from hpcq.sim.statevector import random_state

#: Widest circuit compared through its full unitary by :func:`equivalent`.
MAX_UNITARY_QUBITS = 12


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
    u, v = as_matrix(a), as_matrix(b)
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
    ``2**n`` amplitudes (1 GiB each at 26 qubits) and time is one sweep over the state
    per stage of at most 15 qubits (:mod:`hpcq.sim.plan`); random states catch a
    difference of the unitaries with probability 1, but only when it moves a state by
    more than ``atol``.
    """
    if a.num_qubits != b.num_qubits:
        return False
    n = a.num_qubits
    rng = np.random.default_rng(seed)
    stages = plan(a.operations + b.inverse().operations, n)
    phase: complex | None = None
    for _ in range(num_states):
        psi = random_state(n, rng)
        out = psi.copy()
        apply(out, stages)
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
