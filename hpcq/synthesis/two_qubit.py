"""The fewest CX any circuit for a two-qubit unitary needs, from its invariants.

For ``U`` in SU(4) let ``gamma = U (Y x Y) U^T (Y x Y)``. Shende, Bullock and Markov
(Phys. Rev. A 69, 062321, 2004) show that ``U`` needs

- no CX when ``gamma`` is ``+-I`` (``U`` is a product of single-qubit gates);
- one CX when ``tr(gamma) = 0`` and ``gamma**2 = -I``;
- two CX when ``tr(gamma)`` is real;
- three CX otherwise.

The test is closed-form and costs a few 4x4 products, so passes can ask what a merge
of two-qubit blocks would cost before synthesizing anything.

Example:
    >>> from hpcq.ir import Circuit
    >>> from hpcq.synthesis.two_qubit import two_qubit_cx_count
    >>> two_qubit_cx_count(Circuit(2).cx(0, 1).rz(0.3, 1).cx(0, 1).unitary())
    2
    >>> two_qubit_cx_count(Circuit(2).swap(0, 1).unitary())
    3
"""

from __future__ import annotations

import numpy as np

_YY = np.kron(np.array([[0, -1j], [1j, 0]]), np.array([[0, -1j], [1j, 0]]))
_I4 = np.eye(4, dtype=np.complex128)

#: Tolerance of the invariant tests (entries of ``gamma`` are O(1)).
TOLERANCE = 1e-9


def two_qubit_cx_count(unitary: np.ndarray, tolerance: float = TOLERANCE) -> int:
    """The fewest CX in any ``cx`` + single-qubit circuit equal to ``unitary`` up to phase.

    Args:
        unitary: A 4x4 unitary (any global phase).
        tolerance: How far the invariants may be from their exact values.

    Raises:
        ValueError: ``unitary`` is not 4x4.
    """
    u = np.asarray(unitary, dtype=np.complex128)
    if u.shape != (4, 4):
        raise ValueError(f"expected a 4x4 unitary, got shape {u.shape}")
    u = u / np.linalg.det(u) ** 0.25
    gamma = u @ _YY @ u.T @ _YY
    if min(np.abs(gamma - _I4).max(), np.abs(gamma + _I4).max()) <= tolerance:
        return 0
    trace = np.trace(gamma)
    if abs(trace) <= tolerance and np.abs(gamma @ gamma + _I4).max() <= tolerance:
        return 1
    # The fourth root above fixes the phase only up to a power of i, which multiplies
    # gamma by +-1: a real trace stays real.
    if abs(trace.imag) <= tolerance:
        return 2
    return 3
