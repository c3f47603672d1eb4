"""A node manager: feeds the workers of its node, keeps their sub-tasks local.

Tasks the node's workers submit are placed on the node's workers; the server only sees
them when it steals for an idle rank elsewhere. Configuration and shutdown travel down
through the manager, log records up.
"""

from __future__ import annotations

import functools
import logging
import os
from typing import Any

from hpcq.runtime import terminate
from hpcq.runtime._poll import Backoff, Every, process_alive
from hpcq.runtime.coordinator import Coordinator
from hpcq.runtime.protocol import ClientConfig, ClientLeft, LogRecords, Shutdown

logger = logging.getLogger(__name__)


class Manager(Coordinator):
    """The manager role on one rank.

    Args:
        transport: The rank's transport.
        children: The node's worker ranks -> 1.
        upstream: The server's rank.
        local_pids: pid of each child and of the server when on this host, watched.
    """

    def __init__(
        self,
        transport: Any,
        children: dict[int, int],
        upstream: int,
        local_pids: dict[int, int],
    ) -> None:
        super().__init__(transport, children, upstream)
        self._local_pids = local_pids
        self._stop = False
        self.abandoned = False

    def serve(self) -> None:
        """Run until the server says to shut down."""
        backoff = Backoff()
        liveness = Every(1.0)
        while not self._stop:
            messages = self.transport.poll()
            for source, message in messages:
                self.on_rank_message(source, message)
            if messages:
                backoff.reset()
                continue
            if liveness.due():
                self._check_ranks()
            if terminate.overdue():
                logger.error("manager rank %s: stopped by SIGTERM", self.transport.rank)
                os._exit(terminate.EXIT_STATUS)
            backoff.sleep()
        if self.abandoned:
            self.transport.flush(timeout=1.0)
            return
        self.drain_shutdown()
        assert self.upstream is not None
        self.transport.send(self.upstream, Shutdown())
        self.transport.flush()

    def _check_ranks(self) -> None:
        for rank, pid in self._local_pids.items():
            if not process_alive(pid):
                from hpcq.runtime import comm

                comm.abort(
                    self.transport.comm,
                    f"rank {rank} (pid {pid}) died; manager rank {self.transport.rank} "
                    "aborts the job",
                )
                os._exit(1)

    def on_other_message(self, source: int, message: object) -> None:
        """Forward configuration down and log records up."""
        self._forward(message, source)

    @functools.singledispatchmethod
    def _forward(self, message: object, source: int) -> None:
        logger.error("manager: unexpected message %r from rank %s", message, source)

    @_forward.register
    def _down_config(self, message: ClientConfig, source: int) -> None:
        self._broadcast(message)

    @_forward.register
    def _down_left(self, message: ClientLeft, source: int) -> None:
        self._broadcast(message)

    @_forward.register
    def _down_shutdown(self, message: Shutdown, source: int) -> None:
        self._broadcast(message)
        self._stop = True
        self.abandoned = message.abandon

    @_forward.register
    def _up_logs(self, message: LogRecords, source: int) -> None:
        assert self.upstream is not None
        self.transport.send(self.upstream, message)

    def _broadcast(self, message: object) -> None:
        for child in self.children:
            self.transport.send(child, message)
