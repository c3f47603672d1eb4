""":class:`Fuse1Q`: runs of single-qubit gates fused into one ``u3`` each."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np

from hpcq.ir.circuit import Circuit, Operation
from hpcq.ir.gates import STANDARD_GATES
from hpcq.ir.parameter import is_symbolic
from hpcq.passes._euler import u3_angles
from hpcq.passes.base import TransformationPass

Matrix2 = tuple[complex, complex, complex, complex]  # row-major a, b, c, d

_U3 = STANDARD_GATES["u3"]


class Fuse1Q(TransformationPass):
    """Fuse every run of consecutive single-qubit gates on a wire into one ``u3``.

    A run of two or more gates becomes one ``u3`` whose matrix equals their product
    up to a global phase (angles from a ZYZ decomposition of the product); a run of
    one gate is kept as written. A run, or a single gate, that is the identity up to
    phase (within ``atol``, entrywise) is dropped. Measurements, resets, barriers,
    conditioned gates, gates with symbolic parameters and multi-qubit gates end runs
    and are kept in place.

    One pass over the operations with a pending run per wire: linear time. A fused
    gate is placed where its run ended (just before the next operation on its wire),
    which keeps the circuit's meaning since nothing on that wire came between.

    Args:
        atol: Entrywise tolerance of the identity test.

    Example:
        >>> from hpcq import Circuit
        >>> from hpcq.passes import Fuse1Q, PassManager
        >>> PassManager(Fuse1Q()).run(Circuit(2).h(0).s(0).h(0).cx(0, 1).t(1).tdg(1))
        Circuit(2 qubits, 0 clbits, 2 operations: cx 1, u3 1)
    """

    def __init__(self, atol: float = 1e-10) -> None:
        super().__init__()
        if not atol >= 0:
            raise ValueError(f"atol must be non-negative, not {atol!r}")
        self.atol = atol

    def run(self, passmanager_ir: Circuit) -> Circuit:
        out: list[Operation] = []
        pending: dict[int, list[Operation]] = {}
        cache: dict[Hashable, Matrix2] = {}

        def flush(qubit: int) -> None:
            run = pending.pop(qubit, None)
            if not run:
                return
            product = _matrix(run[0], cache)
            for op in run[1:]:
                product = _mul(_matrix(op, cache), product)
            if _is_identity(product, self.atol):
                return
            if len(run) == 1:
                out.append(run[0])
                return
            angles = u3_angles(np.array(product, dtype=np.complex128).reshape(2, 2))
            out.append(Operation(_U3, (qubit,), angles))

        for op in passmanager_ir:
            if (
                len(op.qubits) == 1
                and op.gate.is_unitary
                and op.condition is None
                and not any(is_symbolic(p) for p in op.params)
            ):
                pending.setdefault(op.qubits[0], []).append(op)
                continue
            for qubit in op.qubits:
                if qubit in pending:
                    flush(qubit)
            out.append(op)
        for qubit in sorted(pending):
            flush(qubit)

        result = passmanager_ir.copy_empty()
        result.extend(out)
        return result


def _matrix(op: Operation, cache: dict[Hashable, Matrix2]) -> Matrix2:
    key = (op.gate, op.params)
    entry = cache.get(key)
    if entry is None:
        m = op.matrix()
        entry = (complex(m[0, 0]), complex(m[0, 1]), complex(m[1, 0]), complex(m[1, 1]))
        cache[key] = entry
    return entry


def _mul(x: Matrix2, y: Matrix2) -> Matrix2:
    a, b, c, d = x
    e, f, g, h = y
    return (a * e + b * g, a * f + b * h, c * e + d * g, c * f + d * h)


def _is_identity(m: Matrix2, atol: float) -> bool:
    a, b, c, d = m
    return abs(b) <= atol and abs(c) <= atol and abs(a - d) <= atol
