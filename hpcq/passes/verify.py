"""The whole-circuit check the ``Verify`` pass runs, under the names passes import.

The check itself is a library, not a pass: it lives in :mod:`hpcq.sim.check` with the
one simulator it runs on (:mod:`hpcq.sim`). :func:`verify`, :func:`error_bound`,
:class:`VerifyReport` and the limits are re-exported here for the passes and the
compiler.
"""

from __future__ import annotations

from hpcq.sim.check import (
    COLUMN_CHECK_QUBITS,
    MAX_STATE_QUBITS,
    SAMPLE_FRACTION,
    TOLERANCE_FLOOR,
    VerifyReport,
    error_bound,
    verify,
)
from hpcq.sim.equivalence import MAX_UNITARY_QUBITS
from hpcq.sim.statevector import apply_operations

__all__ = [
    "COLUMN_CHECK_QUBITS",
    "MAX_STATE_QUBITS",
    "MAX_UNITARY_QUBITS",
    "SAMPLE_FRACTION",
    "TOLERANCE_FLOOR",
    "VerifyReport",
    "apply_operations",
    "error_bound",
    "verify",
]
