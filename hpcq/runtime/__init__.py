"""hpcq's parallel runtime: a server on rank 0, node managers and workers over MPI.

Code that may run in parallel asks for the active runtime with :func:`get_runtime`
(inside a task, or on the client while a :class:`RuntimeClient` or ``hpcq.Compiler`` is
open) and falls back to serial execution when :func:`has_runtime` is false::

    from hpcq.runtime import get_runtime, has_runtime

    def run_blocks(blocks):
        if has_runtime():
            return get_runtime().map(synthesize_block, blocks).result()
        return [synthesize_block(b) for b in blocks]

Importing this package imports no MPI: mpi4py is loaded by
:mod:`hpcq.runtime.comm` when a runtime starts. See ``docs/runtime.md``.
"""

from __future__ import annotations

from hpcq.runtime._context import activated, get_runtime, has_runtime, parallel_map
from hpcq.runtime.client import RuntimeClient
from hpcq.runtime.future import RemoteTraceback, RuntimeFuture, TaskCancelledError
from hpcq.runtime.handle import RuntimeHandle

__all__ = [
    "RemoteTraceback",
    "RuntimeClient",
    "RuntimeFuture",
    "RuntimeHandle",
    "TaskCancelledError",
    "activated",
    "get_runtime",
    "has_runtime",
    "parallel_map",
]
