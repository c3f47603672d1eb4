"""The OpenQASM 2 writer: text that :func:`hpcq.ir.qasm2.loads` reads back equal.

Floats are written with ``repr`` precision (``pi`` exactly as ``pi``); registers as the
circuit declares them; every user-defined gate is defined before its first use, its
own dependencies first. Standard gates that no ``qelib1.inc`` has (``ccz``, ``ryy``)
get a definition too, so that other OpenQASM 2 readers understand the file.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Sequence

from hpcq.ir.circuit import Circuit, Operation, Register
from hpcq.ir.gates import CompositeGate, Directive, Gate, StandardGate, UnitaryGate
from hpcq.ir.parameter import UNARY_FUNCTIONS, ParameterExpression, ParamValue, format_param
from hpcq.ir.qasm2.lexer import KEYWORDS
from hpcq.ir.qasm2.qelib1 import EXTENSION_DEFINITIONS, QELIB1_GATES, composite_gates

logger = logging.getLogger(__name__)

_IDENTIFIER = re.compile(r"[a-z][A-Za-z0-9_]*\Z")
# Names a written gate or register may not take: keywords, built-ins, functions.
_RESERVED = KEYWORDS | {"U", "CX"} | frozenset(UNARY_FUNCTIONS)


def dumps(circuit: Circuit) -> str:
    """The circuit as OpenQASM 2 text.

    Raises:
        ValueError: The circuit holds something OpenQASM 2 cannot express: a
            :class:`~hpcq.UnitaryGate`, an unbound parameter, a non-finite angle, or a
            condition on bits that are not one whole classical register.
    """
    return _Writer(circuit).write()


def dump(circuit: Circuit, path: str | os.PathLike[str]) -> None:
    """Write the circuit to ``path`` as OpenQASM 2 (see :func:`dumps`)."""
    text = dumps(circuit)
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(text)


def _bit_names(registers: Sequence[Register], count: int, kind: str) -> list[str]:
    names: list[str | None] = [None] * count
    for register in registers:
        if not _IDENTIFIER.match(register.name) or register.name in _RESERVED:
            raise ValueError(
                f"register name {register.name!r} is not an OpenQASM 2 identifier "
                "(a lower-case letter, then letters, digits or '_')"
            )
        for i in range(register.size):
            names[register.start + i] = f"{register.name}[{i}]"
    missing = [i for i, n in enumerate(names) if n is None]
    if missing:
        raise ValueError(f"{kind} {missing[0]} belongs to no register")
    return [n for n in names if n is not None]


def _number(value: ParamValue) -> str:
    if isinstance(value, ParameterExpression):
        if value.parameters:
            names = ", ".join(sorted(value.parameters))
            raise ValueError(
                f"unbound parameter(s) {names}: OpenQASM 2 has no free parameters; "
                "bind them first with Circuit.bind"
            )
        value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"angle {value} is not finite and cannot be written in OpenQASM 2")
    return format_param(value)


class _Writer:
    def __init__(self, circuit: Circuit) -> None:
        self.circuit = circuit
        self.definitions: list[str] = []
        self.composite_names: dict[CompositeGate, str] = {}
        self.extensions: set[str] = set()
        self.taken = set(_RESERVED) | set(QELIB1_GATES) | set(EXTENSION_DEFINITIONS)
        self.taken |= {r.name for r in (*circuit.qregs, *circuit.cregs)}

    def write(self) -> str:
        circuit = self.circuit
        qubits = _bit_names(circuit.qregs, circuit.num_qubits, "qubit")
        clbits = _bit_names(circuit.cregs, circuit.num_clbits, "classical bit")
        conditions: dict[tuple[int, ...], str] = {
            tuple(r.indices): r.name for r in circuit.cregs if r.size
        }
        body: list[str] = []
        for op in circuit:
            if op.name == "barrier" and not op.qubits:
                logger.debug("dropping a barrier on no qubits: OpenQASM 2 cannot write it")
                continue
            text = self._operation(op, qubits, clbits)
            if op.condition is not None:
                register = conditions.get(op.condition.clbits)
                if register is None:
                    raise ValueError(
                        f"'{op.name}' is conditioned on bits {list(op.condition.clbits)}, "
                        "which are not one whole classical register; OpenQASM 2 can only "
                        "test a whole register"
                    )
                text = f"if({register}=={op.condition.value}) {text}"
            body.append(text)
        head = ["OPENQASM 2.0;", 'include "qelib1.inc";', *self.definitions]
        head += [f"qreg {r.name}[{r.size}];" for r in circuit.qregs if r.size]
        head += [f"creg {r.name}[{r.size}];" for r in circuit.cregs if r.size]
        return "\n".join(head + body) + "\n"

    def _gate_name(self, gate: Gate) -> str:
        """The name to write for ``gate``, adding its definition when it needs one."""
        if isinstance(gate, (StandardGate, Directive)):
            if gate.name in EXTENSION_DEFINITIONS and gate.name not in self.extensions:
                self.extensions.add(gate.name)
                self.definitions.append(EXTENSION_DEFINITIONS[gate.name])
            return gate.name
        if isinstance(gate, UnitaryGate):
            raise ValueError(
                "a UnitaryGate cannot be written in OpenQASM 2: decompose it into "
                "standard gates first (for example by synthesis or a rebase pass)"
            )
        if isinstance(gate, CompositeGate):
            return self._composite(gate)
        raise ValueError(f"gate {gate!r} of type {type(gate).__name__} has no OpenQASM 2 form")

    def _composite(self, gate: CompositeGate) -> str:
        known = self.composite_names.get(gate)
        if known is not None:
            return known
        if composite_gates().get(gate.name) == gate:
            self.composite_names[gate] = gate.name
            return gate.name
        for name in gate.param_names:
            if not _IDENTIFIER.match(name) or name in _RESERVED:
                raise ValueError(
                    f"parameter name {name!r} of gate '{gate.name}' is not an OpenQASM 2 "
                    "identifier"
                )
        # Dependencies first, so that every gate is defined before it is used.
        prefix = next(p for p in ("q", "qb", "qubit") if not _clash(p, gate))
        body = " ".join(self._body_operation(gate, op, prefix) for op in gate.body)
        name = self._fresh_name(gate.name)
        self.composite_names[gate] = name
        formals = ", ".join(f"{prefix}{i}" for i in range(gate.num_qubits))
        params = f"({', '.join(gate.param_names)})" if gate.param_names else ""
        self.definitions.append(f"gate {name}{params} {formals} {{ {body} }}")
        return name

    def _fresh_name(self, wanted: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", wanted)
        if not base or not base[0].islower():
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
                + ": OpenQASM 2 gate bodies hold only gates and barriers"
            )
        for p in op.params:
            if isinstance(p, ParameterExpression):
                stray = p.parameters - set(gate.param_names)
                if stray:
                    raise ValueError(
                        f"gate '{gate.name}' uses parameter(s) {', '.join(sorted(stray))} "
                        "that are not among its formal parameters"
                    )
            elif not math.isfinite(p):
                raise ValueError(f"angle {p} in gate '{gate.name}' is not finite")
        name = self._gate_name(op.gate)
        params = "(" + ", ".join(format_param(p) for p in op.params) + ")" if op.params else ""
        qubits = ", ".join(f"{prefix}{q}" for q in op.qubits)
        return f"{name}{params} {qubits};"

    def _operation(self, op: Operation, qubits: list[str], clbits: list[str]) -> str:
        name = self._gate_name(op.gate)
        if name == "measure":
            return f"measure {qubits[op.qubits[0]]} -> {clbits[op.clbits[0]]};"
        args = ",".join([qubits[q] for q in op.qubits])
        if op.params:
            return f"{name}({','.join([_number(p) for p in op.params])}) {args};"
        return f"{name} {args};"


def _clash(prefix: str, gate: CompositeGate) -> bool:
    return any(re.fullmatch(re.escape(prefix) + r"\d+", p) for p in gate.param_names)
