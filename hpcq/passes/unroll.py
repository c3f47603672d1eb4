""":class:`Unroll`: user-defined (composite) gates replaced by their definitions."""

from __future__ import annotations

from hpcq.ir.circuit import Circuit, Operation
from hpcq.ir.gates import CompositeGate
from hpcq.passes.base import TransformationPass


class Unroll(TransformationPass):
    """Expand every :class:`~hpcq.ir.gates.CompositeGate`, recursively.

    The result holds only standard gates, directives and unitary blocks. A conditioned
    composite gate becomes its body with the same condition on each operation, which
    is equivalent because a gate body writes no classical bit.

    Example:
        >>> from hpcq import Circuit
        >>> from hpcq.ir import CompositeGate, Operation, standard_gate
        >>> bell = CompositeGate("bell", 2, [], [
        ...     Operation(standard_gate("h"), (0,)), Operation(standard_gate("cx"), (0, 1))])
        >>> from hpcq.passes import PassManager, Unroll
        >>> PassManager(Unroll()).run(Circuit(3).append(bell, (2, 0))).operations
        [<h q2>, <cx q2, q0>]
    """

    def run(self, passmanager_ir: Circuit) -> Circuit:
        out: list[Operation] = []
        for op in passmanager_ir:
            _expand(op, out)
        result = passmanager_ir.copy_empty()
        result.extend(out)
        return result


def _expand(op: Operation, out: list[Operation]) -> None:
    gate = op.gate
    if not isinstance(gate, CompositeGate):
        out.append(op)
        return
    for inner in gate.definition(op.params):
        qubits = tuple(op.qubits[q] for q in inner.qubits)
        condition = op.condition if inner.condition is None else inner.condition
        _expand(Operation(inner.gate, qubits, inner.params, inner.clbits, condition), out)
