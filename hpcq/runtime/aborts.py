"""Ending a launched job on an unhandled exception instead of leaving it hanging.

Under ``mpiexec`` or ``srun`` a rank that dies of an exception before (or without)
talking to the others leaves them waiting forever: in ``MPI_Init``'s start-up exchange,
in a collective, or for a server that never comes. :func:`install_excepthook` chains a
hook to :data:`sys.excepthook` that prints the traceback headed with the rank and host,
then initializes MPI if this rank had not yet (``MPI_Init`` completes as soon as every
rank has reached it, which the waiting ranks have) and calls ``MPI_Abort`` on
``COMM_WORLD``, which makes the launcher stop every rank.

Installing the hook imports nothing: mpi4py is loaded only when it fires.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
from collections.abc import Callable
from types import TracebackType

from hpcq import _config

logger = logging.getLogger(__name__)

_RANK_VARIABLES = ("PMI_RANK", "PMIX_RANK", "OMPI_COMM_WORLD_RANK", "MV2_COMM_WORLD_RANK")

INIT_GRACE = 8.0
"""Seconds the hook waits for ``MPI_Init`` (other ranks that never reach it) before
exiting this rank alone."""

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]

_quiet_callbacks: list[Callable[[], None]] = []


def launcher_rank() -> str:
    """This process's rank as the launcher's environment says (``"?"`` if unknown)."""
    for name in _RANK_VARIABLES:
        value = os.environ.get(name)
        if value is not None and value.strip().isdigit():
            return value.strip()
    return "?"


def on_abort(callback: Callable[[], None]) -> None:
    """Call ``callback`` just before this rank aborts the job (e.g. to silence a watchdog)."""
    _quiet_callbacks.append(callback)


def run_abort_callbacks() -> None:
    """Run the :func:`on_abort` callbacks (once each)."""
    while _quiet_callbacks:
        callback = _quiet_callbacks.pop()
        try:
            callback()
        except Exception:
            logger.debug("abort callback %r failed", callback, exc_info=True)


def install_excepthook() -> bool:
    """Abort the whole job on an unhandled exception, when launched by an MPI launcher.

    Chains to the hook in place (which prints the traceback). Idempotent; does nothing
    and returns False outside a launcher or with ``HPCQ_NO_MPI=1``.
    """
    if not _config.launched_by_mpi() or _config.mpi_disabled():
        return False
    if getattr(sys.excepthook, "_hpcq_abort", False):
        return True
    previous: ExceptHook = sys.excepthook

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        try:
            sys.stderr.write(
                f"hpcq: unhandled {exc_type.__name__} on rank {launcher_rank()} "
                f"({socket.gethostname()}, pid {os.getpid()}), aborting the job:\n"
            )
            previous(exc_type, exc, tb)
        finally:
            abort_job(1)

    hook._hpcq_abort = True  # type: ignore[attr-defined]
    sys.excepthook = hook
    return True


def abort_job(code: int = 1) -> None:
    """``MPI_Abort`` on ``COMM_WORLD`` (initializing MPI first if needed); never returns.

    If ``MPI_Init`` does not complete within :data:`INIT_GRACE` seconds (some rank will
    never reach it), this rank exits alone with ``code``.
    """
    run_abort_callbacks()
    try:
        sys.stderr.flush()
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    timer = threading.Timer(INIT_GRACE, os._exit, args=(code,))
    timer.daemon = True
    timer.start()
    try:
        from mpi4py import MPI

        MPI.COMM_WORLD.Abort(code)
    finally:
        os._exit(code)
