"""Every ``HPCQ_*`` environment variable, read in one place.

Nothing is read at import: each accessor reads the environment when called, so that a
launcher (``mpiexec``, Slurm, the attached runtime) can set variables before use.

============================  =============================================================
``HPCQ_THREADS``              BLAS and numba threads per rank (default 1).
``HPCQ_NUMBA_CACHE``          ``0`` disables numba's on-disk kernel cache (default on).
``HPCQ_LOG_LEVEL``            Level of the ``hpcq`` logger for the CLI (default WARNING).
``HPCQ_NO_MPI``               ``1`` makes hpcq behave as if mpi4py were not installed.
``HPCQ_CC``                   The C compiler used to build QIR executables (default: CC,
                              then cc, gcc, clang on PATH).
``HPCQ_CACHE_DIR``            Where built runtime libraries are cached
                              (default ``~/.cache/hpcq``).
``HPCQ_RANKS_PER_NODE``       Group ranks into runtime nodes of this size instead of by
                              shared memory (tests the manager tier on one machine).
``HPCQ_TOKEN_FILE``           The detached runtime's token file
                              (default ``~/.hpcq/runtime-token``).
``HPCQ_VERIFY_BUDGET``        Seconds the compiler's random-state check may take
                              (estimated first; default 600; ``0``: no limit).
``HPCQ_QIR_SHOT_CACHE``       ``0`` turns off the QIR runtime's shot cache (read by the C
                              runtime library itself, not here; default on).
============================  =============================================================
"""

from __future__ import annotations

import os
from pathlib import Path

_THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "NUMBA_NUM_THREADS",
)


LAUNCHER_VARIABLES = (
    "PMI_RANK",
    "PMI_SIZE",
    "PMI_FD",
    "PMIX_RANK",
    "OMPI_COMM_WORLD_SIZE",
    "OMPI_COMM_WORLD_RANK",
    "MPI_LOCALNRANKS",
    "MV2_COMM_WORLD_SIZE",
)
"""Environment variables that launchers (Hydra, PMI-2/PMIx, Open MPI, MVAPICH) set."""


def launched_by_mpi() -> bool:
    """Whether this process was started by an MPI launcher (mpiexec, srun --mpi=...)."""
    return any(name in os.environ for name in LAUNCHER_VARIABLES)


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def threads() -> int:
    """Threads per rank for BLAS and numba (``HPCQ_THREADS``, default 1)."""
    value = os.environ.get("HPCQ_THREADS", "1")
    try:
        count = int(value)
    except ValueError:
        raise ValueError(f"HPCQ_THREADS must be a positive integer, not {value!r}") from None
    if count < 1:
        raise ValueError(f"HPCQ_THREADS must be a positive integer, not {value!r}")
    return count


def thread_environment() -> dict[str, str]:
    """The variables that pin BLAS/numba thread pools to :func:`threads` per rank."""
    count = str(threads())
    return {name: count for name in _THREAD_VARIABLES}


def apply_thread_limits() -> None:
    """Set the thread variables in this process unless the user set them already.

    Must run before numpy or numba start their thread pools to take full effect.
    """
    for name, value in thread_environment().items():
        os.environ.setdefault(name, value)


def numba_cache() -> bool:
    """Whether jitted kernels are cached on disk (``HPCQ_NUMBA_CACHE``, default on)."""
    return _flag("HPCQ_NUMBA_CACHE", True)


def verify_budget() -> float | None:
    """Seconds a state check may take (``HPCQ_VERIFY_BUDGET``, default 600; 0: no limit)."""
    value = os.environ.get("HPCQ_VERIFY_BUDGET", "600")
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(
            f"HPCQ_VERIFY_BUDGET must be a number of seconds, not {value!r}"
        ) from None
    if not seconds >= 0:
        raise ValueError(f"HPCQ_VERIFY_BUDGET must be a number of seconds, not {value!r}")
    return seconds if seconds > 0 else None


def log_level() -> str:
    """The CLI's log level name (``HPCQ_LOG_LEVEL``, default ``WARNING``)."""
    return os.environ.get("HPCQ_LOG_LEVEL", "WARNING").upper()


def mpi_disabled() -> bool:
    """Whether the user asked hpcq to ignore mpi4py (``HPCQ_NO_MPI=1``)."""
    return _flag("HPCQ_NO_MPI", False)


def c_compiler() -> str | None:
    """The C compiler named by ``HPCQ_CC`` or ``CC``, if any (not searched on PATH here)."""
    return os.environ.get("HPCQ_CC") or os.environ.get("CC") or None


def cache_dir() -> Path:
    """Where hpcq caches built artefacts (``HPCQ_CACHE_DIR``, default ``~/.cache/hpcq``)."""
    value = os.environ.get("HPCQ_CACHE_DIR")
    if value:
        return Path(value)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hpcq"


def ranks_per_node() -> int | None:
    """Ranks per runtime node when overridden (``HPCQ_RANKS_PER_NODE``), else ``None``."""
    value = os.environ.get("HPCQ_RANKS_PER_NODE", "").strip()
    if not value:
        return None
    try:
        count = int(value)
    except ValueError:
        raise ValueError(
            f"HPCQ_RANKS_PER_NODE must be a positive integer, not {value!r}"
        ) from None
    if count < 1:
        raise ValueError(f"HPCQ_RANKS_PER_NODE must be a positive integer, not {value!r}")
    return count


def token_file() -> Path:
    """The detached runtime's token file (``HPCQ_TOKEN_FILE``).

    Default: ``~/.hpcq/runtime-token``.
    """
    value = os.environ.get("HPCQ_TOKEN_FILE")
    if value:
        return Path(value)
    return Path.home() / ".hpcq" / "runtime-token"
