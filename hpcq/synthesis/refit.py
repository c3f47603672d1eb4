"""``refit``: a circuit's ``u3`` angles fitted to a target unitary to machine precision.

Synthesis stops as soon as a structure reaches its threshold (Hilbert-Schmidt cost
``1e-8``, a distance of about ``1.4e-4``), which says the structure is right but leaves
its angles rough. Before such a circuit replaces anything, :func:`refit` keeps its
structure and moves its angles, by Levenberg-Marquardt on the entries of the unitary
(:mod:`hpcq.synthesis._refit_kernels`), until the entries agree with the target's up
to rounding (a distance near ``1e-15``). Where the structure reaches the target only
approximately, the refit stops at the nearest point it finds, and the distance says so.

Example:
    >>> from hpcq.ir import Circuit, hilbert_schmidt_distance
    >>> from hpcq.synthesis import refit
    >>> target = Circuit(2).h(0).cx(0, 1).rz(0.3, 1).unitary()
    >>> rough = Circuit(2).u3(1.5707, 0.0, 3.1415, 0).cx(0, 1).u3(0.0, 0.0, 0.3001, 1)
    >>> bool(hilbert_schmidt_distance(refit(rough, target).unitary(), target) < 1e-12)
    True
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from hpcq.ir.circuit import Circuit
from hpcq.ir.gates import check_unitary
from hpcq.synthesis.instantiation import InstantiationResult

#: Most Jacobians one refit computes. From the search threshold, Gauss-Newton steps
#: reach rounding in about five; the rest is room for damped steps where the
#: structure's angles are redundant (several angles move one degree of freedom).
MAX_ITERATIONS = 30


def refit(circuit: Circuit, target: object, *, max_iter: int = MAX_ITERATIONS) -> Circuit:
    """``circuit`` with its ``u3`` angles fitted to ``target`` (up to global phase).

    Args:
        circuit: ``u3`` and ``cx`` gates only, with bound angles: the structure kept.
        target: The ``2^n x 2^n`` unitary on the circuit's qubits (Qiskit's order).
        max_iter: Most Levenberg-Marquardt iterations.

    Returns:
        A new circuit with the same gates in the same order; its angles are never
        further from ``target`` than ``circuit``'s (entrywise residual, best phase).

    Raises:
        ValueError: ``target`` is not a unitary of the circuit's size, or the circuit
            holds a gate other than ``u3`` and ``cx``, or ``max_iter`` is negative.
    """
    from hpcq.synthesis._kernels import CX, U3
    from hpcq.synthesis._refit_kernels import levenberg_marquardt

    matrix = check_unitary(target, name="target")
    if matrix.shape[0] != 1 << circuit.num_qubits:
        raise ValueError(
            f"target is {matrix.shape[0]} x {matrix.shape[0]}, not the unitary of a "
            f"{circuit.num_qubits}-qubit circuit"
        )
    if max_iter < 0:
        raise ValueError(f"max_iter must be non-negative, not {max_iter}")
    kind: list[int] = []
    qa: list[int] = []
    qb: list[int] = []
    poff: list[int] = []
    angles: list[float] = []
    for op in circuit:
        if op.name == "u3" and op.condition is None:
            kind.append(U3)
            qa.append(op.qubits[0])
            qb.append(0)
            poff.append(len(angles))
            angles.extend(float(p) for p in op.params)
        elif op.name == "cx" and op.condition is None:
            kind.append(CX)
            qa.append(op.qubits[0])
            qb.append(op.qubits[1])
            poff.append(-1)
        else:
            raise ValueError(f"refit takes u3 and cx gates only, not {op.name!r}")
    x = np.array(angles, dtype=np.float64)
    levenberg_marquardt(
        np.array(kind, dtype=np.int64),
        np.array(qa, dtype=np.int64),
        np.array(qb, dtype=np.int64),
        np.array(poff, dtype=np.int64),
        np.ascontiguousarray(matrix),
        x,
        int(max_iter),
    )
    out = circuit.copy_empty()
    for op in circuit:
        if op.name == "u3":
            offset = poff[len(out)]
            out.append("u3", op.qubits, [_wrap(a) for a in x[offset : offset + 3]])
        else:
            out.append(op.gate, op.qubits)
    return out


def refit_result(
    result: InstantiationResult, target: np.ndarray, *, max_iter: int = MAX_ITERATIONS
) -> InstantiationResult:
    """``result`` with its parameters refit to ``target`` and its distance measured.

    The searches call this on a template that met their threshold, to tell a
    structure that reaches the target exactly (distance near rounding) from one that
    only comes close.

    Args:
        result: An instantiation of a template (its parameters are the start).
        target: The target unitary (validated, C-contiguous ``complex128``).
        max_iter: Most Levenberg-Marquardt iterations.
    """
    from hpcq.synthesis._refit_kernels import levenberg_marquardt

    x = np.array(result.params, dtype=np.float64)
    residual, _ = levenberg_marquardt(*result.template.arrays, target, x, int(max_iter))
    # ||e^{i a} V - U||_F^2 = 2 N (1 - t) at the best phase; the fitted phase is that.
    cost = min(1.0, residual / (2 * target.shape[0]))
    distance = math.sqrt(max(0.0, cost * (2.0 - cost)))
    if cost > result.cost:
        # Never worse than the start (the kernel only takes improving steps; this
        # guards the rounding of the two cost formulas).
        return dataclasses.replace(result, distance=distance)
    return dataclasses.replace(result, params=x, cost=cost, distance=distance)


def _wrap(angle: float) -> float:
    # Into (-pi, pi]: the same gate (u3 is 2 pi-periodic in each angle up to phase).
    return float(np.pi - (np.pi - angle) % (2 * np.pi))
