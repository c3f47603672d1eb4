"""The circuit IR: circuits, gates, parameters, OpenQASM 2 and unitary distances.

Example:
    >>> from hpcq.ir import Circuit, equivalent
    >>> a = Circuit(1).h(0).h(0)
    >>> equivalent(a, Circuit(1))
    True
"""

from __future__ import annotations

from hpcq.ir.circuit import Circuit, Condition, Operation, Register
from hpcq.ir.distance import (
    MAX_UNITARY_QUBITS,
    equivalent,
    equivalent_on_states,
    hilbert_schmidt_cost,
    hilbert_schmidt_distance,
)
from hpcq.ir.gates import (
    STANDARD_GATES,
    CompositeGate,
    Directive,
    Gate,
    StandardGate,
    UnitaryGate,
    standard_gate,
)
from hpcq.ir.parameter import Parameter, ParameterExpression

__all__ = [
    "MAX_UNITARY_QUBITS",
    "STANDARD_GATES",
    "Circuit",
    "CompositeGate",
    "Condition",
    "Directive",
    "Gate",
    "Operation",
    "Parameter",
    "ParameterExpression",
    "Register",
    "StandardGate",
    "UnitaryGate",
    "equivalent",
    "equivalent_on_states",
    "hilbert_schmidt_cost",
    "hilbert_schmidt_distance",
    "standard_gate",
]
