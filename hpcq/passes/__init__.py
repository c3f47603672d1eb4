"""Circuit passes and :class:`PassManager`, the pass manager over :class:`hpcq.Circuit`.

Passes are :class:`hpcq.passmanager.GenericPass` subclasses (through
:class:`AnalysisPass` and :class:`TransformationPass`); the flow controllers of
:mod:`hpcq.passmanager` combine them.

=====================  ===============================================================
:class:`Unroll`        user-defined gates replaced by their definitions
:class:`Fuse1Q`        runs of single-qubit gates fused into one ``u3``
:class:`CancelCX`      inverse pairs cancelled, through commuting gates
:class:`Rebase`        exact translation to ``"u3"``, ``"rz_sx"`` or ``"qir"`` gate sets
:class:`CountOps`      ``property_set["count_ops"]`` and ``["size"]``
:class:`Depth`         ``property_set["depth"]``
=====================  ===============================================================

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
from hpcq.passes.cancel_cx import CancelCX
from hpcq.passes.count_ops import CountOps
from hpcq.passes.depth import Depth
from hpcq.passes.fuse1q import Fuse1Q
from hpcq.passes.passmanager import PassManager, to_circuit
from hpcq.passes.rebase import TARGETS, Rebase
from hpcq.passes.staged import STAGES, StagedPassManager
from hpcq.passes.unroll import Unroll

__all__ = [
    "STAGES",
    "TARGETS",
    "AnalysisPass",
    "CancelCX",
    "CircuitPass",
    "CountOps",
    "Depth",
    "Fuse1Q",
    "PassManager",
    "Rebase",
    "StagedPassManager",
    "TransformationPass",
    "Unroll",
    "to_circuit",
]
