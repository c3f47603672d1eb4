"""Dense simulation of circuits: unitaries and state vectors, with numpy.

These are reference implementations for checking: exact, simple, and fast enough for
the unitaries of up to about 12 qubits and state vectors of up to about 26 qubits
(``2**26`` amplitudes are 1 GiB). The bit order is Qiskit's (qubit 0 least significant).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from hpcq.ir.circuit import Operation


def apply_matrix(
    state: np.ndarray, matrix: np.ndarray, qubits: Sequence[int], num_qubits: int
) -> np.ndarray:
    """Apply a ``k``-qubit ``matrix`` on ``qubits`` to ``state``.

    Args:
        state: Shape ``(2**n,)`` or ``(2**n, m)``: one state or ``m`` states as columns.
        matrix: ``(2**k, 2**k)``; its first qubit is the least significant.
        qubits: Where the gate acts.
        num_qubits: ``n``.

    Returns:
        The new array, of ``state``'s shape.
    """
    k = len(qubits)
    tensor = state.reshape((2,) * num_qubits + (-1,))
    axes = [num_qubits - 1 - q for q in reversed(qubits)]
    gate = matrix.reshape((2,) * (2 * k))
    out = np.tensordot(gate, tensor, axes=(list(range(k, 2 * k)), axes))
    out = np.moveaxis(out, list(range(k)), axes)
    return np.ascontiguousarray(out).reshape(state.shape)


def _check_simulable(op: Operation) -> None:
    if op.condition is not None:
        raise TypeError(f"conditioned '{op.name}' cannot be simulated as a unitary")
    if not op.gate.is_unitary:
        raise TypeError(f"'{op.name}' is not unitary")


def operations_unitary(ops: Iterable[Operation], num_qubits: int) -> np.ndarray:
    """The unitary of ``ops`` on ``num_qubits`` qubits (barriers ignored)."""
    dim = 1 << num_qubits
    unitary = np.eye(dim, dtype=np.complex128)
    for op in ops:
        if op.name == "barrier":
            continue
        _check_simulable(op)
        unitary = apply_matrix(unitary, op.matrix(), op.qubits, num_qubits)
    return unitary


def operations_statevector(
    ops: Iterable[Operation], num_qubits: int, initial: np.ndarray | None = None
) -> np.ndarray:
    """The final state of ``ops`` applied to ``initial`` (default ``|0...0>``)."""
    if initial is None:
        state = np.zeros(1 << num_qubits, dtype=np.complex128)
        state[0] = 1.0
    else:
        state = np.array(initial, dtype=np.complex128)
    for op in ops:
        if op.name == "barrier":
            continue
        _check_simulable(op)
        state = apply_matrix(state, op.matrix(), op.qubits, num_qubits)
    return state


def random_state(num_qubits: int, rng: np.random.Generator) -> np.ndarray:
    """A Haar-random pure state."""
    dim = 1 << num_qubits
    state = rng.normal(size=dim) + 1j * rng.normal(size=dim)
    return state / np.linalg.norm(state)
