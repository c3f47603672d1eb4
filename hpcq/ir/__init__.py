"""The circuit IR: circuits, gates, parameters, OpenQASM 2 and unitary distances.

Example:
    >>> from hpcq.ir import Circuit, equivalent
    >>> a = Circuit(1).h(0).h(0)
    >>> equivalent(a, Circuit(1))
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hpcq._lazy import lazy_attributes
from hpcq.ir.circuit import Circuit, Condition, Operation, Register
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

if TYPE_CHECKING:
    from hpcq.sim.distance import hilbert_schmidt_cost, hilbert_schmidt_distance
    from hpcq.sim.equivalence import MAX_UNITARY_QUBITS, equivalent, equivalent_on_states

# The equivalence checks are hpcq.sim's (the one simulator, which builds on this
# package); they load it on first use so that importing hpcq.ir stays cycle-free.
_FROM_SIM = {
    "MAX_UNITARY_QUBITS": "hpcq.sim.equivalence",
    "equivalent": "hpcq.sim.equivalence",
    "equivalent_on_states": "hpcq.sim.equivalence",
    "hilbert_schmidt_cost": "hpcq.sim.distance",
    "hilbert_schmidt_distance": "hpcq.sim.distance",
}


__getattr__, __dir__ = lazy_attributes(__name__, _FROM_SIM)


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
