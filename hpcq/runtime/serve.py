"""The body of ``hpcq serve``: start a runtime, listen for clients, stop on a signal."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from hpcq.exceptions import RuntimeSystemError

logger = logging.getLogger(__name__)


def serve(address: str, token_file: str | None, workers: int | None) -> int:
    """Serve until SIGINT or SIGTERM; returns the exit status.

    A signal stops every rank in order and prints one line: ``hpcq: stopped by SIGTERM``
    (status 143) or ``hpcq: interrupted`` (SIGINT, status 130).

    Args:
        address: ``HOST:PORT`` to listen on.
        token_file: The token file (created if absent), or ``None`` for the default.
        workers: Workers to spawn when not launched by mpiexec (default: CPUs available).
    """
    from hpcq.runtime import detached, launch, terminate

    detached.parse_address(address)
    path = Path(token_file) if token_file else detached.default_token_file()
    token = detached.ensure_token(path)
    launch.serve_if_worker()
    attached: launch.AttachedRuntime | None = None
    if launch.launcher_present():
        server = launch.world_server()
        if server is None:
            raise RuntimeSystemError(
                "hpcq serve under mpiexec needs at least 2 ranks (a server and a worker)"
            )
    else:
        attached = launch.AttachedRuntime(workers or launch.available_cpus())
        server = attached.server
    listener = detached.Listener(server, address, token)
    listener.start()
    stop = threading.Event()
    received: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if signum == signal.SIGTERM and not received:
            # interrupt what the local workers run, as when every rank gets SIGTERM
            terminate.forward_to_local_ranks()
        received.append(signum)
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print(
        f"hpcq runtime serving {server.num_workers} workers on {listener.address} "
        f"(pid {os.getpid()})",
        flush=True,
    )
    print(f"token file: {path}", flush=True)
    while not stop.wait(0.2):
        if server.stopped.is_set():
            break
    listener.close()
    broken = server.broken
    if attached is not None:
        attached.close()
    else:
        launch.stop_world_server()
    if broken:
        print(f"hpcq: error: {broken}", file=sys.stderr)
        return 1
    logger.info("runtime stopped")
    if received and received[0] == signal.SIGTERM:
        print(terminate.MESSAGE, file=sys.stderr)
        return terminate.EXIT_STATUS
    if received:
        print("hpcq: interrupted", file=sys.stderr)
        return 128 + signal.SIGINT
    return 0
