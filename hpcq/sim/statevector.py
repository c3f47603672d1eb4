"""State vectors: applying a circuit's gates to a state in place, and random states.

Wide states are planned once (:func:`hpcq.sim.plan.plan`: stages of at most 15 local
qubits, fused blocks inside) and applied by the numba kernels, one cache-blocked sweep
over the state per stage. Narrow ones, which fit in cache anyway, get one kernel call
per gate (:func:`apply_gates`): planning would cost more than it saves. The bit order
is Qiskit's (qubit 0 least significant).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from hpcq.ir.circuit import Operation
from hpcq.sim._kernels import apply_gate
from hpcq.sim.plan import apply, plan

#: Up to this width :func:`operations_statevector` applies gate by gate: the state
#: (64 KiB) stays in cache, so fusing gates saves little and planning costs more.
DIRECT_QUBITS = 12


def apply_gates(flat: np.ndarray, ops: Iterable[Operation], *, transpose: bool = False) -> None:
    """Apply ``ops`` one kernel call each to ``flat`` in place, with no planning.

    Args:
        flat: ``complex128``, C-contiguous, one-dimensional: a state, or the rows of a
            C-ordered matrix one after the other (each gate acts on the low bits of
            every index, so every row is transformed as a state).
        ops: Unitary, unconditioned, bound gates (the caller has checked them).
        transpose: Apply each gate's transpose instead (for the rows of a unitary).
    """
    for op in ops:
        matrix = op.matrix()
        qubits = np.array(op.qubits, dtype=np.int64)
        data = np.ascontiguousarray(matrix.T if transpose else matrix, dtype=np.complex128)
        apply_gate(flat, data.reshape(-1), qubits, np.sort(qubits))


def apply_operations(
    state: np.ndarray,
    operations: Sequence[Operation],
    num_qubits: int,
    *,
    threads: int = 1,
    dense_size: int = 3,
) -> None:
    """Apply unitary ``operations`` to ``state`` in place.

    Args:
        state: ``complex128`` C-contiguous array of length ``2**num_qubits``.
        operations: Unitary, unconditioned gates (barriers are skipped).
        num_qubits: ``n``.
        threads: Threads sharing the work.
        dense_size: Widest dense fused block.

    Raises:
        ValueError: ``state`` has the wrong shape, type or layout.
        TypeError: An operation cannot be applied to a state.
    """
    if (
        not isinstance(state, np.ndarray)
        or state.dtype != np.complex128
        or state.shape != (1 << num_qubits,)
        or not state.flags.c_contiguous
    ):
        raise ValueError(f"state must be a contiguous complex128 array of length 2**{num_qubits}")
    apply(state, plan(operations, num_qubits, dense_size=dense_size), threads)


def operations_statevector(
    ops: Iterable[Operation], num_qubits: int, initial: np.ndarray | None = None
) -> np.ndarray:
    """The final state of ``ops`` applied to ``initial`` (default ``|0...0>``).

    Args:
        ops: Unitary, unconditioned gates (barriers are skipped).
        num_qubits: ``n``.
        initial: Shape ``(2**n,)``, or ``(2**n, m)`` for ``m`` states as columns;
            not changed.

    Raises:
        TypeError: An operation cannot be applied to a state.
        ValueError: ``initial`` has the wrong shape.
    """
    dim = 1 << num_qubits
    if initial is None:
        state = np.zeros(dim, dtype=np.complex128)
        state[0] = 1.0
    else:
        state = np.array(initial, dtype=np.complex128, order="C")
        if state.ndim not in (1, 2) or state.shape[0] != dim:
            raise ValueError(f"initial must have 2**{num_qubits} rows, not shape {state.shape}")
    kept = [op for op in ops if op.name != "barrier"]
    columns = state.reshape(1, dim) if state.ndim == 1 else np.ascontiguousarray(state.T)
    if num_qubits <= DIRECT_QUBITS:
        for op in kept:
            check_simulable(op)
        apply_gates(columns.reshape(-1), kept)
    else:
        stages = plan(kept, num_qubits)
        for column in columns:
            apply(column, stages)
    return state if state.ndim == 1 else np.ascontiguousarray(columns.T)


def check_simulable(op: Operation) -> None:
    """Raise ``TypeError`` unless ``op`` is an unconditioned unitary gate."""
    if op.condition is not None:
        raise TypeError(f"conditioned '{op.name}' cannot be simulated as a unitary")
    if not op.gate.is_unitary:
        raise TypeError(f"'{op.name}' is not unitary")


def random_state(num_qubits: int, rng: np.random.Generator) -> np.ndarray:
    """A Haar-random pure state."""
    dim = 1 << num_qubits
    state = rng.normal(size=dim) + 1j * rng.normal(size=dim)
    return state / np.linalg.norm(state)
