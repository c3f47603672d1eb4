"""Conversion to and from Qiskit's :class:`~qiskit.circuit.QuantumCircuit`.

Qiskit is optional: it is imported when a function here is called. Registers, standard
gates, measurements, resets, barriers, conditions (``if_test`` on a whole register or
one bit), symbolic parameters and hpcq's composite gates survive a round trip
``from_qiskit(to_qiskit(c)) == c``. Qiskit's global phase has no place in an hpcq
circuit and is dropped (hpcq compares circuits up to global phase).

Example:
    >>> import hpcq
    >>> bell = hpcq.Circuit(2).h(0).cx(0, 1)
    >>> hpcq.from_qiskit(hpcq.to_qiskit(bell)) == bell
    True
"""

from __future__ import annotations

import functools
import logging
import math
import re
from typing import TYPE_CHECKING, Any

from hpcq.ir.circuit import Circuit, Condition, Operation
from hpcq.ir.gates import (
    STANDARD_GATES,
    CompositeGate,
    Directive,
    Gate,
    StandardGate,
    UnitaryGate,
)
from hpcq.ir.parameter import UNARY_FUNCTIONS, Parameter, ParameterExpression, ParamValue

if TYPE_CHECKING:
    from qiskit.circuit import QuantumCircuit

logger = logging.getLogger(__name__)

# hpcq names whose Qiskit class has another name.
_TO_QISKIT_CLASS = {"c3x": "C3XGate", "c4x": "C4XGate"}
_FROM_QISKIT_CLASS = {
    "C3XGate": "c3x",
    "C4XGate": "c4x",
    "RC3XGate": "rc3x",
    "C3SXGate": "c3sqrtx",
}


def _qiskit() -> Any:
    try:
        import qiskit
    except ImportError as exc:
        raise ImportError(
            "Qiskit is needed to convert circuits to and from Qiskit: pip install qiskit"
        ) from exc
    return qiskit


# --- to Qiskit --------------------------------------------------------------------


def to_qiskit(circuit: Circuit) -> QuantumCircuit:
    """The circuit as a Qiskit ``QuantumCircuit`` with the same registers.

    Args:
        circuit: The hpcq circuit.

    Raises:
        ImportError: Qiskit is not installed.
        TypeError: ``circuit`` is not a :class:`~hpcq.Circuit`.
        ValueError: A condition tests bits that are neither one whole register nor one
            bit (Qiskit's ``if_test`` takes either).
    """
    if not isinstance(circuit, Circuit):
        raise TypeError(f"to_qiskit expects an hpcq.Circuit, not {type(circuit).__name__}")
    qiskit = _qiskit()
    from qiskit.circuit import ClassicalRegister, QuantumRegister

    qregs = [QuantumRegister(r.size, r.name) for r in circuit.qregs]
    cregs = [ClassicalRegister(r.size, r.name) for r in circuit.cregs]
    qc = qiskit.QuantumCircuit(*qregs, *cregs)
    qubits, clbits = list(qc.qubits), list(qc.clbits)
    # Qiskit orders bits register by register; hpcq registers may be declared in any
    # order of their flat start, so map by start offset.
    qubit_of = _flat_map(circuit.qregs, qregs)
    clbit_of = _flat_map(circuit.cregs, cregs)
    if len(qubit_of) != circuit.num_qubits:
        qubit_of = dict(enumerate(qubits))
    if len(clbit_of) != circuit.num_clbits:
        clbit_of = dict(enumerate(clbits))
    whole = {tuple(r.indices): reg for r, reg in zip(circuit.cregs, cregs, strict=True)}
    converter = _ToQiskit()
    for op in circuit:
        instruction = converter.instruction(op.gate, op.params, len(op.qubits))
        targets = [qubit_of[q] for q in op.qubits]
        bits = [clbit_of[c] for c in op.clbits]
        if op.condition is None:
            qc.append(instruction, targets, bits)
            continue
        test = _condition(op.condition, whole, clbit_of)
        with qc.if_test(test):
            qc.append(instruction, targets, bits)
    return qc


def _flat_map(ours: Any, theirs: Any) -> dict[int, Any]:
    mapping = {}
    for register, qiskit_register in zip(ours, theirs, strict=True):
        for i in range(register.size):
            mapping[register.start + i] = qiskit_register[i]
    return mapping


def _condition(condition: Condition, whole: dict[tuple[int, ...], Any], clbit_of: Any) -> Any:
    register = whole.get(condition.clbits)
    if register is not None:
        return (register, condition.value)
    if len(condition.clbits) == 1:
        return (clbit_of[condition.clbits[0]], condition.value)
    raise ValueError(
        f"condition on bits {list(condition.clbits)}: Qiskit can test one whole register "
        "or one bit"
    )


class _ToQiskit:
    """Gate conversion with one Qiskit ``Parameter`` per name."""

    def __init__(self) -> None:
        from qiskit.circuit.library import get_standard_gate_name_mapping

        self.mapping = get_standard_gate_name_mapping()
        self.parameters: dict[str, Any] = {}
        self.composites: dict[CompositeGate, Any] = {}

    def param(self, value: ParamValue) -> Any:
        if not isinstance(value, ParameterExpression):
            return float(value)
        if isinstance(value, Parameter):
            found = self.parameters.get(value.name)
            if found is None:
                from qiskit.circuit import Parameter as QiskitParameter

                found = self.parameters[value.name] = QiskitParameter(value.name)
            return found
        args = [self.param(a) for a in value.args]
        op = value.op
        if op == "neg":
            return -args[0]
        if op == "+":
            return args[0] + args[1]
        if op == "-":
            return args[0] - args[1]
        if op == "*":
            return args[0] * args[1]
        if op == "/":
            return args[0] / args[1]
        if op == "^":
            return args[0] ** args[1]
        if op == "sqrt":
            return args[0] ** 0.5
        if op == "ln":
            return args[0].log() if hasattr(args[0], "log") else math.log(args[0])
        method = getattr(args[0], op, None)
        return method() if method is not None else UNARY_FUNCTIONS[op](args[0])

    def instruction(self, gate: Gate, params: tuple[ParamValue, ...], num_qubits: int) -> Any:
        values = [self.param(p) for p in params]
        if isinstance(gate, (StandardGate, Directive)):
            return self.standard(gate, values, num_qubits)
        if isinstance(gate, UnitaryGate):
            from qiskit.circuit.library import UnitaryGate as QiskitUnitary

            return QiskitUnitary(gate.matrix(), label=gate.label, check_input=False)
        if isinstance(gate, CompositeGate):
            return self.composite(gate, values)
        raise ValueError(f"gate {gate!r} of type {type(gate).__name__} has no Qiskit form")

    def standard(self, gate: Gate, values: list[Any], num_qubits: int) -> Any:
        from qiskit import circuit as qiskit_circuit

        name = gate.name
        if name == "barrier":
            return qiskit_circuit.Barrier(num_qubits)
        if name == "u0":
            return _u0_class()(values[0])
        class_name = _TO_QISKIT_CLASS.get(name)
        if class_name is not None:
            return getattr(qiskit_circuit.library, class_name)()
        template = self.mapping.get(name)
        if template is None:
            raise ValueError(f"hpcq gate '{name}' has no Qiskit equivalent")
        if not values:
            return template
        return type(template)(*values)

    def composite(self, gate: CompositeGate, values: list[Any]) -> Any:
        definition = self.composites.get(gate)
        if definition is None:
            from qiskit import QuantumCircuit

            body = QuantumCircuit(gate.num_qubits)
            for op in gate.body:
                body.append(self.instruction(op.gate, op.params, len(op.qubits)), list(op.qubits))
            formals = [self.param(Parameter(n)) for n in gate.param_names]
            definition = self.composites[gate] = (body, formals)
        body, formals = definition
        bound = body.assign_parameters(dict(zip(formals, values, strict=True)), inplace=False)
        instruction = _composite_class()(gate, values, bound)
        return instruction


@functools.cache
def _composite_class() -> type:
    from qiskit.circuit import Gate as QiskitGate

    class HpcqCompositeGate(QiskitGate):
        """A Qiskit gate that remembers the hpcq composite gate it came from."""

        def __init__(self, composite: CompositeGate, params: list[Any], body: Any) -> None:
            super().__init__(composite.name, composite.num_qubits, params)
            self.hpcq_composite = composite
            self.definition = body

    return HpcqCompositeGate


@functools.cache
def _u0_class() -> type:
    from qiskit.circuit import Gate as QiskitGate

    class U0Gate(QiskitGate):
        """qelib1.inc's ``u0(gamma)``: an identity of ``gamma`` idle units."""

        def __init__(self, gamma: Any) -> None:
            super().__init__("u0", 1, [gamma])

        def _define(self) -> None:
            from qiskit import QuantumCircuit

            self.definition = QuantumCircuit(1)

    return U0Gate


# --- from Qiskit ------------------------------------------------------------------


def from_qiskit(qc: QuantumCircuit) -> Circuit:
    """A Qiskit ``QuantumCircuit`` as an hpcq circuit with the same registers.

    Standard gates map to hpcq's; other gates with a definition become composite
    gates; gates with only a matrix become :class:`~hpcq.UnitaryGate`. ``if_test``
    blocks without an ``else`` become conditioned operations.

    Raises:
        ImportError: Qiskit is not installed.
        TypeError: ``qc`` is not a ``QuantumCircuit``.
        ValueError: An instruction hpcq cannot represent (other control flow, a
            condition on an expression, a gate with neither definition nor matrix).
    """
    qiskit = _qiskit()
    if not isinstance(qc, qiskit.QuantumCircuit):
        raise TypeError(f"from_qiskit expects a qiskit QuantumCircuit, not {type(qc).__name__}")
    circuit = Circuit.with_registers(
        [(r.name, r.size) for r in qc.qregs], [(r.name, r.size) for r in qc.cregs]
    )
    loose_qubits = [q for q in qc.qubits if not qc.find_bit(q).registers]
    loose_clbits = [c for c in qc.clbits if not qc.find_bit(c).registers]
    if loose_qubits:
        circuit.add_register(_free_name(circuit, "q"), len(loose_qubits), quantum=True)
    if loose_clbits:
        circuit.add_register(_free_name(circuit, "c"), len(loose_clbits), quantum=False)
    qubit_index = _bit_index(qc, qc.qregs, loose_qubits, circuit.qregs)
    clbit_index = _bit_index(qc, qc.cregs, loose_clbits, circuit.cregs)
    if qc.global_phase:
        logger.info("from_qiskit: dropping the global phase %s", qc.global_phase)
    converter = _FromQiskit()
    for item in qc.data:
        for op in converter.operations(item, qubit_index, clbit_index, None):
            circuit.append(op)
    return circuit


def _free_name(circuit: Circuit, base: str) -> str:
    taken = {r.name for r in (*circuit.qregs, *circuit.cregs)}
    name, n = base, 0
    while name in taken:
        n += 1
        name = f"{base}{n}"
    return name


def _bit_index(qc: Any, registers: Any, loose: list[Any], ours: Any) -> dict[Any, int]:
    index: dict[Any, int] = {}
    for register, our in zip(registers, ours, strict=False):
        for i, bit in enumerate(register):
            index.setdefault(bit, our.start + i)
    if loose:
        start = ours[-1].start
        for i, bit in enumerate(loose):
            index[bit] = start + i
    return index


class _FromQiskit:
    def __init__(self) -> None:
        self.composites: dict[int, CompositeGate] = {}

    def param(self, value: Any) -> ParamValue:
        from qiskit.circuit import Parameter as QiskitParameter
        from qiskit.circuit import ParameterExpression as QiskitExpression

        if isinstance(value, QiskitParameter):
            return Parameter(value.name)
        if isinstance(value, QiskitExpression):
            if not value.parameters:
                return float(value)
            return _parse_expression(str(value))
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"gate parameter {value!r} is not a number") from exc

    def operations(
        self,
        item: Any,
        qubit_index: dict[Any, int],
        clbit_index: dict[Any, int],
        condition: Condition | None,
    ) -> list[Operation]:
        instruction = item.operation
        qubits = tuple(qubit_index[q] for q in item.qubits)
        clbits = tuple(clbit_index[c] for c in item.clbits)
        name = instruction.name
        if name == "if_else":
            return self.if_else(item, qubit_index, clbit_index, condition)
        if getattr(instruction, "condition", None) is not None and name != "if_else":
            raise ValueError(f"'{name}' has a condition hpcq cannot read")
        if name in ("measure", "reset", "barrier"):
            return [Operation(STANDARD_GATES[name], qubits, (), clbits, condition)]
        if clbits:
            raise ValueError(f"instruction '{name}' writes classical bits; hpcq cannot hold it")
        gate, params = self.gate(instruction)
        return [Operation(gate, qubits, params, (), condition)]

    def if_else(
        self,
        item: Any,
        qubit_index: dict[Any, int],
        clbit_index: dict[Any, int],
        outer: Condition | None,
    ) -> list[Operation]:
        instruction = item.operation
        true_body, false_body = instruction.params
        if false_body is not None and len(false_body.data):
            raise ValueError("if/else with an else branch cannot be expressed in hpcq")
        if outer is not None:
            raise ValueError("nested conditions cannot be expressed in hpcq")
        if not isinstance(instruction.condition, tuple):
            raise ValueError("only conditions (register, value) or (bit, value) can be converted")
        target, value = instruction.condition
        if hasattr(target, "size") and hasattr(target, "name"):
            bits = tuple(clbit_index[b] for b in target)
        else:
            bits = (clbit_index[target],)
        condition = Condition(bits, int(value))
        inner_q = dict(zip(true_body.qubits, (qubit_index[q] for q in item.qubits), strict=True))
        inner_c = dict(zip(true_body.clbits, (clbit_index[c] for c in item.clbits), strict=True))
        ops: list[Operation] = []
        for inner in true_body.data:
            ops.extend(self.operations(inner, inner_q, inner_c, condition))
        return ops

    def gate(self, instruction: Any) -> tuple[Gate, tuple[ParamValue, ...]]:
        if instruction.name == "unitary":
            return UnitaryGate(instruction.to_matrix(), label=instruction.label), ()
        composite = getattr(instruction, "hpcq_composite", None)
        params = tuple(self.param(p) for p in instruction.params)
        if isinstance(composite, CompositeGate):
            return composite, params
        class_name = type(instruction).__name__.lstrip("_").replace("Singleton", "")
        name = _FROM_QISKIT_CLASS.get(class_name, instruction.name)
        standard = STANDARD_GATES.get(name)
        if (
            standard is not None
            and standard.is_unitary
            and standard.num_qubits == instruction.num_qubits
            and standard.num_params == len(params)
        ):
            return standard, params
        from hpcq.ir.qasm2.qelib1 import composite_gates

        builtin = composite_gates().get(name)
        if builtin is not None and builtin.num_qubits == instruction.num_qubits and not params:
            return builtin, ()
        definition = instruction.definition
        if definition is not None:
            return self.defined(instruction, definition), ()
        try:
            matrix = instruction.to_matrix()
        except Exception as exc:  # Qiskit raises CircuitError and others here
            raise ValueError(f"Qiskit instruction '{name}' has no definition or matrix") from exc
        return UnitaryGate(matrix, label=name), ()

    def defined(self, instruction: Any, definition: Any) -> CompositeGate:
        # Parameters are baked into the body: one composite per distinct instance.
        key = id(instruction)
        found = self.composites.get(key)
        if found is not None:
            return found
        index = {q: i for i, q in enumerate(definition.qubits)}
        body: list[Operation] = []
        for item in definition.data:
            body.extend(self.operations(item, index, {}, None))
        name = re.sub(r"[^A-Za-z0-9_]", "_", instruction.name)
        gate = CompositeGate(name, instruction.num_qubits, (), body)
        self.composites[key] = gate
        return gate


def _parse_expression(text: str) -> ParamValue:
    """A Qiskit expression's text as an hpcq expression (names become parameters)."""
    from hpcq.exceptions import QasmError
    from hpcq.ir.qasm2.expression import ExpressionParser
    from hpcq.ir.qasm2.lexer import Lexer

    source = text.replace("**", "^").replace("log(", "ln(")
    names = set(re.findall(r"[A-Za-z_]\w*", source)) - set(UNARY_FUNCTIONS) - {"pi"}
    lexer = Lexer(source, None)
    try:
        value = ExpressionParser(lexer, {n: Parameter(n) for n in names}).parse()
        if lexer.next()[0] != "eof":
            raise ValueError(f"cannot read the Qiskit expression {text!r}")
    except QasmError as exc:
        raise ValueError(f"cannot read the Qiskit expression {text!r}: {exc.message}") from exc
    return value
