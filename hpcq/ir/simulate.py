"""Simulation names kept where they were first published; they live in :mod:`hpcq.sim`.

The names load :mod:`hpcq.sim` when first used (PEP 562), so that importing
:mod:`hpcq.ir` never imports the simulator built on top of it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hpcq.sim.statevector import operations_statevector, random_state
    from hpcq.sim.unitary import apply_matrix, fuse_operations, operations_unitary

#: Each name and the module of :mod:`hpcq.sim` that defines it.
_MOVED = {
    "apply_matrix": "hpcq.sim.unitary",
    "fuse_operations": "hpcq.sim.unitary",
    "operations_unitary": "hpcq.sim.unitary",
    "operations_statevector": "hpcq.sim.statevector",
    "random_state": "hpcq.sim.statevector",
}

__all__ = [
    "apply_matrix",
    "fuse_operations",
    "operations_statevector",
    "operations_unitary",
    "random_state",
]


def __getattr__(name: str) -> Any:
    module = _MOVED.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MOVED))
