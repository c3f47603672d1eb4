"""Compile every synthesis kernel once, filling numba's on-disk cache.

Numba writes compiled kernels next to the sources (``__pycache__``) or under
``NUMBA_CACHE_DIR`` when that is set: in a batch job, point ``NUMBA_CACHE_DIR`` at a
directory every node can read and run ``hpcq warmup`` once per node (or once on a
shared file system) before the compile jobs, so no rank pays the compilation.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np


def warmup() -> float:
    """Compile (or load from the cache) every kernel by calling it; returns seconds."""
    from hpcq.synthesis import _kernels, _refit_kernels
    from hpcq.synthesis.instantiation import run_starts
    from hpcq.synthesis.template import Template

    begin = time.perf_counter()
    template = Template(2, ((0, 1),))
    rng = np.random.default_rng(0)
    udag = np.ascontiguousarray(np.eye(4, dtype=np.complex128))
    starts = rng.uniform(0.0, 2.0 * np.pi, size=(1, template.num_params))
    run_starts(template, udag, starts, threshold=1e-8, max_iter=5, ftol=1e-12)
    template.unitary(starts[0])
    _kernels.objective_to_cost(0.5)
    _refit_kernels.levenberg_marquardt(*template.arrays, udag, starts[0].copy(), 2)
    return time.perf_counter() - begin


def kernels_cached() -> bool | None:
    """Whether numba's on-disk cache holds the synthesis kernels for these sources.

    ``False`` means the next compile that synthesizes spends seconds compiling them
    first (a new installation, changed sources, a new ``NUMBA_CACHE_DIR``); ``None``
    that it cannot be told (the cache is off, or numba keeps it differently).
    """
    from hpcq.synthesis import _kernels

    try:
        # Every compile that synthesizes starts with the multistart search; the index
        # is empty when missing or stamped for other sources.
        kernel: Any = _kernels.multistart
        return bool(kernel._cache._cache_file._load_index())
    except Exception:  # numba's private layout changed: unknown, not an error
        return None
