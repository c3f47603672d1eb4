"""Unitaries of operation lists, and applying a small matrix to an array of states.

:func:`operations_unitary` builds a circuit's unitary row by row with the state-vector
kernels of :mod:`hpcq.sim.plan`: for ``U = G_k ... G_1``, row ``r`` of ``U`` is the
complex conjugate of ``U^dagger e_r``, and the rows of the identity are contiguous
states, so the inverse circuit is planned once and swept over all ``2**n`` rows in
one kernel call, every row staying in cache while all fused blocks are applied to it.
Narrow unitaries skip the planning: each gate's transpose is applied to all rows at
once, in reverse order (row ``r`` of ``U`` is ``U^T e_r = G_1^T ... G_k^T e_r``).
The bit order is Qiskit's (qubit 0 least significant).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from hpcq.ir.circuit import Operation, inverse_operations
from hpcq.sim._kernels import apply_stage
from hpcq.sim.blocks import Block, partition
from hpcq.sim.plan import plan
from hpcq.sim.statevector import apply_gates, check_simulable

#: Up to this width a unitary is built gate by gate (one kernel call per gate over
#: all ``4**n`` entries); wider ones are planned, which costs a fixed few
#: milliseconds but then sweeps every row through all fused blocks in cache.
DIRECT_QUBITS = 6


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


def _unitary_ops(ops: Iterable[Operation]) -> list[Operation]:
    out = []
    for op in ops:
        if op.name == "barrier":
            continue
        check_simulable(op)
        out.append(op)
    return out


def fuse_operations(
    ops: Iterable[Operation], max_qubits: int
) -> list[tuple[np.ndarray, tuple[int, ...]]]:
    """Group unitary operations into dense blocks of at most ``max_qubits`` qubits.

    The blocks are those of the greedy scanner (:func:`hpcq.sim.blocks.partition`),
    in an order that respects every dependency; an operation wider than
    ``max_qubits`` is a block of its own.

    Returns:
        ``(matrix, qubits)`` pairs; a block's matrix uses its qubits in the order given
        (first qubit least significant).

    Raises:
        TypeError: An operation is not an unconditioned unitary gate, or has unbound
            parameters.
    """
    kept = _unitary_ops(ops)
    width = max((q for op in kept for q in op.qubits), default=-1) + 1
    from hpcq.ir.circuit import Circuit

    out: list[tuple[np.ndarray, tuple[int, ...]]] = []
    for item in partition(Circuit(width).extend(kept), max_qubits):
        if isinstance(item, Block):
            out.append((item.unitary(), item.qubits))
        else:
            out.append((item.matrix(), item.qubits))
    return out


def operations_unitary(ops: Iterable[Operation], num_qubits: int) -> np.ndarray:
    """The unitary of ``ops`` on ``num_qubits`` qubits (barriers ignored).

    Raises:
        TypeError: An operation is not an unconditioned unitary gate, or has unbound
            parameters.
    """
    kept = _unitary_ops(ops)
    dim = 1 << num_qubits
    rows = np.eye(dim, dtype=np.complex128)
    if num_qubits <= DIRECT_QUBITS:
        # Row r of U = G_k ... G_1 is U^T e_r = G_1^T ... G_k^T e_r.
        apply_gates(rows.reshape(-1), reversed(kept), transpose=True)
        return rows
    flat = rows.reshape(-1)
    for s in plan(inverse_operations(kept), num_qubits, local_qubits=num_qubits):
        # One stage holds every qubit (local_qubits = n): bases are the row starts.
        bases = np.arange(dim, dtype=np.int64) * dim
        apply_stage(
            flat, s.offsets, bases, 0, dim, s.kinds, s.widths, s.positions,
            s.cstart, s.cdata, s.istart, s.idata,
        )  # fmt: skip
    return np.conjugate(rows, out=rows)
