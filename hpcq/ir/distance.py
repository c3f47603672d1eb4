"""Distance and equivalence names kept where they were first published.

They live in :mod:`hpcq.sim` (:mod:`hpcq.sim.distance`, :mod:`hpcq.sim.equivalence`)
and load it when first used (PEP 562), so that importing :mod:`hpcq.ir` never imports
the simulator built on top of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hpcq._lazy import lazy_attributes

if TYPE_CHECKING:
    from hpcq.sim.distance import (
        UnitaryLike,
        global_phase_aligned,
        hilbert_schmidt_cost,
        hilbert_schmidt_distance,
    )
    from hpcq.sim.equivalence import (
        MAX_UNITARY_QUBITS,
        NUM_BINDINGS,
        bind_own,
        equivalent,
        equivalent_on_states,
        random_bindings,
    )

#: Each name and the module of :mod:`hpcq.sim` that defines it.
_MOVED = {
    "UnitaryLike": "hpcq.sim.distance",
    "global_phase_aligned": "hpcq.sim.distance",
    "hilbert_schmidt_cost": "hpcq.sim.distance",
    "hilbert_schmidt_distance": "hpcq.sim.distance",
    "MAX_UNITARY_QUBITS": "hpcq.sim.equivalence",
    "NUM_BINDINGS": "hpcq.sim.equivalence",
    "bind_own": "hpcq.sim.equivalence",
    "equivalent": "hpcq.sim.equivalence",
    "equivalent_on_states": "hpcq.sim.equivalence",
    "random_bindings": "hpcq.sim.equivalence",
}

__all__ = [
    "MAX_UNITARY_QUBITS",
    "NUM_BINDINGS",
    "UnitaryLike",
    "bind_own",
    "equivalent",
    "equivalent_on_states",
    "global_phase_aligned",
    "hilbert_schmidt_cost",
    "hilbert_schmidt_distance",
    "random_bindings",
]


__getattr__, __dir__ = lazy_attributes(__name__, _MOVED)
