"""numba kernels that apply small dense unitaries to a state vector in place.

Plain arrays and scalars only; :mod:`hpcq.passes.verify` validates and calls them.
Bit order is Qiskit's: amplitude index ``sum_i b_i 2**i`` with qubit 0 least
significant, and local qubit ``i`` of a block's matrix is ``qubits[i]``.
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
_jit = functools.partial(numba.njit, cache=_config.numba_cache(), nogil=True)


def njit(fn: _F) -> _F:
    """Compile ``fn`` with numba (cached on disk, GIL released), keeping its type."""
    return cast(_F, _jit(fn))


@njit
def apply_block(state: np.ndarray, matrix: np.ndarray, qubits: np.ndarray) -> None:
    """Apply the ``2**k``-square ``matrix`` on ``qubits`` (length ``k``) to ``state``.

    Args:
        state: ``complex128`` of length ``2**n``, changed in place.
        matrix: ``complex128`` of shape ``(2**k, 2**k)``, C-contiguous.
        qubits: ``int64`` of length ``k``, distinct, each below ``n``.
    """
    k = qubits.shape[0]
    dim = 1 << k
    offsets = np.zeros(dim, dtype=np.int64)
    for j in range(dim):
        off = 0
        for i in range(k):
            if (j >> i) & 1:
                off |= 1 << qubits[i]
        offsets[j] = off
    ordered = np.sort(qubits)
    groups = state.shape[0] >> k
    amps = np.empty(dim, dtype=np.complex128)
    for g in range(groups):
        base = g
        for i in range(k):
            q = ordered[i]
            low = base & ((1 << q) - 1)
            base = ((base >> q) << (q + 1)) | low
        for j in range(dim):
            amps[j] = state[base + offsets[j]]
        for r in range(dim):
            acc = 0j
            for j in range(dim):
                acc += matrix[r, j] * amps[j]
            state[base + offsets[r]] = acc


@njit
def apply_blocks(
    state: np.ndarray, matrices: np.ndarray, qubits: np.ndarray, widths: np.ndarray
) -> None:
    """Apply a sequence of blocks, each padded into fixed-size arrays.

    Args:
        state: ``complex128`` of length ``2**n``, changed in place.
        matrices: ``complex128`` of shape ``(m, 2**K, 2**K)``; block ``b`` uses the
            top-left ``2**widths[b]`` square.
        qubits: ``int64`` of shape ``(m, K)``; block ``b`` uses the first
            ``widths[b]`` entries.
        widths: ``int64`` of length ``m``.
    """
    for b in range(widths.shape[0]):
        w = widths[b]
        dim = 1 << w
        apply_block(state, np.ascontiguousarray(matrices[b, :dim, :dim]), qubits[b, :w])
