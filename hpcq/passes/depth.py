""":class:`Depth`: the circuit's depth, into the property set."""

from __future__ import annotations

from hpcq.ir.circuit import Circuit
from hpcq.passes.base import AnalysisPass


class Depth(AnalysisPass):
    """Write ``property_set["depth"]``, the length of the critical path.

    Barriers do not count; see :meth:`hpcq.Circuit.depth`.

    Example:
        >>> from hpcq import Circuit
        >>> from hpcq.passes import Depth, PassManager
        >>> pm = PassManager(Depth())
        >>> _ = pm.run(Circuit(2).h(0).cx(0, 1).h(1))
        >>> pm.property_set["depth"]
        3
    """

    def run(self, passmanager_ir: Circuit) -> None:
        self.property_set["depth"] = passmanager_ir.depth()
