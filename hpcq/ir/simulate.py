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


def fuse_operations(
    ops: Iterable[Operation], max_qubits: int
) -> list[tuple[np.ndarray, tuple[int, ...]]]:
    """Group unitary operations into dense blocks of at most ``max_qubits`` qubits.

    Greedy, one pass: every qubit belongs to at most one open block; an operation joins
    the open blocks on its qubits when their union stays within ``max_qubits`` and
    otherwise closes them. Blocks come out in an order that respects every dependency
    (an open block only ever commutes with what is emitted before it).

    Returns:
        ``(matrix, qubits)`` pairs; a block's matrix uses its qubits in the order given
        (first qubit least significant).
    """
    open_blocks: dict[int, list[Operation]] = {}  # block id -> operations
    block_qubits: dict[int, set[int]] = {}
    owner: dict[int, int] = {}  # qubit -> open block id
    out: list[tuple[np.ndarray, tuple[int, ...]]] = []
    next_id = 0

    def close(block: int) -> None:
        qubits = tuple(sorted(block_qubits.pop(block)))
        body = open_blocks.pop(block)
        for q in qubits:
            del owner[q]
        if len(body) == 1 and body[0].qubits == qubits:
            out.append((body[0].matrix(), qubits))
            return
        local = {q: i for i, q in enumerate(qubits)}
        matrix = np.eye(1 << len(qubits), dtype=np.complex128)
        for op in body:
            matrix = apply_matrix(matrix, op.matrix(), [local[q] for q in op.qubits], len(qubits))
        out.append((matrix, qubits))

    for op in ops:
        if op.name == "barrier":
            continue
        _check_simulable(op)
        touched = sorted({owner[q] for q in op.qubits if q in owner})
        union = set(op.qubits).union(*(block_qubits[b] for b in touched))
        if len(union) > max_qubits:
            for b in touched:
                close(b)
            touched, union = [], set(op.qubits)
        if touched:
            target = touched[0]
            for b in touched[1:]:
                open_blocks[target].extend(open_blocks.pop(b))
                block_qubits[target] |= block_qubits.pop(b)
        else:
            target, next_id = next_id, next_id + 1
            open_blocks[target], block_qubits[target] = [], set()
        open_blocks[target].append(op)
        block_qubits[target] |= union
        for q in union:
            owner[q] = target
    for block in sorted(open_blocks):
        close(block)
    return out


def operations_unitary(ops: Iterable[Operation], num_qubits: int) -> np.ndarray:
    """The unitary of ``ops`` on ``num_qubits`` qubits (barriers ignored).

    Wide circuits are first fused into blocks of up to 4 qubits: one pass over the
    ``4**n`` entries per block instead of one per gate.
    """
    dim = 1 << num_qubits
    unitary = np.eye(dim, dtype=np.complex128)
    if num_qubits <= 4:
        blocks = [(op.matrix(), op.qubits) for op in ops if _keep(op)]
    else:
        blocks = fuse_operations(ops, 4)
    for matrix, qubits in blocks:
        unitary = apply_matrix(unitary, matrix, qubits, num_qubits)
    return unitary


def _keep(op: Operation) -> bool:
    if op.name == "barrier":
        return False
    _check_simulable(op)
    return True


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
