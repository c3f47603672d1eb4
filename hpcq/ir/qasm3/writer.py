"""The OpenQASM 3 writer: text that :func:`hpcq.ir.qasm3.loads` reads back equal.

The file includes ``stdgates.inc``, declares each free parameter as
``input float[64] name;``, defines the standard gates that ``stdgates.inc`` lacks
(``rzz``, ``ccz``, ``sxdg``... by modifiers or short bodies the reader recognises as
those gates again) and every user-defined gate before its first use, then declares
registers as ``qubit[n]``/``bit[n]``. Measurements are written ``c[i] = measure q[j];``
and conditions as ``if (c == n) { ... }`` or ``if (c[i] == b) { ... }``. Floats are
written with ``repr`` precision (``pi`` exactly as ``pi``).
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Sequence

from hpcq.ir.circuit import Circuit, Operation, Register
from hpcq.ir.gates import CompositeGate, Directive, Gate, StandardGate, UnitaryGate
from hpcq.ir.parameter import ParameterExpression, ParamValue, format_param
from hpcq.ir.qasm3.expression import FUNCTIONS
from hpcq.ir.qasm3.parser import KEYWORDS
from hpcq.ir.qasm3.stdgates import EXTENSION_DEFINITIONS, STDGATES_NAMES

logger = logging.getLogger(__name__)

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_RESERVED = KEYWORDS | FUNCTIONS | STDGATES_NAMES | frozenset(EXTENSION_DEFINITIONS)
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "^": 4}
# hpcq's expression operations and functions, as OpenQASM 3 spells them.
_SPELLING = {"^": "**", "ln": "log"}


def dumps(circuit: Circuit) -> str:
    """The circuit as OpenQASM 3 text.

    Raises:
        ValueError: The circuit holds something this writer cannot express: a
            :class:`~hpcq.UnitaryGate`, a non-finite angle, or a condition on bits that
            are neither one bit nor one whole classical register.
    """
    return _Writer(circuit).write()


def dump(circuit: Circuit, path: str | os.PathLike[str]) -> None:
    """Write the circuit to ``path`` as OpenQASM 3 (see :func:`dumps`)."""
    text = dumps(circuit)
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(text)


def expression(value: ParamValue) -> str:
    """An angle as OpenQASM 3 text (``**`` for powers, ``log`` for ``ln``)."""
    if isinstance(value, ParameterExpression):
        op = value.op
        if op == "param":
            return str(value)
        if op not in _PRECEDENCE:
            return f"{_SPELLING.get(op, op)}({expression(value.args[0])})"
        if op == "neg":
            return "-" + _wrap(value.args[0], _PRECEDENCE["neg"], right=True)
        left = _wrap(value.args[0], _PRECEDENCE[op], right=op == "^")
        right = _wrap(value.args[1], _PRECEDENCE[op], right=op != "^")
        return f"{left} {_SPELLING.get(op, op)} {right}"
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"angle {number} is not finite and cannot be written in OpenQASM 3")
    return format_param(number)


def _wrap(value: ParamValue, outer: int, right: bool) -> str:
    text = expression(value)
    if isinstance(value, ParameterExpression):
        inner = _PRECEDENCE.get(value.op, 5)
        if inner < outer or (inner == outer and right):
            return f"({text})"
    elif text.startswith("-"):
        return f"({text})"
    return text


def _bit_names(registers: Sequence[Register], count: int, kind: str) -> list[str]:
    names: list[str | None] = [None] * count
    for register in registers:
        if not _IDENTIFIER.match(register.name) or register.name in _RESERVED:
            raise ValueError(
                f"register name {register.name!r} is not an OpenQASM 3 identifier "
                "(or is a reserved word or a standard gate's name)"
            )
        for i in range(register.size):
            names[register.start + i] = f"{register.name}[{i}]"
    missing = [i for i, n in enumerate(names) if n is None]
    if missing:
        raise ValueError(f"{kind} {missing[0]} belongs to no register")
    return [n for n in names if n is not None]


class _Writer:
    def __init__(self, circuit: Circuit) -> None:
        self.circuit = circuit
        self.definitions: list[str] = []
        self.composite_names: dict[int, tuple[CompositeGate, str]] = {}
        self.extensions: set[str] = set()
        self.taken = set(_RESERVED)
        self.taken |= {r.name for r in (*circuit.qregs, *circuit.cregs)}
        self.taken |= set(circuit.parameters)

    def write(self) -> str:
        circuit = self.circuit
        qubits = _bit_names(circuit.qregs, circuit.num_qubits, "qubit")
        clbits = _bit_names(circuit.cregs, circuit.num_clbits, "classical bit")
        registers = {tuple(r.indices): r.name for r in circuit.cregs if r.size}
        for name in sorted(circuit.parameters):
            if not _IDENTIFIER.match(name) or name in _RESERVED:
                raise ValueError(f"parameter name {name!r} is not an OpenQASM 3 identifier")
        body: list[str] = []
        phase = getattr(circuit, "global_phase", 0.0)
        if isinstance(phase, ParameterExpression) or float(phase) != 0.0:
            body.append(f"gphase({expression(phase)});")
        for op in circuit:
            if op.name == "barrier" and not op.qubits:
                continue
            text = self._operation(op, qubits, clbits)
            if op.condition is not None:
                bits = op.condition.clbits
                if bits in registers:
                    test = f"{registers[bits]} == {op.condition.value}"
                elif len(bits) == 1 and op.condition.value in (0, 1):
                    test = f"{clbits[bits[0]]} == {op.condition.value}"
                else:
                    raise ValueError(
                        f"'{op.name}' is conditioned on bits {list(bits)}, which are neither "
                        "one bit nor one whole classical register"
                    )
                text = f"if ({test}) {{ {text} }}"
            body.append(text)
        head = ["OPENQASM 3.0;", 'include "stdgates.inc";']
        head += [f"input float[64] {name};" for name in sorted(circuit.parameters)]
        head += self.definitions
        head += [f"qubit[{r.size}] {r.name};" for r in circuit.qregs if r.size]
        head += [f"bit[{r.size}] {r.name};" for r in circuit.cregs if r.size]
        return "\n".join(head + body) + "\n"

    def _gate_name(self, gate: Gate) -> str:
        """The name to write for ``gate``, adding its definition when it needs one."""
        if isinstance(gate, (StandardGate, Directive)):
            if gate.name == "u":
                return "U"
            if gate.name in EXTENSION_DEFINITIONS and gate.name not in self.extensions:
                self.extensions.add(gate.name)
                self.definitions.append(EXTENSION_DEFINITIONS[gate.name])
            return gate.name
        if isinstance(gate, UnitaryGate):
            raise ValueError(
                "a UnitaryGate cannot be written in OpenQASM 3: decompose it into "
                "standard gates first (for example by synthesis or a rebase pass)"
            )
        if isinstance(gate, CompositeGate):
            return self._composite(gate)
        raise ValueError(f"gate {gate!r} of type {type(gate).__name__} has no OpenQASM 3 form")

    def _composite(self, gate: CompositeGate) -> str:
        known = self.composite_names.get(id(gate))
        if known is not None:
            return known[1]
        for name in gate.param_names:
            if not _IDENTIFIER.match(name) or name in _RESERVED:
                raise ValueError(
                    f"parameter name {name!r} of gate '{gate.name}' is not an OpenQASM 3 "
                    "identifier"
                )
        prefix = next(
            p for p in ("q", "qb", "qubit_") if not any(n.startswith(p) for n in gate.param_names)
        )
        # Dependencies first, so that every gate is defined before it is used.
        body = " ".join(self._body_operation(gate, op, prefix) for op in gate.body)
        name = self._fresh_name(gate.name)
        self.composite_names[id(gate)] = (gate, name)
        formals = ", ".join(f"{prefix}{i}" for i in range(gate.num_qubits))
        params = f"({', '.join(gate.param_names)})" if gate.param_names else ""
        self.definitions.append(f"gate {name}{params} {formals} {{ {body} }}")
        return name

    def _fresh_name(self, wanted: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", wanted)
        if not base or base[0].isdigit():
            base = "g" + base
        name, suffix = base, 1
        while name in self.taken:
            name = f"{base}_{suffix}"
            suffix += 1
        if name != wanted:
            logger.info("gate '%s' is written as '%s' (name taken or not valid)", wanted, name)
        self.taken.add(name)
        return name

    def _body_operation(self, gate: CompositeGate, op: Operation, prefix: str) -> str:
        if op.condition is not None or op.name in ("measure", "reset"):
            raise ValueError(
                f"gate '{gate.name}' contains '{op.name}'"
                + (" with a condition" if op.condition else "")
                + ": OpenQASM 3 gate bodies hold only gates"
            )
        for p in op.params:
            if isinstance(p, ParameterExpression):
                stray = p.parameters - set(gate.param_names)
                if stray:
                    raise ValueError(
                        f"gate '{gate.name}' uses parameter(s) {', '.join(sorted(stray))} "
                        "that are not among its formal parameters"
                    )
        name = self._gate_name(op.gate)
        params = "(" + ", ".join(expression(p) for p in op.params) + ")" if op.params else ""
        qubits = ", ".join(f"{prefix}{q}" for q in op.qubits)
        return f"{name}{params} {qubits};"

    def _operation(self, op: Operation, qubits: list[str], clbits: list[str]) -> str:
        name = self._gate_name(op.gate)
        if name == "measure":
            return f"{clbits[op.clbits[0]]} = measure {qubits[op.qubits[0]]};"
        args = ", ".join([qubits[q] for q in op.qubits])
        if op.params:
            return f"{name}({', '.join([expression(p) for p in op.params])}) {args};"
        return f"{name} {args};"
