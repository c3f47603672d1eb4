"""SIGTERM as a stop request for the whole job (``scancel``, a Slurm time limit).

Slurm and most launchers send SIGTERM to every rank at once. Rank 0 prints one line,
``hpcq: stopped by SIGTERM``, and unwinds with exit status 143 (128 + 15): the runtime
then shuts down in order. A worker or manager rank does not die on the spot: the
signal interrupts the task it is running (reported as cancelled) and the rank waits
for rank 0's shutdown message; if none comes within :data:`STOP_GRACE` seconds
(SIGTERM reached this rank alone), it exits with status 143.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType

logger = logging.getLogger(__name__)

STOP_GRACE = 3.0
"""Seconds a worker or manager waits for rank 0's shutdown after a SIGTERM."""

EXIT_STATUS = 128 + signal.SIGTERM
"""The conventional exit status of a process stopped by SIGTERM (143)."""

MESSAGE = "hpcq: stopped by SIGTERM"


class TerminationRequested(BaseException):
    """Raised inside a running task on a worker rank when SIGTERM arrives."""


_requested_at: float | None = None


def _never() -> bool:
    return False


_in_task: Callable[[], bool] = _never


def requested() -> bool:
    """Whether this rank received SIGTERM."""
    return _requested_at is not None


def overdue() -> bool:
    """Whether SIGTERM came more than :data:`STOP_GRACE` seconds ago."""
    return _requested_at is not None and time.monotonic() - _requested_at > STOP_GRACE


def set_task_probe(in_task: Callable[[], bool]) -> None:
    """Tell the handler how to know that a task (user code) is running right now."""
    global _in_task
    _in_task = in_task


def _on_rank_sigterm(signum: int, frame: FrameType | None) -> None:
    global _requested_at
    first = _requested_at is None
    if first:
        _requested_at = time.monotonic()
    if first and _in_task():
        raise TerminationRequested


def install_rank_handler() -> None:
    """On a worker or manager rank (main thread): SIGTERM waits for rank 0's shutdown."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_rank_sigterm)


_local_ranks: tuple[int, ...] = ()


def set_local_ranks(pids: tuple[int, ...]) -> None:
    """The pids of the other ranks on rank 0's host (they get rank 0's SIGTERM too)."""
    global _local_ranks
    _local_ranks = tuple(pids)


def forward_to_local_ranks() -> None:
    """Pass SIGTERM on to the other ranks on this host (a no-op for those that had it).

    So that SIGTERM to rank 0 alone also interrupts the tasks running on its node and
    the shutdown is as quick and quiet as when every rank got it.
    """
    for pid in _local_ranks:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)


def _on_server_sigterm(signum: int, frame: FrameType | None) -> None:
    global _requested_at
    if _requested_at is None:
        _requested_at = time.monotonic()
        try:
            sys.stderr.write(MESSAGE + "\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        forward_to_local_ranks()
    raise SystemExit(EXIT_STATUS)


def install_server_handler() -> None:
    """On rank 0 (main thread, SIGTERM not otherwise handled): one line, then exit 143.

    ``SystemExit`` unwinds the program (``finally`` blocks, context managers) and the
    runtime stops in order at interpreter exit.
    """
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    ):
        signal.signal(signal.SIGTERM, _on_server_sigterm)
