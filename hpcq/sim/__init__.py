"""The one state-vector simulator: states, unitaries and equivalence checks.

Everything in hpcq that simulates a circuit runs here: ``Circuit.unitary``,
:func:`hpcq.ir.equivalent` and the compiler's final check (:func:`verify`, run by the
``Verify`` pass). Gates are grouped by the greedy scanner (:mod:`hpcq.sim.blocks`),
planned into cache-sized stages of fused blocks (:mod:`hpcq.sim.plan`) and applied by
numba kernels on plain arrays (``hpcq.sim._kernels``, cached on disk).

``hpcq.sim`` builds on :mod:`hpcq.ir` (circuits, operations, gates); :mod:`hpcq.ir`
calls back into it only inside the functions that need a simulation, so importing
:mod:`hpcq.ir` never imports the simulator and there is no import cycle.

Example:
    >>> import numpy as np
    >>> from hpcq.ir import Circuit
    >>> from hpcq.sim import equivalent, operations_statevector
    >>> bell = Circuit(2).h(0).cx(0, 1)
    >>> np.round(operations_statevector(bell.operations, 2).real, 3)
    array([0.707, 0.   , 0.   , 0.707])
    >>> equivalent(bell, Circuit(2).h(0).cx(0, 1).z(0).z(0))
    True
"""

from __future__ import annotations

from hpcq.sim.blocks import Block, PartitionItem, blockable, partition
from hpcq.sim.check import VerifyReport, error_bound, verify
from hpcq.sim.distance import (
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
from hpcq.sim.plan import Stage, apply, plan
from hpcq.sim.statevector import apply_operations, operations_statevector, random_state
from hpcq.sim.unitary import apply_matrix, fuse_operations, operations_unitary

__all__ = [
    "MAX_UNITARY_QUBITS",
    "NUM_BINDINGS",
    "Block",
    "PartitionItem",
    "Stage",
    "VerifyReport",
    "apply",
    "apply_matrix",
    "apply_operations",
    "bind_own",
    "blockable",
    "equivalent",
    "equivalent_on_states",
    "error_bound",
    "fuse_operations",
    "global_phase_aligned",
    "hilbert_schmidt_cost",
    "hilbert_schmidt_distance",
    "operations_statevector",
    "operations_unitary",
    "partition",
    "plan",
    "random_bindings",
    "random_state",
    "verify",
]
