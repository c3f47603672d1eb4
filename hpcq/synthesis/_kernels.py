"""numba kernels of synthesis: template unitaries, the cost with its gradient, L-BFGS.

A *template* is a flat list of gates on ``n`` qubits, given as four integer arrays of
equal length ``G``:

- ``kind[g]``: :data:`U3` (a parameterized single-qubit ``u3(theta, phi, lam)``) or
  :data:`CX`;
- ``qa[g]``: the U3's qubit, or the CX's control;
- ``qb[g]``: the CX's target (unused for U3);
- ``poff[g]``: the index of the U3's first parameter in the parameter vector.

The template's unitary is ``V = G_{G-1} ... G_1 G_0`` (gate 0 acts first), in Qiskit's
convention (qubit 0 is the least significant bit of a row index).

The optimized function is ``f = 1 - |Tr(U^dagger V)|^2 / N^2``, which is smooth where
the Hilbert-Schmidt cost ``1 - |Tr(U^dagger V)| / N`` is not (at a zero trace) and
vanishes at the same points; ``cost = 1 - sqrt(1 - f)`` converts one to the other.
Its gradient comes from one forward sweep (build ``V``) and one environment sweep:
with ``E_k = F_k A_k`` where ``F_k = G_{k-1}...G_0`` and ``A_k = U^dagger G_{G-1}...G_{k+1}``,
``d Tr / d theta = Tr(dG_k E_k)`` and ``E_{k+1} = G_k E_k G_{k+1}^dagger``. Every gate is
local, so each step costs ``O(N^2)``: a gradient costs about three template
applications, whatever the number of parameters.

Kernels take arrays and scalars only; callers validate shapes and dtypes
(:mod:`hpcq.synthesis.instantiation`). No kernel allocates inside its iteration loop.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np

from hpcq import _config

_F = TypeVar("_F", bound=Callable[..., Any])

# The one switch for every kernel: HPCQ_NUMBA_CACHE=0 turns the on-disk cache off.
_jit = functools.partial(numba.njit, cache=_config.numba_cache(), nogil=True)


def njit(fn: _F) -> _F:
    """Compile ``fn`` with numba (cached on disk, GIL released), keeping its type."""
    return cast(_F, _jit(fn))


#: ``kind`` of a parameterized single-qubit gate ``u3(theta, phi, lam)``.
U3 = 0
#: ``kind`` of a CNOT (``qa`` the control, ``qb`` the target).
CX = 1


@njit
def u3_matrix(theta: float, phi: float, lam: float, out: np.ndarray) -> None:
    """Write ``u3(theta, phi, lam)`` into the 2x2 array ``out``."""
    c = math.cos(0.5 * theta)
    s = math.sin(0.5 * theta)
    ep = complex(math.cos(phi), math.sin(phi))
    el = complex(math.cos(lam), math.sin(lam))
    out[0, 0] = c
    out[0, 1] = -el * s
    out[1, 0] = ep * s
    out[1, 1] = ep * el * c


@njit
def u3_derivatives(theta: float, phi: float, lam: float, out: np.ndarray) -> None:
    """Write the derivatives of ``u3`` by theta, phi and lam into ``out[0..2]``."""
    c = math.cos(0.5 * theta)
    s = math.sin(0.5 * theta)
    ep = complex(math.cos(phi), math.sin(phi))
    el = complex(math.cos(lam), math.sin(lam))
    epl = ep * el
    out[0, 0, 0] = -0.5 * s
    out[0, 0, 1] = -0.5 * el * c
    out[0, 1, 0] = 0.5 * ep * c
    out[0, 1, 1] = -0.5 * epl * s
    out[1, 0, 0] = 0.0
    out[1, 0, 1] = 0.0
    out[1, 1, 0] = 1j * ep * s
    out[1, 1, 1] = 1j * epl * c
    out[2, 0, 0] = 0.0
    out[2, 0, 1] = -1j * el * s
    out[2, 1, 0] = 0.0
    out[2, 1, 1] = 1j * epl * c


@njit
def _left_1q(g: np.ndarray, q: int, m: np.ndarray) -> None:
    # m <- (g on qubit q) @ m, in place: rows i (bit q clear) and i | 1<<q mix.
    dim = m.shape[0]
    bit = 1 << q
    g00, g01, g10, g11 = g[0, 0], g[0, 1], g[1, 0], g[1, 1]
    for i in range(dim):
        if i & bit:
            continue
        j = i | bit
        for c in range(m.shape[1]):
            a = m[i, c]
            b = m[j, c]
            m[i, c] = g00 * a + g01 * b
            m[j, c] = g10 * a + g11 * b


@njit
def _right_1q_dagger(m: np.ndarray, g: np.ndarray, q: int) -> None:
    # m <- m @ (g on qubit q)^dagger, in place: columns i and i | 1<<q mix.
    dim = m.shape[1]
    bit = 1 << q
    h00 = g[0, 0].conjugate()
    h01 = g[1, 0].conjugate()
    h10 = g[0, 1].conjugate()
    h11 = g[1, 1].conjugate()
    for r in range(m.shape[0]):
        for i in range(dim):
            if i & bit:
                continue
            j = i | bit
            a = m[r, i]
            b = m[r, j]
            m[r, i] = a * h00 + b * h10
            m[r, j] = a * h01 + b * h11


@njit
def _left_cx(c: int, t: int, m: np.ndarray) -> None:
    # CX permutes rows: swap rows i and i ^ 1<<t when bit c of i is set.
    cbit = 1 << c
    tbit = 1 << t
    for i in range(m.shape[0]):
        if (i & cbit) and not (i & tbit):
            j = i | tbit
            for col in range(m.shape[1]):
                tmp = m[i, col]
                m[i, col] = m[j, col]
                m[j, col] = tmp


@njit
def _right_cx(m: np.ndarray, c: int, t: int) -> None:
    # CX is self-inverse and real: m @ CX^dagger swaps columns like CX swaps rows.
    cbit = 1 << c
    tbit = 1 << t
    for i in range(m.shape[1]):
        if (i & cbit) and not (i & tbit):
            j = i | tbit
            for r in range(m.shape[0]):
                tmp = m[r, i]
                m[r, i] = m[r, j]
                m[r, j] = tmp


@njit
def _fill_gates(kind: np.ndarray, poff: np.ndarray, x: np.ndarray, gates: np.ndarray) -> None:
    for g in range(kind.shape[0]):
        if kind[g] == U3:
            o = poff[g]
            u3_matrix(x[o], x[o + 1], x[o + 2], gates[g])


@njit
def template_unitary(
    kind: np.ndarray,
    qa: np.ndarray,
    qb: np.ndarray,
    poff: np.ndarray,
    x: np.ndarray,
    out: np.ndarray,
) -> None:
    """Write the template's unitary at parameters ``x`` into the ``N x N`` array ``out``."""
    gates = np.empty((kind.shape[0], 2, 2), dtype=np.complex128)
    _fill_gates(kind, poff, x, gates)
    _apply_template(kind, qa, qb, gates, out)


@njit
def _apply_template(
    kind: np.ndarray, qa: np.ndarray, qb: np.ndarray, gates: np.ndarray, out: np.ndarray
) -> None:
    out[:, :] = 0.0
    for i in range(out.shape[0]):
        out[i, i] = 1.0
    for g in range(kind.shape[0]):
        if kind[g] == U3:
            _left_1q(gates[g], qa[g], out)
        else:
            _left_cx(qa[g], qb[g], out)


@njit
def _trace_product(udag: np.ndarray, v: np.ndarray, e: np.ndarray) -> complex:
    # e <- udag @ v; returns its trace.
    dim = v.shape[0]
    for i in range(dim):
        for j in range(dim):
            acc = 0j
            for k in range(dim):
                acc += udag[i, k] * v[k, j]
            e[i, j] = acc
    tr = 0j
    for i in range(dim):
        tr += e[i, i]
    return tr


@njit
def _local_trace(dg: np.ndarray, q: int, e: np.ndarray) -> complex:
    # Tr((dg on qubit q) @ e) = sum_ab dg[a, b] * sum_r e[r|b, r|a].
    bit = 1 << q
    env00 = 0j
    env01 = 0j
    env10 = 0j
    env11 = 0j
    for r in range(e.shape[0]):
        if r & bit:
            continue
        s = r | bit
        env00 += e[r, r]
        env01 += e[r, s]
        env10 += e[s, r]
        env11 += e[s, s]
    return dg[0, 0] * env00 + dg[0, 1] * env10 + dg[1, 0] * env01 + dg[1, 1] * env11


@njit
def objective_and_gradient(
    kind: np.ndarray,
    qa: np.ndarray,
    qb: np.ndarray,
    poff: np.ndarray,
    udag: np.ndarray,
    x: np.ndarray,
    grad: np.ndarray,
    gates: np.ndarray,
    dgates: np.ndarray,
    v: np.ndarray,
    e: np.ndarray,
) -> float:
    """``f = 1 - |Tr(U^dagger V)|^2 / N^2`` at ``x``; writes ``df/dx`` into ``grad``.

    Args:
        kind, qa, qb, poff: The template (see the module docstring).
        udag: ``U^dagger`` of the target, ``N x N``.
        x: The parameters.
        grad: Output, same length as ``x``.
        gates: Scratch ``(G, 2, 2)`` complex.
        dgates: Scratch ``(3, 2, 2)`` complex.
        v, e: Scratch ``N x N`` complex.
    """
    dim = v.shape[0]
    ngates = kind.shape[0]
    _fill_gates(kind, poff, x, gates)
    _apply_template(kind, qa, qb, gates, v)
    tr = _trace_product(udag, v, e)
    # e = U^dagger V; E_0 = e G_0^dagger.
    if ngates > 0:
        if kind[0] == U3:
            _right_1q_dagger(e, gates[0], qa[0])
        else:
            _right_cx(e, qa[0], qb[0])
    scale = -2.0 / (dim * dim)
    trc = tr.conjugate()
    for g in range(ngates):
        if kind[g] == U3:
            o = poff[g]
            u3_derivatives(x[o], x[o + 1], x[o + 2], dgates)
            for p in range(3):
                d = _local_trace(dgates[p], qa[g], e)
                grad[o + p] = scale * (trc * d).real
        if g + 1 < ngates:
            if kind[g] == U3:
                _left_1q(gates[g], qa[g], e)
            else:
                _left_cx(qa[g], qb[g], e)
            if kind[g + 1] == U3:
                _right_1q_dagger(e, gates[g + 1], qa[g + 1])
            else:
                _right_cx(e, qa[g + 1], qb[g + 1])
    t2 = (tr.real * tr.real + tr.imag * tr.imag) / (dim * dim)
    return 1.0 - t2


@njit
def objective_to_cost(f: float) -> float:
    """The Hilbert-Schmidt cost ``1 - |Tr|/N`` from ``f = 1 - |Tr|^2/N^2``."""
    t2 = 1.0 - f
    if t2 <= 0.0:
        return 1.0
    # 1 - sqrt(t2) without cancellation: (1 - t2) / (1 + sqrt(t2)).
    return max(0.0, f / (1.0 + math.sqrt(t2)))


@njit
def lbfgs(
    kind: np.ndarray,
    qa: np.ndarray,
    qb: np.ndarray,
    poff: np.ndarray,
    udag: np.ndarray,
    x: np.ndarray,
    threshold: float,
    max_iter: int,
    ftol: float,
    work: np.ndarray,
    sk: np.ndarray,
    yk: np.ndarray,
    rho: np.ndarray,
    alpha: np.ndarray,
    gates: np.ndarray,
    dgates: np.ndarray,
    v: np.ndarray,
    e: np.ndarray,
) -> tuple[float, int]:
    """Minimise ``f`` from ``x`` (updated in place) with L-BFGS and backtracking.

    Stops when the cost is at most ``threshold``, when an iteration improves ``f`` by
    less than ``ftol * max(f, 1e-300)`` twice in a row, or after ``max_iter`` iterations.

    Args:
        work: Scratch ``(4, P)`` float (gradient, direction, trial point, trial
            gradient).
        sk, yk: Scratch ``(m, P)`` float: the L-BFGS memory of ``m`` pairs.
        rho, alpha: Scratch ``(m,)`` float.

    Returns:
        The cost at the final ``x`` and the number of iterations.
    """
    npar = x.shape[0]
    mem = sk.shape[0]
    g = work[0]
    d = work[1]
    xt = work[2]
    gt = work[3]
    f = objective_and_gradient(kind, qa, qb, poff, udag, x, g, gates, dgates, v, e)
    count = 0
    head = 0
    stalls = 0
    it = 0
    while it < max_iter:
        if objective_to_cost(f) <= threshold:
            break
        # Two-loop recursion: d = -H g.
        for i in range(npar):
            d[i] = -g[i]
        for back in range(count):
            k = (head - 1 - back) % mem
            a = 0.0
            for i in range(npar):
                a += sk[k, i] * d[i]
            a *= rho[k]
            alpha[k] = a
            for i in range(npar):
                d[i] -= a * yk[k, i]
        if count > 0:
            k = (head - 1) % mem
            sy = 0.0
            yy = 0.0
            for i in range(npar):
                sy += sk[k, i] * yk[k, i]
                yy += yk[k, i] * yk[k, i]
            gamma = sy / yy
            for i in range(npar):
                d[i] *= gamma
        else:
            gnorm = 0.0
            for i in range(npar):
                gnorm += g[i] * g[i]
            gnorm = math.sqrt(gnorm)
            if gnorm == 0.0:
                break
            scale0 = min(1.0, 0.1 / gnorm) if f > 0.0 else 1.0
            for i in range(npar):
                d[i] *= scale0
        for back in range(count - 1, -1, -1):
            k = (head - 1 - back) % mem
            b = 0.0
            for i in range(npar):
                b += yk[k, i] * d[i]
            b *= rho[k]
            for i in range(npar):
                d[i] += (alpha[k] - b) * sk[k, i]
        slope = 0.0
        for i in range(npar):
            slope += g[i] * d[i]
        if slope >= 0.0:
            # Not a descent direction: forget the memory and follow the gradient.
            count = 0
            for i in range(npar):
                d[i] = -g[i]
            slope = 0.0
            for i in range(npar):
                slope += g[i] * d[i]
            if slope == 0.0:
                break
        step = 1.0
        accepted = False
        ft = f
        for _ in range(40):
            for i in range(npar):
                xt[i] = x[i] + step * d[i]
            ft = objective_and_gradient(kind, qa, qb, poff, udag, xt, gt, gates, dgates, v, e)
            if ft <= f + 1e-4 * step * slope:
                accepted = True
                break
            step *= 0.5
        if not accepted:
            if count == 0:
                break
            count = 0
            it += 1
            continue
        sy = 0.0
        for i in range(npar):
            sk[head, i] = xt[i] - x[i]
            yk[head, i] = gt[i] - g[i]
            sy += sk[head, i] * yk[head, i]
        if sy > 1e-300:
            rho[head] = 1.0 / sy
            head = (head + 1) % mem
            count = min(count + 1, mem)
        improvement = f - ft
        for i in range(npar):
            x[i] = xt[i]
            g[i] = gt[i]
        f = ft
        it += 1
        if improvement <= ftol * max(f, 1e-300):
            stalls += 1
            if stalls >= 2:
                break
        else:
            stalls = 0
    return objective_to_cost(f), it


@njit
def multistart(
    kind: np.ndarray,
    qa: np.ndarray,
    qb: np.ndarray,
    poff: np.ndarray,
    udag: np.ndarray,
    starts: np.ndarray,
    threshold: float,
    max_iter: int,
    ftol: float,
    memory: int,
    costs: np.ndarray,
    iterations: np.ndarray,
) -> int:
    """Run :func:`lbfgs` from each row of ``starts`` (updated in place) in turn.

    Stops after the first start whose cost is at most ``threshold``. Rows not run keep
    their values and get cost ``inf``.

    Returns:
        The index of the best row.
    """
    nstart = starts.shape[0]
    npar = starts.shape[1]
    dim = udag.shape[0]
    work = np.empty((4, npar), dtype=np.float64)
    sk = np.empty((memory, npar), dtype=np.float64)
    yk = np.empty((memory, npar), dtype=np.float64)
    rho = np.empty(memory, dtype=np.float64)
    alpha = np.empty(memory, dtype=np.float64)
    gates = np.empty((kind.shape[0], 2, 2), dtype=np.complex128)
    dgates = np.empty((3, 2, 2), dtype=np.complex128)
    v = np.empty((dim, dim), dtype=np.complex128)
    e = np.empty((dim, dim), dtype=np.complex128)
    best = 0
    for s in range(nstart):
        costs[s] = np.inf
        iterations[s] = 0
    for s in range(nstart):
        cost, its = lbfgs(
            kind,
            qa,
            qb,
            poff,
            udag,
            starts[s],
            threshold,
            max_iter,
            ftol,
            work,
            sk,
            yk,
            rho,
            alpha,
            gates,
            dgates,
            v,
            e,
        )
        costs[s] = cost
        iterations[s] = its
        if cost < costs[best]:
            best = s
        if cost <= threshold:
            break
    return best
