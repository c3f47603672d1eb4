""":class:`Unroll`: user-defined (composite) gates replaced by their definitions."""

from __future__ import annotations

import math

from hpcq.exceptions import CircuitError
from hpcq.ir.circuit import Circuit, Operation
from hpcq.ir.gates import CompositeGate
from hpcq.ir.parameter import format_param
from hpcq.passes.base import TransformationPass

_ARITHMETIC_ERRORS = (ZeroDivisionError, OverflowError, ValueError)


class Unroll(TransformationPass):
    """Expand every :class:`~hpcq.ir.gates.CompositeGate`, recursively.

    The result holds only standard gates, directives and unitary blocks. A conditioned
    composite gate becomes its body with the same condition on each operation, which
    is equivalent because a gate body writes no classical bit.

    A body whose parameters cannot be evaluated for the arguments given (``rz(1/a)``
    applied with ``a = 0``, or a value that is not finite) raises
    :class:`~hpcq.exceptions.CircuitError` naming the operation and the gate. Circuits
    read from OpenQASM never get that far: the reader checks each application where
    the file writes it.

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
        for index, op in enumerate(passmanager_ir):
            if isinstance(op.gate, CompositeGate):
                _expand(op, index, out)
            else:
                out.append(op)
        result = passmanager_ir.copy_empty()
        result.extend(out)
        return result


def _expand(top: Operation, index: int, out: list[Operation]) -> None:
    # An explicit stack instead of recursion: nesting depth is the caller's business,
    # not Python's recursion limit.
    stack = [iter([top])]
    while stack:
        op = next(stack[-1], None)
        if op is None:
            stack.pop()
            continue
        gate = op.gate
        if not isinstance(gate, CompositeGate):
            out.append(op)
            continue
        try:
            body = gate.definition(op.params)
            for inner in body:
                for value in inner.params:
                    if isinstance(value, float) and not math.isfinite(value):
                        raise ValueError(f"'{inner.name}' gets the value {value}")
        except _ARITHMETIC_ERRORS as exc:
            reason = "division by zero" if isinstance(exc, ZeroDivisionError) else str(exc)
            shown = ", ".join(format_param(p) for p in op.params)
            within = "" if op is top else f" (inside '{top.name}')"
            raise CircuitError(
                f"operation {index}: cannot expand gate '{gate.name}' with parameters "
                f"({shown}){within}: {reason}"
            ) from exc
        stack.append(
            iter(
                [
                    Operation(
                        inner.gate,
                        tuple(op.qubits[q] for q in inner.qubits),
                        inner.params,
                        inner.clbits,
                        op.condition if inner.condition is None else inner.condition,
                    )
                    for inner in body
                ]
            )
        )
