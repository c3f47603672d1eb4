""":class:`CountOps`: operation counts by name, into the property set."""

from __future__ import annotations

from hpcq.ir.circuit import Circuit
from hpcq.passes.base import AnalysisPass


class CountOps(AnalysisPass):
    """Write ``property_set["count_ops"]``: operation counts by name, most frequent first.

    Also writes ``property_set["size"]``, the number of operations.

    Example:
        >>> from hpcq import Circuit
        >>> from hpcq.passes import CountOps, PassManager
        >>> pm = PassManager(CountOps())
        >>> _ = pm.run(Circuit(2).h(0).cx(0, 1).h(0))
        >>> pm.property_set["count_ops"], pm.property_set["size"]
        ({'h': 2, 'cx': 1}, 3)
    """

    def run(self, passmanager_ir: Circuit) -> None:
        self.property_set["count_ops"] = passmanager_ir.count_ops()
        self.property_set["size"] = len(passmanager_ir)
