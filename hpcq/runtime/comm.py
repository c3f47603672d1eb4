"""The MPI transport: the only module of hpcq that imports mpi4py.

One thread per rank calls into it, plus on a worker the watcher thread of
:mod:`hpcq.runtime.interrupt`, which only receives on :data:`INTERRUPT_TAG` (MPI must
provide ``MPI_THREAD_MULTIPLE`` for it; see :attr:`Transport.threads`). Receiving never
blocks (MPICH's blocking receives busy-poll a core): callers poll with
:meth:`Transport.poll` and sleep with a back-off when nothing arrived. Sends are
non-blocking and completed lazily.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import socket
import sys
from typing import Any

from hpcq.exceptions import RuntimeSystemError

logger = logging.getLogger(__name__)


def mpi() -> Any:
    """The ``mpi4py.MPI`` module (initializes MPI on first use).

    Raises:
        RuntimeSystemError: mpi4py or its MPI library cannot be loaded.
    """
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise RuntimeSystemError(f"MPI is not available: {exc}") from exc
    return MPI


def world() -> Any:
    """``MPI.COMM_WORLD``."""
    return mpi().COMM_WORLD


def abort(comm: Any, message: str, code: int = 1) -> None:
    """Print ``message`` to stderr and abort every rank of ``comm`` (does not return)."""
    from hpcq.runtime import aborts

    aborts.run_abort_callbacks()
    try:
        sys.stderr.write(f"hpcq runtime: {message}\n")
        sys.stderr.flush()
    finally:
        _deadline_for_abort()
        comm.Abort(code)
        os._exit(code)


ABORT_GRACE = 5
"""Seconds MPI_Abort may take before the kernel ends this process (SIGALRM)."""


def _deadline_for_abort() -> None:
    # MPI_Abort asks the process manager to end the job; with a singleton whose spawned
    # ranks are already gone it can wait forever. SIGALRM's default action ends the
    # process, so an abort always finishes (status 142 at worst) instead of hanging.
    if signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None):
        signal.alarm(ABORT_GRACE)


MESSAGE_TAG = 0
"""The tag of every message but interrupts."""

INTERRUPT_TAG = 1
"""The tag of :class:`hpcq.runtime.protocol.Interrupt`, read by a worker's watcher thread."""


class Transport:
    """Pickled point-to-point messages on one communicator.

    Args:
        comm: The communicator (``COMM_WORLD``, or the merged one of an attached runtime).
    """

    def __init__(self, comm: Any) -> None:
        self.comm = comm
        self.rank: int = comm.Get_rank()
        self.size: int = comm.Get_size()
        self._mpi = mpi()
        self._status = self._mpi.Status()
        self._pending: list[Any] = []
        self.threads: bool = self._mpi.Query_thread() == self._mpi.THREAD_MULTIPLE
        """Whether a second thread may call :meth:`poll_interrupts` meanwhile."""

    def send(self, dest: int, message: object) -> None:
        """Queue ``message`` for ``dest``; returns without waiting for delivery."""
        self._pending.append(self.comm.isend(message, dest=dest, tag=MESSAGE_TAG))
        if len(self._pending) >= 64:
            self._complete_sends()

    def send_interrupt(self, dest: int, message: object) -> None:
        """Queue ``message`` for the watcher thread of worker ``dest``."""
        self._pending.append(self.comm.isend(message, dest=dest, tag=INTERRUPT_TAG))

    def poll_interrupts(self) -> list[object]:
        """Every interrupt that has arrived; never blocks (the watcher thread's call)."""
        received: list[object] = []
        while True:
            handle = self.comm.improbe(source=self._mpi.ANY_SOURCE, tag=INTERRUPT_TAG)
            if handle is None:
                return received
            received.append(handle.recv())

    def poll(self) -> list[tuple[int, object]]:
        """Every message that has arrived, as ``(source, message)``; never blocks."""
        if self._pending:
            self._complete_sends()
        received: list[tuple[int, object]] = []
        misses = 0
        while True:
            handle = self.comm.improbe(
                source=self._mpi.ANY_SOURCE, tag=MESSAGE_TAG, status=self._status
            )
            if handle is None:
                # a message in transit may need a second progress call to show up
                misses += 1
                if misses >= 2:
                    return received
                continue
            source = self._status.Get_source()
            received.append((source, handle.recv()))

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait (politely) until every queued send completed; False on timeout."""
        import time

        deadline = time.monotonic() + timeout
        while self._pending:
            self._complete_sends()
            if time.monotonic() > deadline:
                return False
            if self._pending:
                time.sleep(0.0005)
        return True

    def _complete_sends(self) -> None:
        self._pending = [req for req in self._pending if not req.Test()]

    def gather_politely(self) -> None:
        """Wait, without spinning, until every rank arrived here (a non-blocking barrier)."""
        import time

        from hpcq.runtime._poll import Backoff

        request = self.comm.Ibarrier()
        backoff = Backoff(maximum=0.01)
        while not request.Test():
            time.sleep(backoff.next_interval())

    def allgather(self, value: object) -> list[Any]:
        """Collective gather of one value from every rank."""
        return list(self.comm.allgather(value))

    def node_key(self) -> int:
        """The smallest rank sharing memory with this one (identifies the node)."""
        local = self.comm.Split_type(self._mpi.COMM_TYPE_SHARED, key=self.rank)
        try:
            return int(local.allreduce(self.rank, op=self._mpi.MIN))
        finally:
            local.Free()


def abort_at_exit(code: int = 1) -> None:
    """Make interpreter exit call ``MPI_Abort`` instead of ``MPI_Finalize``.

    After a spawned rank died, finalizing would wait on (or crash talking to) the dead
    peers; aborting ends this process and whatever is left of the spawned job.
    """
    setter = getattr(mpi(), "_set_abort_status", None)
    if setter is not None:
        setter(code)
        # Registered after mpi4py's own exit hook, so it runs first and bounds the abort.
        atexit.register(_deadline_for_abort)


def spawn(count: int, code: str) -> Any:
    """Start ``count`` new Python processes running ``code``; the merged communicator.

    The caller becomes rank 0 of the returned intracommunicator.
    """
    MPI = mpi()
    inter = MPI.COMM_SELF.Spawn(sys.executable, args=["-c", code], maxprocs=count)
    merged = inter.Merge(high=False)
    inter.Free()
    return merged


def parent_comm() -> Any:
    """In a spawned process: the communicator merged with the parent (parent is rank 0)."""
    MPI = mpi()
    parent = MPI.Comm.Get_parent()
    if parent == MPI.COMM_NULL:
        raise RuntimeSystemError("this process was not spawned by an hpcq runtime")
    merged = parent.Merge(high=True)
    parent.Free()
    return merged


def hostname() -> str:
    """This machine's name as MPI ranks report it."""
    return socket.gethostname()
