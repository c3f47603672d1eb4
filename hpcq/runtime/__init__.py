"""hpcq's parallel runtime: a server on rank 0, node managers and workers over MPI.

Code that may run in parallel asks for the active runtime with :func:`get_runtime`
(inside a task, or on the client while a :class:`hpcq.Compiler` is open) and falls back
to serial execution when :func:`has_runtime` is false.
"""

from __future__ import annotations

from hpcq.runtime._context import get_runtime, has_runtime

__all__ = ["get_runtime", "has_runtime"]
