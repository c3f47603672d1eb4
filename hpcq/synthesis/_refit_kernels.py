"""numba kernels of the refit: Levenberg-Marquardt on the entries of the unitary.

L-BFGS on ``f = 1 - |Tr(U^dagger V)|^2 / N^2`` (:mod:`hpcq.synthesis._kernels`) cannot
go much below ``f ~ 1e-15``: ``f`` is a difference of numbers near 1, so its rounding
error is about ``1e-16``, and a distance ``sqrt(f)`` below ``1e-8`` is invisible to it.
The refit minimises the squared residual ``||e^{i a} V(x) - U||_F^2`` over the angles
``x`` and a global phase ``a`` instead: every residual entry is computed directly, so
the fit goes on down to rounding in the entries (about ``1e-15``), and from a solution
found at the search threshold the Gauss-Newton steps converge quadratically.

Column ``p`` of the Jacobian is ``e^{i a} L_g dG_p R_g`` for an angle of gate ``g``,
with ``R_g = G_{g-1} ... G_0`` (kept for every ``g`` from one forward sweep) and
``L_g = G_{G-1} ... G_{g+1}`` (built from the end, one local product per gate). The
template arrays are those of :mod:`hpcq.synthesis._kernels`; the kernels allocate
their scratch once, before the iteration loop.
"""

from __future__ import annotations

import math

import numpy as np

from hpcq.synthesis._kernels import (
    U3,
    _fill_gates,
    _left_1q,
    _left_cx,
    _right_1q_dagger,
    _right_cx,
    njit,
    u3_derivatives,
)


@njit
def _prefixes(
    kind: np.ndarray, qa: np.ndarray, qb: np.ndarray, gates: np.ndarray, prefix: np.ndarray
) -> None:
    # prefix[g] = G_{g-1} ... G_0: prefix[0] is the identity, prefix[G] the unitary.
    dim = prefix.shape[1]
    prefix[0, :, :] = 0.0
    for i in range(dim):
        prefix[0, i, i] = 1.0
    for g in range(kind.shape[0]):
        prefix[g + 1, :, :] = prefix[g, :, :]
        if kind[g] == U3:
            _left_1q(gates[g], qa[g], prefix[g + 1])
        else:
            _left_cx(qa[g], qb[g], prefix[g + 1])


@njit
def residual_norm2(v: np.ndarray, u: np.ndarray, phase: float) -> float:
    """``||e^{i phase} V - U||_F^2``, summed entry by entry (no cancellation)."""
    ep = complex(math.cos(phase), math.sin(phase))
    total = 0.0
    for i in range(v.shape[0]):
        for j in range(v.shape[1]):
            d = ep * v[i, j] - u[i, j]
            total += d.real * d.real + d.imag * d.imag
    return total


@njit
def _shifted_cholesky_solve(
    a: np.ndarray, shift: float, b: np.ndarray, low: np.ndarray, out: np.ndarray
) -> bool:
    # Solve (a + shift I) out = -b; False when the shifted matrix is not numerically
    # positive definite (the caller then raises the shift).
    m = a.shape[0]
    for i in range(m):
        for j in range(i + 1):
            s = a[i, j] + (shift if i == j else 0.0)
            for k in range(j):
                s -= low[i, k] * low[j, k]
            if i == j:
                if not s > 0.0:
                    return False
                low[i, i] = math.sqrt(s)
            else:
                low[i, j] = s / low[j, j]
    for i in range(m):
        s = -b[i]
        for k in range(i):
            s -= low[i, k] * out[k]
        out[i] = s / low[i, i]
    for i in range(m - 1, -1, -1):
        s = out[i]
        for k in range(i + 1, m):
            s -= low[k, i] * out[k]
        out[i] = s / low[i, i]
    return True


@njit
def _normal_equations(
    kind: np.ndarray,
    qa: np.ndarray,
    qb: np.ndarray,
    poff: np.ndarray,
    u: np.ndarray,
    x: np.ndarray,
    phase: float,
    gates: np.ndarray,
    dgates: np.ndarray,
    prefix: np.ndarray,
    left: np.ndarray,
    scratch: np.ndarray,
    jac: np.ndarray,
    normal: np.ndarray,
    grad: np.ndarray,
    gdag: np.ndarray,
) -> None:
    # normal <- Re(J^H J), grad <- Re(J^H r) for r = e^{i phase} V - U, where row p of
    # ``jac`` is dr/dx_p and the last row dr/dphase. ``prefix`` must hold x's sweep.
    dim = u.shape[0]
    ngates = kind.shape[0]
    npar = x.shape[0]
    ep = complex(math.cos(phase), math.sin(phase))
    v = prefix[ngates]
    for i in range(dim):
        for j in range(dim):
            jac[npar, i * dim + j] = 1j * ep * v[i, j]
    left[:, :] = 0.0
    for i in range(dim):
        left[i, i] = 1.0
    for g in range(ngates - 1, -1, -1):
        if kind[g] == U3:
            o = poff[g]
            u3_derivatives(x[o], x[o + 1], x[o + 2], dgates)
            for p in range(3):
                scratch[:, :] = prefix[g]
                _left_1q(dgates[p], qa[g], scratch)
                row = o + p
                for i in range(dim):
                    for j in range(dim):
                        acc = 0j
                        for k in range(dim):
                            acc += left[i, k] * scratch[k, j]
                        jac[row, i * dim + j] = ep * acc
            # left @ G is left @ (G^dagger)^dagger.
            for r in range(2):
                for c in range(2):
                    gdag[r, c] = gates[g, c, r].conjugate()
            _right_1q_dagger(left, gdag, qa[g])
        else:
            # CX is real and self-inverse: left @ CX swaps columns like CX^dagger.
            _right_cx(left, qa[g], qb[g])
    m = npar + 1
    size = dim * dim
    for p in range(m):
        for q in range(p + 1):
            acc = 0.0
            for k in range(size):
                a = jac[p, k]
                b = jac[q, k]
                acc += a.real * b.real + a.imag * b.imag
            normal[p, q] = acc
            normal[q, p] = acc
    for p in range(m):
        acc = 0.0
        for i in range(dim):
            for j in range(dim):
                r = ep * v[i, j] - u[i, j]
                a = jac[p, i * dim + j]
                acc += a.real * r.real + a.imag * r.imag
        grad[p] = acc


@njit
def levenberg_marquardt(
    kind: np.ndarray,
    qa: np.ndarray,
    qb: np.ndarray,
    poff: np.ndarray,
    u: np.ndarray,
    x: np.ndarray,
    max_iter: int,
) -> tuple[float, int]:
    """Refit the angles ``x`` (in place) so that ``V(x)`` approaches ``u`` up to phase.

    Minimises ``||e^{i a} V(x) - U||_F^2`` over ``x`` and the phase ``a`` (started at
    the best phase for the given ``x``). A step is taken only when it lowers the
    residual, so ``x`` never gets worse. Stops at a residual of ``N * 1e-28`` (a
    Hilbert-Schmidt distance of about ``1e-14``), after ``max_iter`` Jacobians, when
    two nearly undamped steps in a row gain less than a quarter of the residual
    (rounding reached, or no exact solution near ``x``), or when the damping grows past
    any use.

    Args:
        kind, qa, qb, poff: The template (see :mod:`hpcq.synthesis._kernels`).
        u: The target unitary, ``N x N`` complex.
        x: The starting angles; updated in place.
        max_iter: Most Jacobians computed.

    Returns:
        The final squared residual ``||e^{i a} V(x) - U||_F^2`` and the Jacobians
        computed.
    """
    dim = u.shape[0]
    ngates = kind.shape[0]
    npar = x.shape[0]
    m = npar + 1
    gates = np.empty((ngates, 2, 2), dtype=np.complex128)
    dgates = np.empty((3, 2, 2), dtype=np.complex128)
    prefix = np.empty((ngates + 1, dim, dim), dtype=np.complex128)
    left = np.empty((dim, dim), dtype=np.complex128)
    scratch = np.empty((dim, dim), dtype=np.complex128)
    jac = np.empty((m, dim * dim), dtype=np.complex128)
    normal = np.empty((m, m), dtype=np.float64)
    grad = np.empty(m, dtype=np.float64)
    low = np.empty((m, m), dtype=np.float64)
    step = np.empty(m, dtype=np.float64)
    xt = np.empty(npar, dtype=np.float64)
    trial = np.empty((ngates, 2, 2), dtype=np.complex128)
    vt = np.empty((dim, dim), dtype=np.complex128)
    gdag = np.empty((2, 2), dtype=np.complex128)

    _fill_gates(kind, poff, x, gates)
    _prefixes(kind, qa, qb, gates, prefix)
    v = prefix[ngates]
    tr = 0j
    for i in range(dim):
        for j in range(dim):
            tr += v[i, j].conjugate() * u[i, j]
    phase = math.atan2(tr.imag, tr.real)
    f = residual_norm2(v, u, phase)
    # Near a solution the Gauss-Newton step is what converges: start almost undamped.
    damping = 1e-9
    # Done at rounding: a residual of ``dim * 1e-28`` is a distance of about 1e-14.
    done = dim * 1e-28
    stalls = 0
    it = 0
    while it < max_iter and f > done:
        _normal_equations(
            kind, qa, qb, poff, u, x, phase, gates, dgates, prefix, left, scratch, jac,
            normal, grad, gdag,
        )  # fmt: skip
        it += 1
        scale = 0.0
        for p in range(m):
            scale = max(scale, normal[p, p])
        if scale == 0.0:
            break
        accepted = False
        while damping < 1e8:
            if _shifted_cholesky_solve(normal, damping * scale, grad, low, step):
                for p in range(npar):
                    xt[p] = x[p] + step[p]
                pt = phase + float(step[npar])
                _fill_gates(kind, poff, xt, trial)
                vt[:, :] = 0.0
                for i in range(dim):
                    vt[i, i] = 1.0
                for g in range(ngates):
                    if kind[g] == U3:
                        _left_1q(trial[g], qa[g], vt)
                    else:
                        _left_cx(qa[g], qb[g], vt)
                ft = residual_norm2(vt, u, pt)
                if ft < f:
                    accepted = True
                    break
            damping *= 10.0
        if not accepted:
            break
        gain = f - ft
        for p in range(npar):
            x[p] = xt[p]
        phase = pt
        f = ft
        damping = max(damping / 10.0, 1e-15)
        # A slow step counts as a stall only when it was (nearly) Gauss-Newton: a
        # heavily damped step is slow because of the damping, which then falls.
        if gain < 0.25 * (f + gain) and damping <= 1e-7:
            stalls += 1
            if stalls >= 2:
                break
        else:
            stalls = 0
        if it < max_iter:
            _fill_gates(kind, poff, x, gates)
            _prefixes(kind, qa, qb, gates, prefix)
    return f, it
