"""Simulation names kept where they were first published; they live in :mod:`hpcq.sim`.

The names load :mod:`hpcq.sim` when first used (PEP 562), so that importing
:mod:`hpcq.ir` never imports the simulator built on top of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hpcq._lazy import lazy_attributes

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


__getattr__, __dir__ = lazy_attributes(__name__, _MOVED)
