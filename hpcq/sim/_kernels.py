"""numba kernels that apply fused gate blocks to a state vector in place.

Plain arrays and scalars only; :mod:`hpcq.sim.plan` builds their inputs and calls
them. Bit order is Qiskit's: amplitude index
``sum_i b_i 2**i`` with qubit 0 least significant.

The work is cache-blocked. A *stage* acts on at most ``L`` qubits (its *local*
qubits); for every setting of the other qubits, the ``2**L`` amplitudes are gathered
into a buffer that fits in cache, every block of the stage is applied to the buffer,
and the buffer is scattered back: one sweep over the state per stage, not per gate.
Blocks come in three kinds, each with its own loop: dense ``2**k``-square matrices,
monomial ones (a permutation with phases: CX, X and diagonal gates fuse into these),
and diagonal ones.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np

from hpcq import _config

_F = TypeVar("_F", bound=Callable[..., Any])

# The one switch for these kernels: HPCQ_NUMBA_CACHE=0 turns the on-disk cache off.
_jit = functools.partial(numba.njit, cache=_config.numba_cache(), nogil=True, fastmath=True)

#: Block kinds, as stored in a stage's ``kinds`` array.
DENSE, MONOMIAL, DIAGONAL = 0, 1, 2


def njit(fn: _F) -> _F:
    """Compile ``fn`` with numba (cached on disk, GIL released), keeping its type."""
    return cast(_F, _jit(fn))


@njit
def _insert_zeros(index: int, positions: np.ndarray, k: int) -> int:
    # Spread ``index`` over the bit positions not in ``positions`` (ascending).
    for i in range(k):
        p = positions[i]
        index = ((index >> p) << (p + 1)) | (index & ((1 << p) - 1))
    return index


@njit
def _block_offsets(positions: np.ndarray, k: int, out: np.ndarray) -> None:
    for j in range(1 << k):
        off = 0
        for i in range(k):
            if (j >> i) & 1:
                off |= 1 << positions[i]
        out[j] = off


@njit
def _dense1(buf: np.ndarray, size: int, m: np.ndarray, p: int) -> None:
    m00, m01, m10, m11 = m[0], m[1], m[2], m[3]
    step = 1 << p
    for hi in range(0, size, 2 * step):
        for i in range(hi, hi + step):
            a = buf[i]
            b = buf[i + step]
            buf[i] = m00 * a + m01 * b
            buf[i + step] = m10 * a + m11 * b


@njit
def _dense2(buf: np.ndarray, size: int, m: np.ndarray, p0: int, p1: int) -> None:
    s0 = 1 << p0
    s1 = 1 << p1
    m0, m1, m2, m3, m4, m5, m6, m7 = m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7]
    m8, m9, m10, m11, m12, m13, m14, m15 = (
        m[8], m[9], m[10], m[11], m[12], m[13], m[14], m[15]
    )  # fmt: skip
    # Three loops so that the innermost one runs over consecutive amplitudes.
    for hi in range(0, size, 2 * s1):
        for mid in range(hi, hi + s1, 2 * s0):
            for i in range(mid, mid + s0):
                a0 = buf[i]
                a1 = buf[i + s0]
                a2 = buf[i + s1]
                a3 = buf[i + s0 + s1]
                buf[i] = m0 * a0 + m1 * a1 + m2 * a2 + m3 * a3
                buf[i + s0] = m4 * a0 + m5 * a1 + m6 * a2 + m7 * a3
                buf[i + s1] = m8 * a0 + m9 * a1 + m10 * a2 + m11 * a3
                buf[i + s0 + s1] = m12 * a0 + m13 * a1 + m14 * a2 + m15 * a3


@njit
def _dense3(
    buf: np.ndarray, size: int, m: np.ndarray, positions: np.ndarray, offs: np.ndarray
) -> None:
    _block_offsets(positions, 3, offs)
    o1, o2, o3, o4, o5, o6, o7 = offs[1], offs[2], offs[3], offs[4], offs[5], offs[6], offs[7]
    for sub in range(size >> 3):
        base = _insert_zeros(sub, positions, 3)
        a0 = buf[base]
        a1 = buf[base + o1]
        a2 = buf[base + o2]
        a3 = buf[base + o3]
        a4 = buf[base + o4]
        a5 = buf[base + o5]
        a6 = buf[base + o6]
        a7 = buf[base + o7]
        for r in range(8):
            row = 8 * r
            buf[base + offs[r]] = (
                m[row] * a0 + m[row + 1] * a1 + m[row + 2] * a2 + m[row + 3] * a3
                + m[row + 4] * a4 + m[row + 5] * a5 + m[row + 6] * a6 + m[row + 7] * a7
            )  # fmt: skip


@njit
def _dense(
    buf: np.ndarray,
    size: int,
    m: np.ndarray,
    positions: np.ndarray,
    k: int,
    offs: np.ndarray,
    tmp: np.ndarray,
) -> None:
    dim = 1 << k
    _block_offsets(positions, k, offs)
    for sub in range(size >> k):
        base = _insert_zeros(sub, positions, k)
        for j in range(dim):
            tmp[j] = buf[base + offs[j]]
        for r in range(dim):
            acc = 0j
            row = r * dim
            for j in range(dim):
                acc += m[row + j] * tmp[j]
            buf[base + offs[r]] = acc


@njit
def _monomial(
    buf: np.ndarray,
    size: int,
    phase: np.ndarray,
    perm: np.ndarray,
    positions: np.ndarray,
    k: int,
    offs: np.ndarray,
    tmp: np.ndarray,
) -> None:
    dim = 1 << k
    _block_offsets(positions, k, offs)
    for sub in range(size >> k):
        base = _insert_zeros(sub, positions, k)
        for j in range(dim):
            tmp[j] = buf[base + offs[j]]
        for r in range(dim):
            buf[base + offs[r]] = phase[r] * tmp[perm[r]]


@njit
def _diagonal(
    buf: np.ndarray, size: int, phase: np.ndarray, positions: np.ndarray, k: int, offs: np.ndarray
) -> None:
    if k == 1:
        step = 1 << positions[0]
        p0 = phase[0]
        p1 = phase[1]
        for hi in range(0, size, 2 * step):
            if p0 != 1.0:
                for i in range(hi, hi + step):
                    buf[i] *= p0
            for i in range(hi + step, hi + 2 * step):
                buf[i] *= p1
        return
    run = 1 << positions[0]
    if run >= 16:
        # Long runs of amplitudes share a phase: look it up once per run.
        for start in range(0, size, run):
            j = 0
            for i in range(k):
                j |= ((start >> positions[i]) & 1) << i
            ph = phase[j]
            for i in range(start, start + run):
                buf[i] *= ph
        return
    dim = 1 << k
    _block_offsets(positions, k, offs)
    for sub in range(size >> k):
        base = _insert_zeros(sub, positions, k)
        for r in range(dim):
            buf[base + offs[r]] *= phase[r]


@njit
def apply_stage_blocks(
    buf: np.ndarray,
    kinds: np.ndarray,
    widths: np.ndarray,
    positions: np.ndarray,
    cstart: np.ndarray,
    cdata: np.ndarray,
    istart: np.ndarray,
    idata: np.ndarray,
    offs: np.ndarray,
    tmp: np.ndarray,
) -> None:
    """Apply a stage's blocks, in order, to the gathered amplitudes ``buf``.

    Args:
        buf: ``complex128`` of length ``2**L``, changed in place.
        kinds: ``int64`` per block: ``DENSE``, ``MONOMIAL`` or ``DIAGONAL``.
        widths: ``int64`` per block: ``k``, its number of qubits.
        positions: ``int64`` of shape ``(m, K)``: block ``b``'s local qubit positions
            (first ``widths[b]`` entries, ascending; matrix qubit ``i`` is position
            ``i``).
        cstart: Where block ``b``'s complex data starts in ``cdata``: a row-major
            ``2**k``-square matrix (dense) or ``2**k`` phases (monomial, diagonal).
        cdata: ``complex128``, every block's matrix or phases.
        istart: Where block ``b``'s permutation starts in ``idata`` (monomial).
        idata: ``int64``: ``perm`` with ``out[r] = phase[r] * in[perm[r]]``.
        offs: ``int64`` scratch of length at least ``2**K``.
        tmp: ``complex128`` scratch of length at least ``2**K``.
    """
    size = buf.shape[0]
    for b in range(kinds.shape[0]):
        k = widths[b]
        dim = 1 << k
        c0 = cstart[b]
        pos = positions[b]
        kind = kinds[b]
        if kind == 2:
            _diagonal(buf, size, cdata[c0 : c0 + dim], pos, k, offs)
        elif kind == 1:
            i0 = istart[b]
            _monomial(buf, size, cdata[c0 : c0 + dim], idata[i0 : i0 + dim], pos, k, offs, tmp)
        elif k == 1:
            _dense1(buf, size, cdata[c0 : c0 + 4], pos[0])
        elif k == 2:
            _dense2(buf, size, cdata[c0 : c0 + 16], pos[0], pos[1])
        elif k == 3:
            _dense3(buf, size, cdata[c0 : c0 + 64], pos, offs)
        else:
            _dense(buf, size, cdata[c0 : c0 + dim * dim], pos, k, offs, tmp)


@njit
def apply_stage(
    state: np.ndarray,
    offsets: np.ndarray,
    bases: np.ndarray,
    first: int,
    last: int,
    kinds: np.ndarray,
    widths: np.ndarray,
    positions: np.ndarray,
    cstart: np.ndarray,
    cdata: np.ndarray,
    istart: np.ndarray,
    idata: np.ndarray,
) -> None:
    """Apply one stage to groups ``first`` to ``last - 1`` of ``state``, in place.

    Groups are independent, so several threads may each run a range (the GIL is
    released).

    Args:
        state: ``complex128`` of length ``2**n``.
        offsets: ``int64`` of length ``2**L``: the state offset of local index ``j``.
        bases: ``int64`` of length ``2**(n-L)``: the state index of group ``g``'s
            local index 0.
        first: First group.
        last: One past the last group.
        kinds, widths, positions, cstart, cdata, istart, idata: The stage's blocks
            (see :func:`apply_stage_blocks`).
    """
    size = offsets.shape[0]
    scratch = 1 << positions.shape[1]
    buf = np.empty(size, dtype=np.complex128)
    offs = np.empty(scratch, dtype=np.int64)
    tmp = np.empty(scratch, dtype=np.complex128)
    for g in range(first, last):
        base = bases[g]
        for j in range(size):
            buf[j] = state[base + offsets[j]]
        apply_stage_blocks(buf, kinds, widths, positions, cstart, cdata, istart, idata, offs, tmp)
        for j in range(size):
            state[base + offsets[j]] = buf[j]


@njit
def apply_gate(state: np.ndarray, m: np.ndarray, qubits: np.ndarray, ordered: np.ndarray) -> None:
    """Apply one ``k``-qubit gate to ``state`` in place, with no planning.

    For short gate lists on small states, where planning fused blocks costs more than
    it saves.

    Args:
        state: ``complex128`` of length ``2**n`` (or ``m * 2**n``: the gate acts on
            the low ``n`` bits of every index, so the rows of a C-ordered matrix are
            states).
        m: ``complex128``, the gate's ``2**k``-square matrix, row-major; its bit ``i``
            is qubit ``qubits[i]``.
        qubits: ``int64``, the gate's qubits in its own order.
        ordered: ``int64``, the same qubits ascending.
    """
    k = qubits.shape[0]
    size = state.shape[0]
    if k == 1:
        _dense1(state, size, m, qubits[0])
        return
    dim = 1 << k
    offs = np.empty(dim, dtype=np.int64)
    tmp = np.empty(dim, dtype=np.complex128)
    _block_offsets(qubits, k, offs)
    for sub in range(size >> k):
        base = _insert_zeros(sub, ordered, k)
        for j in range(dim):
            tmp[j] = state[base + offs[j]]
        for r in range(dim):
            acc = 0j
            row = r * dim
            for j in range(dim):
                acc += m[row + j] * tmp[j]
            state[base + offs[r]] = acc
