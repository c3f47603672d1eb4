"""Circuit passes and :class:`PassManager`, the pass manager over :class:`hpcq.Circuit`.

Passes are :class:`hpcq.passmanager.GenericPass` subclasses; the flow controllers of
:mod:`hpcq.passmanager` combine them.

Example:
    >>> from hpcq import Circuit
    >>> from hpcq.passes import CountOps, PassManager
    >>> pm = PassManager([CountOps()])
    >>> _ = pm.run(Circuit(1).h(0).h(0))
    >>> pm.property_set["count_ops"]
    {'h': 2}
"""

from __future__ import annotations

from hpcq.passes.base import AnalysisPass, CircuitPass, TransformationPass
from hpcq.passes.count_ops import CountOps
from hpcq.passes.depth import Depth
from hpcq.passes.passmanager import PassManager, to_circuit

__all__ = [
    "AnalysisPass",
    "CircuitPass",
    "CountOps",
    "Depth",
    "PassManager",
    "TransformationPass",
    "to_circuit",
]
