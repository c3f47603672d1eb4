"""The OpenQASM 3 reader: the circuit subset of the language, by recursive descent.

What a circuit is made of is read: ``qubit``/``bit`` and ``qreg``/``creg``
declarations, ``let`` aliases, ``include "stdgates.inc"`` (built in) and other
includes, ``gate`` definitions, gate calls with ``inv``/``pow``/``ctrl``/``negctrl``
modifiers, ``U`` and ``gphase``, ``measure`` in both forms, ``reset``, ``barrier``,
``if`` on a bit or a register, ``input float``/``input angle`` as symbolic parameters,
constants and classical scalars with a constant value, and expressions. The rest of the
language (loops, subroutines, ``switch``, timing, calibrations, classical assignments)
is refused by a :class:`~hpcq.QasmError` at the first token of the construct, as every
other error is, with the file, line and column.

A statement's operations are checked as they are built (registers, indices, arity), so
the circuit is filled without a second check.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from hpcq.exceptions import QasmError
from hpcq.ir.circuit import Circuit, Condition, Operation, Register
from hpcq.ir.gates import (
    BARRIER,
    MEASURE,
    RESET,
    STANDARD_GATES,
    CompositeGate,
    Gate,
    StandardGate,
)
from hpcq.ir.parameter import Parameter, ParameterExpression, ParamValue
from hpcq.ir.qasm3.expression import CONSTANTS, FUNCTIONS, ExpressionParser, Value
from hpcq.ir.qasm3.lexer import Lexer, Token, describe
from hpcq.ir.qasm3.modifiers import ModifierError, Modifiers, Piece
from hpcq.ir.qasm3.stdgates import STDGATES

logger = logging.getLogger(__name__)

# Resource limits, the same as the OpenQASM 2 reader's. A register this large is not a
# circuit anyone simulates or compiles. The operation limit counts the circuit with
# every user gate expanded, and also bounds what modifiers and broadcasting may create
# from a short text (``pow(1000000) @``): at about 150 bytes an operation, 10 million
# is a gigabyte and a half, so reading stays bounded in memory however the text nests.
MAX_REGISTER_SIZE = 1 << 24
MAX_OPERATIONS = 10_000_000
# Gate definitions nested deeper than this are refused: the modifiers and every later
# pass recurse through definitions, and no real circuit nests its gates 64 deep. Raise
# it with ``loads(..., max_gate_depth=...)``.
MAX_GATE_DEPTH = 64
# Controls beyond this are refused before any unitary or expansion is attempted.
MAX_CONTROLS = 16

# The statement that makes up nearly all of a large file, ``name(params) r[i], s[j];``.
# Its meaning cannot change later in the program (nothing is declared twice), so its
# operations are cached by its text and a repeat costs a match and a look-up.
_SIMPLE_CALL = re.compile(
    r"(?:[ \t\r\n]+|//[^\n]*)*"
    r"([A-Za-z_][A-Za-z0-9_]*)[ \t]*"
    r"(?:\(([^()\n;{}=]*)\)[ \t]*)?"
    r"((?:[A-Za-z_][A-Za-z0-9_]*[ \t]*\[[ \t]*\d+[ \t]*\][ \t]*,[ \t]*)*"
    r"[A-Za-z_][A-Za-z0-9_]*[ \t]*\[[ \t]*\d+[ \t]*\])[ \t]*;"
)
_NUMBER = re.compile(r"[ \t]*-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?[ \t]*\Z")
_ARGUMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)[ \t]*\[[ \t]*(\d+)")
_VERSION = re.compile(r"(?:\s+|//[^\n]*|/\*(?:[^*]|\*(?!/))*\*/)*OPENQASM\s+(\d+)")

# Statements that are OpenQASM 3 but not a circuit, with what to say about them.
_REFUSED: dict[str, str] = {
    "for": "'for' loops are not supported: hpcq reads circuits, not classical programs",
    "while": "'while' loops are not supported: hpcq reads circuits, not classical programs",
    "def": "subroutines ('def') are not supported",
    "return": "'return' is not supported (subroutines are not)",
    "extern": "'extern' functions are not supported",
    "switch": "'switch' is not supported",
    "break": "'break' is not supported (loops are not)",
    "continue": "'continue' is not supported (loops are not)",
    "end": "'end' is not supported",
    "box": "'box' is timing, which hpcq does not read",
    "delay": "'delay' is timing, which hpcq does not read",
    "duration": "durations are timing, which hpcq does not read",
    "stretch": "'stretch' is timing, which hpcq does not read",
    "durationof": "'durationof' is timing, which hpcq does not read",
    "cal": "calibration blocks ('cal') are not supported",
    "defcal": "calibrations ('defcal') are not supported",
    "defcalgrammar": "calibrations ('defcalgrammar') are not supported",
    "output": "'output' declarations are not supported",
    "array": "arrays are not supported",
    "complex": "complex numbers are not supported",
    "opaque": "'opaque' is not OpenQASM 3; declare a gate with a body",
    "pragma": "pragmas are not supported",
    "else": "'else' without an 'if'",
}
_CLASSICAL_TYPES = frozenset(("int", "uint", "float", "angle", "bool"))
_MODIFIERS = frozenset(("inv", "pow", "ctrl", "negctrl"))
KEYWORDS = frozenset(
    (
        "OPENQASM", "include", "qubit", "qreg", "bit", "creg", "input", "const", "let",
        "gate", "measure", "reset", "barrier", "if", "U", "gphase", "true", "false",
        *_REFUSED, *_CLASSICAL_TYPES, *_MODIFIERS, *CONSTANTS,
    )
)  # fmt: skip
"""Words that cannot name a register, a gate, a parameter or a constant."""
_NOT_CACHED = KEYWORDS - {"U", "reset", "barrier"}


@dataclass(frozen=True)
class GateInfo:
    """A gate a program can call: hpcq's gate and the phase in front of its matrix.

    Attributes:
        gate: The gate applied.
        phase: ``gphase`` of its definition, an expression in its formal parameters
            (``0.0`` for hpcq's standard gates, whose matrices are exact).
    """

    gate: Gate
    phase: ParamValue = 0.0


@dataclass(frozen=True)
class Bits:
    """What an operand names: flat indices, and whether it is one bit or a register."""

    indices: tuple[int, ...]
    single: bool
    offset: int


@dataclass
class _State:
    """What every file of one program shares (includes see the same symbols)."""

    circuit: Circuit
    qregs: dict[str, tuple[Register | None, tuple[int, ...], bool]] = field(default_factory=dict)
    cregs: dict[str, tuple[Register, bool]] = field(default_factory=dict)
    gates: dict[str, GateInfo] = field(default_factory=dict)
    values: dict[str, Value] = field(default_factory=dict)
    variables: set[str] = field(default_factory=set)
    inputs: set[str] = field(default_factory=set)
    ops: list[Operation] = field(default_factory=list)
    phase: ParamValue = 0.0
    include_stack: list[str] = field(default_factory=list)
    stdgates: bool = False
    statement_cache: dict[str, tuple[list[Operation], int]] = field(default_factory=dict)
    max_operations: int = MAX_OPERATIONS
    max_gate_depth: int = MAX_GATE_DEPTH
    work_limit: int = MAX_OPERATIONS
    expanded: int = 0
    shapes: dict[int, tuple[Gate, int, int]] = field(default_factory=dict)
    checked_calls: dict[tuple[int, tuple[ParamValue, ...]], tuple[Gate, ParamValue]] = field(
        default_factory=dict
    )
    modifiers: Modifiers = field(default_factory=lambda: Modifiers(MAX_OPERATIONS))

    def shape(self, gate: Gate) -> tuple[int, int]:
        """How deep ``gate``'s definitions nest, and how many operations it expands to."""
        if not isinstance(gate, CompositeGate):
            return 0, 1
        known = self.shapes.get(id(gate))
        if known is None:
            depth, size = 0, 0
            for op in gate.body:
                inner_depth, inner_size = self.shape(op.gate)
                depth, size = max(depth, inner_depth), size + inner_size
            known = self.shapes[id(gate)] = (gate, depth + 1, size)
        return known[1], known[2]

    def declared(self, name: str) -> bool:
        return (
            name in self.qregs
            or name in self.cregs
            or name in self.gates
            or name in self.values
            or name in self.variables
        )


def loads(
    text: str,
    filename: str | None = None,
    *,
    max_operations: int = MAX_OPERATIONS,
    max_gate_depth: int = MAX_GATE_DEPTH,
) -> Circuit:
    """Parse an OpenQASM 3 program.

    Args:
        text: The program.
        filename: Where it came from: named in errors, and the directory that
            ``include`` statements are resolved against (the working directory when
            ``None``).
        max_operations: Most operations the circuit may have with every user-defined
            gate expanded (default :data:`MAX_OPERATIONS`).
        max_gate_depth: Deepest nesting of gate definitions allowed (default
            :data:`MAX_GATE_DEPTH`).

    Raises:
        QasmError: The text is not valid OpenQASM 3, or uses what hpcq does not read,
            or goes beyond a limit; the error has the file, line and column of the
            offending token.
        ValueError: A limit is not a positive integer.
    """
    if not isinstance(text, str):
        raise TypeError(f"OpenQASM text must be a str, not {type(text).__name__}")
    for name, value in (("max_operations", max_operations), ("max_gate_depth", max_gate_depth)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, not {value!r}")
    state = _State(Circuit(0, 0), max_operations=max_operations, max_gate_depth=max_gate_depth)
    # The budget bounds the reader's own work (every call of a gate body, broadcast and
    # modifier expansion makes operations), not the circuit's size, which _count checks
    # against max_operations; a small max_operations does not make it smaller than the
    # default, so that it never refuses definitions a program does not use.
    state.work_limit = max(max_operations, MAX_OPERATIONS)
    state.modifiers.budget = state.work_limit
    if filename is not None:
        state.include_stack.append(os.path.abspath(filename))
    _FileParser(state, text, filename).parse(top=True)
    circuit = state.circuit
    circuit._extend_trusted(state.ops)
    _set_global_phase(circuit, state.phase)
    logger.debug("parsed %s: %d operations", filename or "<string>", len(state.ops))
    return circuit


def load(
    path: str | os.PathLike[str],
    *,
    max_operations: int = MAX_OPERATIONS,
    max_gate_depth: int = MAX_GATE_DEPTH,
) -> Circuit:
    """Read an OpenQASM 3 file; errors name the file.

    Args:
        path: The file.
        max_operations: See :func:`loads`.
        max_gate_depth: See :func:`loads`.

    Raises:
        QasmError: The file is not valid OpenQASM 3.
        OSError: The file cannot be read.
    """
    name = os.fspath(path)
    try:
        text = Path(name).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise QasmError(f"not a UTF-8 text file ({exc.reason})", file=name) from exc
    return loads(text, filename=name, max_operations=max_operations, max_gate_depth=max_gate_depth)


def declared_version(text: str) -> int | None:
    """The major version of the text's ``OPENQASM`` line, or ``None`` without one."""
    match = _VERSION.match(text)
    return int(match.group(1)) if match else None


def _set_global_phase(circuit: Circuit, phase: ParamValue) -> None:
    # The IR gains a global phase in another change; until then a global phase is
    # dropped, which no measurement can observe.
    if isinstance(phase, float) and phase == 0.0:
        return
    current = getattr(circuit, "global_phase", None)
    if isinstance(current, (float, int, ParameterExpression)):
        try:
            setattr(circuit, "global_phase", current + phase)  # noqa: B010 (not in the IR yet)
            return
        except (AttributeError, TypeError):  # pragma: no cover - depends on the IR
            pass
    logger.debug("dropping a global phase of %s (the circuit IR has none)", phase)


class _FileParser:
    """The statements of one source text, applied to the shared state."""

    def __init__(self, state: _State, text: str, filename: str | None) -> None:
        self.state = state
        self.text = text
        self.filename = filename
        self.lexer = Lexer(text, filename)
        self.expressions = ExpressionParser(self.lexer, state.values)
        self.statements = 0

    def error(self, message: str, offset: int) -> NoReturn:
        self.lexer.error(message, offset)

    # --- the statement loop -------------------------------------------------------

    def parse(self, top: bool = False) -> None:
        text, lexer, state = self.text, self.lexer, self.state
        cache = state.statement_cache
        fast = _SIMPLE_CALL.match
        pos = 0
        while True:
            match = fast(text, pos)
            if match is not None and match.group(1) not in _NOT_CACHED:
                key = text[match.start(1) : match.end()]
                cached = cache.get(key)
                if cached is not None:
                    self._count(cached[1], match.start(1))
                    state.ops.extend(cached[0])
                    pos = match.end()
                    self.statements += 1
                    continue
                direct = self._direct(match)
                if direct is not None:
                    self._count(1, match.start(1))
                    state.ops.append(direct)
                    cache[key] = ([direct], 1)
                    pos = match.end()
                    self.statements += 1
                    continue
                lexer.seek(match.start(1))
                before, phase, expanded = len(state.ops), state.phase, state.expanded
                self._statement(top)
                if state.phase is phase:
                    cache[key] = (state.ops[before:], state.expanded - expanded)
            else:
                lexer.seek(pos)
                if lexer.peek()[0] == "eof":
                    return
                self._statement(top)
            pos = lexer.resume_offset()
            self.statements += 1

    def _direct(self, match: re.Match[str]) -> Operation | None:
        """A standard gate on numeric angles and indexed qubits, built without tokens.

        ``None`` for anything else, or anything wrong: the general path then reads the
        statement and says what is wrong, so both paths give the same errors.
        """
        state = self.state
        name = match.group(1)
        gate = STANDARD_GATES["u"] if name == "U" else None
        if gate is None:
            info = state.gates.get(name)
            if info is None or not isinstance(info.gate, StandardGate) or info.phase != 0.0:
                return None
            gate = info.gate
        params: tuple[float, ...] = ()
        if match.group(2) is not None:
            pieces = match.group(2).split(",")
            if not all(_NUMBER.match(piece) for piece in pieces):
                return None
            params = tuple(float(piece) for piece in pieces)
            if not all(map(math.isfinite, params)):
                return None
        if len(params) != gate.num_params:
            return None
        qubits = []
        for argument in _ARGUMENT.finditer(match.group(3)):
            entry = state.qregs.get(argument.group(1))
            if entry is None or entry[2]:
                return None
            index = int(argument.group(2))
            if index >= len(entry[1]):
                return None
            qubits.append(entry[1][index])
        if len(qubits) != gate.num_qubits or len(set(qubits)) != len(qubits):
            return None
        return Operation(gate, tuple(qubits), params)

    def _statement(self, top: bool) -> None:
        lexer = self.lexer
        token = lexer.peek()
        kind, text, offset = token
        if kind == "@":
            self.error("annotations ('@...') are not supported", offset)
        if kind == "#":
            self.error("pragmas ('#pragma') are not supported", offset)
        if kind == "hw":
            self.error(f"physical qubits ('{text}') are not supported; declare qubits", offset)
        if kind == "{":
            self.error("a block '{' is only allowed after 'if' or in a gate definition", offset)
        if kind != "id":
            self.error(f"expected a statement, found {describe(token)}", offset)
        if text == "OPENQASM":
            lexer.next()
            self._version(offset, top and self.statements == 0)
        elif text == "include":
            lexer.next()
            self._include()
        elif text in ("qubit", "qreg"):
            lexer.next()
            self._qubit_declaration(text)
        elif text in ("bit", "creg"):
            lexer.next()
            self._bit_declaration(text)
        elif text == "input":
            lexer.next()
            self._input()
        elif text == "const":
            lexer.next()
            self._classical(offset, const=True)
        elif text in _CLASSICAL_TYPES:
            self._classical(offset, const=False)
        elif text == "let":
            lexer.next()
            self._let()
        elif text == "gate":
            lexer.next()
            self._gate_definition()
        elif text == "if":
            lexer.next()
            self._if(offset)
        elif text in _REFUSED:
            self.error(_REFUSED[text], offset)
        else:
            self._emit(self._quantum_statement(None), offset)

    # --- declarations -------------------------------------------------------------

    def _version(self, offset: int, first: bool) -> None:
        token = self.lexer.next()
        if token[0] not in ("float", "int"):
            self.error(f"expected a version number, found {describe(token)}", token[2])
        if not first:
            self.error("'OPENQASM' must be the first statement of a file", offset)
        if token[1].split(".")[0] != "3":
            self.error(f"this is the OpenQASM 3 reader; the file says {token[1]}", token[2])
        self.lexer.expect(";")

    def _include(self) -> None:
        lexer, state = self.lexer, self.state
        token = lexer.expect("string", "a file name in double quotes")
        lexer.expect(";")
        name = token[1][1:-1]
        if name == "stdgates.inc":
            if not state.stdgates:
                for alias, gate_name in STDGATES.items():
                    if alias in state.gates or state.declared(alias):
                        self.error(f"'{alias}' of stdgates.inc is already declared", token[2])
                    state.gates[alias] = GateInfo(STANDARD_GATES[gate_name])
                state.stdgates = True
            return
        if name == "qelib1.inc":
            self.error(
                'qelib1.inc is OpenQASM 2\'s library; OpenQASM 3 includes "stdgates.inc"',
                token[2],
            )
        directory = Path(self.filename).parent if self.filename else Path.cwd()
        path = (directory / name).resolve()
        if str(path) in state.include_stack:
            self.error(f"include cycle: '{name}' includes itself", token[2])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            reason = exc.strerror or str(exc)
            self.error(f"cannot read include file '{name}' ({path}): {reason}", token[2])
        except UnicodeDecodeError:
            self.error(f"include file '{name}' is not UTF-8 text", token[2])
        state.include_stack.append(str(path))
        try:
            _FileParser(state, text, str(path)).parse()
        finally:
            state.include_stack.pop()

    def _new_name(self, token: Token, what: str) -> str:
        name = token[1]
        if name in KEYWORDS or name in FUNCTIONS:
            self.error(f"'{name}' is a reserved word and cannot name a {what}", token[2])
        if self.state.declared(name):
            self.error(f"'{name}' is already declared", token[2])
        return name

    def _designator(self, what: str) -> int:
        lexer = self.lexer
        offset = lexer.peek()[2]
        size = self.expressions.parse_int(f"the size of {what}")
        lexer.expect("]")
        if size < 1:
            self.error(f"{what} must have at least one bit", offset)
        if size > MAX_REGISTER_SIZE:
            self.error(
                f"{what} of {size} bits is larger than the limit of {MAX_REGISTER_SIZE}", offset
            )
        return size

    def _qubit_declaration(self, keyword: str) -> None:
        lexer, state = self.lexer, self.state
        size: int | None = None
        if keyword == "qubit" and lexer.accept("["):
            size = self._designator("a qubit register")
        name_token = lexer.expect("id", "a qubit register name")
        name = self._new_name(name_token, "qubit register")
        if keyword == "qreg" and lexer.accept("["):
            size = self._designator("a quantum register")
        lexer.expect(";")
        register = state.circuit.add_register(name, size or 1, quantum=True)
        self._check_total(state.circuit.num_qubits, name_token[2])
        state.qregs[name] = (register, tuple(register.indices), size is None)

    def _check_total(self, total: int, offset: int) -> None:
        if total > MAX_REGISTER_SIZE:
            self.error(f"more than {MAX_REGISTER_SIZE} bits in all", offset)

    def _bit_declaration(self, keyword: str) -> None:
        lexer, state = self.lexer, self.state
        size: int | None = None
        if keyword == "bit" and lexer.accept("["):
            size = self._designator("a bit register")
        name_token = lexer.expect("id", "a bit register name")
        name = self._new_name(name_token, "bit register")
        if keyword == "creg" and lexer.accept("["):
            size = self._designator("a classical register")
        initial: list[Operation] = []
        if keyword == "bit" and lexer.peek()[0] == "=":
            lexer.next()
            value = lexer.peek()
            if value[0] == "string":
                self.error("initialising bits from a string is not supported", value[2])
            register = state.circuit.add_register(name, size or 1, quantum=False)
            state.cregs[name] = (register, size is None)
            target = Bits(tuple(register.indices), size is None, name_token[2])
            initial = self._measure_into(target, lexer.expect("id", "'measure'"), None)
            self._emit(initial, name_token[2])
            return
        lexer.expect(";")
        register = state.circuit.add_register(name, size or 1, quantum=False)
        self._check_total(state.circuit.num_clbits, name_token[2])
        state.cregs[name] = (register, size is None)

    def _type(self) -> tuple[str, int]:
        """A classical type ``float[64]``; returns its name and the offset."""
        lexer = self.lexer
        token = lexer.next()
        kind, name, offset = token
        if kind != "id" or name not in (
            *_CLASSICAL_TYPES,
            "bit",
            "complex",
            "duration",
            "stretch",
        ):
            self.error(f"expected a classical type, found {describe(token)}", offset)
        if name in _REFUSED:
            self.error(_REFUSED[name], offset)
        if lexer.accept("["):
            self.expressions.parse_int(f"the width of '{name}'")
            lexer.expect("]")
        return name, offset

    def _input(self) -> None:
        lexer, state = self.lexer, self.state
        type_name, offset = self._type()
        if type_name not in ("float", "angle"):
            self.error(
                f"'input {type_name}' is not supported; inputs of type float or angle "
                "become symbolic parameters",
                offset,
            )
        name_token = lexer.expect("id", "an input name")
        name = self._new_name(name_token, "parameter")
        lexer.expect(";")
        state.values[name] = Parameter(name)
        state.inputs.add(name)

    def _classical(self, offset: int, const: bool) -> None:
        lexer, state = self.lexer, self.state
        type_name, type_offset = self._type()
        if type_name == "bit":
            self.error("'const bit' is not supported", type_offset)
        name_token = lexer.expect("id", "a variable name")
        name = self._new_name(name_token, "variable")
        if lexer.accept(";"):
            if const:
                self.error(f"constant '{name}' needs a value", name_token[2])
            state.variables.add(name)
            return
        lexer.expect("=", "'=' or ';'")
        value_offset = lexer.peek()[2]
        if lexer.peek()[1] == "measure":
            self.error(f"measuring into a '{type_name}' is not supported; use bits", value_offset)
        value = self.expressions.parse()
        lexer.expect(";")
        if isinstance(value, ParameterExpression) and const:
            self.error(f"constant '{name}' depends on an input parameter", value_offset)
        try:
            state.values[name] = _convert(type_name, value)
        except (OverflowError, ValueError):
            self.error(f"{value} is not a value of type '{type_name}'", value_offset)

    def _let(self) -> None:
        lexer, state = self.lexer, self.state
        name_token = lexer.expect("id", "an alias name")
        name = self._new_name(name_token, "alias")
        lexer.expect("=")
        indices: list[int] = []
        while True:
            bits = self._operand(quantum=True)
            indices.extend(bits.indices)
            if not lexer.accept("++"):
                break
        lexer.expect(";")
        if len(set(indices)) != len(indices):
            self.error(f"alias '{name}' names the same qubit twice", name_token[2])
        state.qregs[name] = (None, tuple(indices), False)

    # --- gate definitions -----------------------------------------------------------

    def _gate_definition(self) -> None:
        lexer, state = self.lexer, self.state
        name_token = lexer.expect("id", "a gate name")
        name = self._new_name(name_token, "gate")
        params: list[str] = []
        if lexer.accept("(") and not lexer.accept(")"):
            while True:
                token = lexer.expect("id", "a parameter name")
                if token[1] in params:
                    self.error(f"parameter '{token[1]}' is declared twice", token[2])
                params.append(self._local_name(token, "parameter"))
                sep = lexer.next()
                if sep[0] == ")":
                    break
                if sep[0] != ",":
                    self.error(f"expected ',' or ')', found {describe(sep)}", sep[2])
        qubits: list[str] = []
        while True:
            token = lexer.expect("id", "a qubit argument name")
            if token[1] in qubits:
                self.error(f"qubit argument '{token[1]}' is declared twice", token[2])
            if token[1] in params:
                self.error(f"'{token[1]}' is both a parameter and a qubit argument", token[2])
            qubits.append(self._local_name(token, "qubit argument"))
            if not lexer.accept(","):
                break
        lexer.expect("{", "'{' to open the gate body")
        formals: dict[str, Value] = {
            k: v for k, v in state.values.items() if k not in state.inputs and k not in params
        }
        formals.update({p: Parameter(p) for p in params})
        body = _Body(
            {q: i for i, q in enumerate(qubits)},
            ExpressionParser(lexer, formals, "in this gate definition"),
        )
        ops: list[Operation] = []
        phase: ParamValue = 0.0
        while not lexer.accept("}"):
            if lexer.peek()[0] == "eof":
                self.error(f"the body of gate '{name}' is not closed with '}}'", name_token[2])
            piece = self._gate_call(body)
            ops.extend(piece.ops)
            phase = _add(phase, piece.phase)
        gate = CompositeGate(name, len(qubits), params, ops)
        depth, size = state.shape(gate)
        if depth > state.max_gate_depth:
            self.error(
                f"gate '{name}' nests gate definitions {depth} deep, more than "
                f"max_gate_depth={state.max_gate_depth}; pass a larger max_gate_depth to "
                "read it",
                name_token[2],
            )
        if size > state.work_limit:
            # Refused where it is defined: no call of it could be read.
            self.error(
                f"gate '{name}' expands to {size} operations, more than the limit of "
                f"{state.work_limit} operations (a resource limit of the reader: "
                "loads(..., max_operations=...))",
                name_token[2],
            )
        state.gates[name] = self._recognise(gate, phase)

    def _local_name(self, token: Token, what: str) -> str:
        if token[1] in KEYWORDS or token[1] in FUNCTIONS:
            self.error(f"'{token[1]}' is a reserved word and cannot name a {what}", token[2])
        return token[1]

    def _recognise(self, gate: CompositeGate, phase: ParamValue) -> GateInfo:
        """hpcq's standard gate when ``gate`` is one by name and by unitary.

        A definition that equals the standard gate up to a constant phase (Qiskit's
        ``sxdg`` is ``s; h; s``) keeps that phase in front, so that ``ctrl @`` still
        sees it.
        """
        standard = STANDARD_GATES.get(gate.name)
        if (
            standard is None
            or not standard.is_unitary
            or (standard.num_qubits, standard.num_params) != (gate.num_qubits, gate.num_params)
            or len(gate.body) > 64
        ):
            return GateInfo(gate, phase)
        import numpy as np

        offsets = []
        for trial in range(3):
            values = [0.37 + 0.71 * trial + 0.13 * k for k in range(gate.num_params)]
            binding = dict(zip(gate.param_names, values, strict=True))
            try:
                shift = phase.bind(binding) if isinstance(phase, ParameterExpression) else phase
                mine = np.exp(1j * float(shift)) * gate.matrix(values)
            except (TypeError, ValueError, OverflowError, ZeroDivisionError):
                return GateInfo(gate, phase)
            theirs = standard.matrix(values)
            pivot = np.unravel_index(np.argmax(np.abs(theirs)), theirs.shape)
            ratio = mine[pivot] / theirs[pivot]
            if not np.allclose(mine, ratio * theirs, atol=1e-9) or abs(abs(ratio) - 1) > 1e-9:
                return GateInfo(gate, phase)
            offsets.append(float(np.angle(ratio)))
        if any(abs(np.exp(1j * o) - np.exp(1j * offsets[0])) > 1e-9 for o in offsets):
            return GateInfo(gate, phase)
        offset = offsets[0] if abs(offsets[0]) > 1e-12 else 0.0
        return GateInfo(standard, offset)

    # --- statements on qubits -------------------------------------------------------

    def _quantum_statement(self, condition: Condition | None) -> list[Operation]:
        """A gate call, ``measure``, ``reset``, ``barrier`` or ``c = measure q;``."""
        lexer, state = self.lexer, self.state
        token = lexer.peek()
        kind, text, offset = token
        if kind != "id":
            self.error(f"expected a statement, found {describe(token)}", offset)
        if text == "measure":
            lexer.next()
            source = self._operand(quantum=True)
            if lexer.accept(";"):
                self.error(
                    "'measure' needs a target: 'c = measure q;' or 'measure q -> c;'", offset
                )
            lexer.expect("->", "'->' or ';'")
            target = self._operand(quantum=False)
            lexer.expect(";")
            return self._measure(source, target, offset, condition)
        if text == "reset":
            lexer.next()
            bits = self._operand(quantum=True)
            lexer.expect(";")
            return [Operation(RESET, (q,), (), (), condition) for q in bits.indices]
        if text == "barrier":
            lexer.next()
            if condition is not None:
                self.error("'barrier' cannot be conditioned", offset)
            qubits: list[int] = []
            if not lexer.accept(";"):
                while True:
                    qubits.extend(self._operand(quantum=True).indices)
                    if lexer.accept(";"):
                        break
                    lexer.expect(",", "',' or ';'")
            else:
                qubits = list(range(state.circuit.num_qubits))
            if len(set(qubits)) != len(qubits):
                self.error("'barrier' names the same qubit twice", offset)
            return [Operation(BARRIER, tuple(qubits))]
        if text in state.cregs or text in state.variables or text in state.values:
            return self._assignment(condition)
        if text in _REFUSED:
            self.error(_REFUSED[text], offset)
        if text in KEYWORDS and text not in _MODIFIERS and text not in ("U", "gphase"):
            self.error(f"'{text}' is not allowed here", offset)
        return self._apply_gate(condition)

    def _assignment(self, condition: Condition | None) -> list[Operation]:
        lexer, state = self.lexer, self.state
        token = lexer.peek()
        name = token[1]
        if name not in state.cregs:
            lexer.next()
            self.error(f"assignment to the classical variable '{name}' is not supported", token[2])
        target = self._operand(quantum=False)
        op_token = lexer.next()
        if op_token[0] != "=":
            self.error(
                f"expected '=' after '{name}', found {describe(op_token)} (classical "
                "arithmetic on bits is not supported)",
                op_token[2],
            )
        measure = lexer.next()
        if measure[1] != "measure":
            self.error(
                "only 'measure' can be assigned to bits (classical assignments are not supported)",
                measure[2],
            )
        return self._measure_into(target, measure, condition)

    def _measure_into(
        self, target: Bits, measure: Token, condition: Condition | None
    ) -> list[Operation]:
        if measure[1] != "measure":
            self.error(f"expected 'measure', found {describe(measure)}", measure[2])
        source = self._operand(quantum=True)
        self.lexer.expect(";")
        return self._measure(source, target, measure[2], condition)

    def _measure(
        self, source: Bits, target: Bits, offset: int, condition: Condition | None
    ) -> list[Operation]:
        if len(source.indices) != len(target.indices):
            self.error(
                f"'measure' of {len(source.indices)} qubit(s) into {len(target.indices)} bit(s)",
                offset,
            )
        return [
            Operation(MEASURE, (q,), (), (c,), condition)
            for q, c in zip(source.indices, target.indices, strict=True)
        ]

    def _operand(self, quantum: bool, body: _Body | None = None) -> Bits:
        """``name``, ``name[i]``, ``name[a:b]``, ``name[a:s:b]`` or ``name[{i, j}]``."""
        lexer, state = self.lexer, self.state
        token = lexer.next()
        kind, name, offset = token
        if kind == "hw":
            self.error(f"physical qubits ('{name}') are not supported; declare qubits", offset)
        if kind != "id":
            wanted = "a qubit" if quantum else "a bit"
            self.error(f"expected {wanted}, found {describe(token)}", offset)
        if body is not None:
            if name not in body.qubits:
                self.error(f"'{name}' is not a qubit argument of this gate definition", offset)
            if lexer.peek()[0] == "[":
                self.error(
                    f"indexing '{name}[...]' is not allowed inside a gate definition",
                    lexer.peek()[2],
                )
            return Bits((body.qubits[name],), True, offset)
        indices: tuple[int, ...]
        if quantum:
            entry = state.qregs.get(name)
            if entry is None:
                if name in state.cregs:
                    self.error(f"'{name}' is a bit register; a qubit is needed", offset)
                self.error(f"undefined qubit register '{name}'", offset)
            _, indices, single = entry
        else:
            centry = state.cregs.get(name)
            if centry is None:
                if name in state.qregs:
                    self.error(f"'{name}' is a qubit register; a bit is needed", offset)
                self.error(f"undefined bit register '{name}'", offset)
            register, single = centry
            indices = tuple(register.indices)
        if not lexer.accept("["):
            return Bits(indices, single, offset)
        if single:
            self.error(
                f"'{name}' is a single {'qubit' if quantum else 'bit'}; it has no index", offset
            )
        selected, one = self._selection(name, len(indices), offset)
        if lexer.peek()[0] == "[":
            self.error("multi-dimensional indexing is not supported", lexer.peek()[2])
        return Bits(tuple(indices[i] for i in selected), one, offset)

    def _selection(self, name: str, size: int, offset: int) -> tuple[list[int], bool]:
        """The inside of ``[...]`` (after ``[``, through ``]``): positions, single.

        Errors about the positions point at the register's name, ``offset``.
        """
        lexer, expressions = self.lexer, self.expressions
        if lexer.accept("{"):
            positions = []
            while True:
                index = expressions.parse_int("an index")
                positions.append(self._index(name, size, index, offset))
                if lexer.accept("}"):
                    break
                lexer.expect(",", "',' or '}'")
            lexer.expect("]")
            if len(set(positions)) != len(positions):
                self.error(f"the index set of '{name}' repeats an index", offset)
            return positions, False
        start = 0 if lexer.peek()[0] == ":" else expressions.parse_int("an index")
        if lexer.accept("]"):
            return [self._index(name, size, start, offset)], True
        lexer.expect(":", "']' or ':'")
        parts = [start]
        while lexer.peek()[0] not in ("]", ":"):
            parts.append(expressions.parse_int("a range bound"))
            if not lexer.accept(":"):
                break
        lexer.expect("]")
        if len(parts) == 1:
            parts.append(size - 1)
        if len(parts) == 2:
            first, last, step = parts[0], parts[1], 1
        elif len(parts) == 3:
            first, step, last = parts
        else:
            self.error("a range has at most three parts 'start:step:end'", offset)
        if step == 0:
            self.error("a range step must not be zero", offset)
        first = self._index(name, size, first, offset)
        last = self._index(name, size, last, offset)
        stop = last + (1 if step > 0 else -1)
        return list(range(first, stop, step)), False

    def _index(self, name: str, size: int, index: int, offset: int) -> int:
        position = index + size if index < 0 else index
        if not 0 <= position < size:
            self.error(f"index {index} is out of range for '{name}' of size {size}", offset)
        return position

    # --- gate calls -------------------------------------------------------------------

    def _apply_gate(self, condition: Condition | None) -> list[Operation]:
        piece = self._gate_call(None)
        # Outside a controlled context the phase is global: it goes to the circuit.
        if condition is None:
            self.state.phase = _add(self.state.phase, piece.phase)
            return piece.ops
        return [Operation(op.gate, op.qubits, op.params, op.clbits, condition) for op in piece.ops]

    def _gate_call(self, body: _Body | None) -> Piece:
        """One gate call with its modifiers; inside a gate body when ``body`` is given."""
        lexer = self.lexer
        expressions = body.expressions if body is not None else self.expressions
        modifiers: list[tuple[str, float, int]] = []
        while True:
            token = lexer.peek()
            if token[0] != "id" or token[1] not in _MODIFIERS:
                break
            lexer.next()
            argument: float = 1.0
            if lexer.accept("("):
                if token[1] == "inv":
                    self.error("'inv' takes no argument", token[2])
                arg_offset = lexer.peek()[2]
                if token[1] == "pow":
                    value = expressions.parse()
                    if isinstance(value, ParameterExpression):
                        self.error("'pow' needs a constant exponent", arg_offset)
                    argument = float(value)
                    if not math.isfinite(argument):
                        self.error("the exponent of 'pow' is not finite", arg_offset)
                else:
                    argument = expressions.parse_int(f"the count of '{token[1]}'")
                    if argument < 1:
                        self.error(f"'{token[1]}' needs at least one control", arg_offset)
                lexer.expect(")")
            elif token[1] == "pow":
                self.error("'pow' needs an exponent: 'pow(k) @'", token[2])
            lexer.expect("@", "'@' after a gate modifier")
            modifiers.append((token[1], argument, token[2]))
        token = lexer.next()
        kind, name, offset = token
        if kind != "id":
            self.error(f"expected a gate, found {describe(token)}", offset)
        if body is not None and name in ("measure", "reset", "if", "qubit", "bit", "gate", "let"):
            self.error(f"'{name}' is not allowed inside a gate definition", offset)
        if name in _REFUSED:
            self.error(_REFUSED[name], offset)
        if name == "barrier" and body is not None and not modifiers:
            qubits = self._call_arguments(body, offset, allow_none=False)
            return Piece([Operation(BARRIER, tuple(b.indices[0] for b in qubits))])
        info = self._gate_info(name, offset)
        params: list[ParamValue] = []
        if lexer.accept("("):
            params = list(expressions.parse_angles())
        if lexer.peek()[0] == "[":
            self.error(
                "durations on gate calls are timing, which hpcq does not read", lexer.peek()[2]
            )
        controls = sum(int(arg) for mod, arg, _ in modifiers if mod in ("ctrl", "negctrl"))
        if controls > MAX_CONTROLS:
            self.error(f"more than {MAX_CONTROLS} controls", modifiers[0][2])
        num_params = 1 if name == "gphase" else info.gate.num_params
        if len(params) != num_params:
            self.error(f"gate '{name}' takes {num_params} parameter(s), got {len(params)}", offset)
        num_qubits = 0 if name == "gphase" else info.gate.num_qubits
        operands = self._call_arguments(body, offset, allow_none=name == "gphase")
        if name == "gphase":
            # Qubits after the controls only scope the phase; it is the same on any.
            operands = operands[: max(controls, 0)] if len(operands) > controls else operands
        if len(operands) != controls + num_qubits:
            wanted = f"{controls} control(s) and {num_qubits}" if controls else f"{num_qubits}"
            self.error(f"gate '{name}' acts on {wanted} qubit(s), got {len(operands)}", offset)
        return self._broadcast_piece(info, name, params, modifiers, operands, offset)

    def _gate_info(self, name: str, offset: int) -> GateInfo:
        if name == "U":
            return GateInfo(STANDARD_GATES["u"])
        if name == "gphase":
            return GateInfo(STANDARD_GATES["id"])
        info = self.state.gates.get(name)
        if info is None:
            hint = ""
            if not self.state.stdgates and name in STDGATES:
                hint = ' (add include "stdgates.inc";)'
            if name in self.state.qregs or name in self.state.cregs:
                self.error(f"'{name}' is a register, not a gate", offset)
            self.error(f"undefined gate '{name}'{hint}", offset)
        return info

    def _call_arguments(self, body: _Body | None, offset: int, allow_none: bool) -> list[Bits]:
        lexer = self.lexer
        operands: list[Bits] = []
        if lexer.accept(";"):
            if not allow_none:
                self.error("a gate call needs at least one qubit argument", offset)
            return operands
        while True:
            operands.append(self._operand(quantum=True, body=body))
            if lexer.accept(";"):
                return operands
            sep = lexer.next()
            if sep[0] != ",":
                self.error(f"expected ',' or ';', found {describe(sep)}", sep[2])

    def _broadcast_piece(
        self,
        info: GateInfo,
        name: str,
        params: Sequence[ParamValue],
        modifiers: list[tuple[str, float, int]],
        operands: list[Bits],
        offset: int,
    ) -> Piece:
        sizes = {len(b.indices) for b in operands if not b.single}
        if len(sizes) > 1:
            listed = ", ".join(str(len(b.indices)) for b in operands if not b.single)
            self.error(f"registers of different sizes in a call of '{name}': {listed}", offset)
        count = sizes.pop() if sizes else 1
        total = Piece([])
        self._spend(count, offset)
        for k in range(count):
            qubits = [b.indices[0] if b.single else b.indices[k] for b in operands]
            if len(set(qubits)) != len(qubits):
                self.error(f"'{name}' is applied to the same qubit twice", offset)
            piece = self._modified(info, name, params, modifiers, qubits, offset)
            total.ops.extend(piece.ops)
            total.phase = _add(total.phase, piece.phase)
        return total

    def _spend(self, count: int, offset: int) -> None:
        modifiers = self.state.modifiers
        modifiers.budget -= count
        if modifiers.budget < 0:
            self.error(
                f"the program makes more than {self.state.work_limit} operations while it "
                "is read (gate bodies, broadcasts and modifiers counted; a resource limit "
                "of the reader: loads(..., max_operations=...))",
                offset,
            )

    def _too_many(self, offset: int) -> NoReturn:
        self.error(
            f"more than max_operations={self.state.max_operations} operations with every "
            "gate expanded (a resource limit of the reader; pass a larger max_operations "
            "to read it)",
            offset,
        )

    def _count(self, size: int, offset: int) -> None:
        state = self.state
        state.expanded += size
        if state.expanded > state.max_operations:
            self._too_many(offset)

    def _emit(self, ops: list[Operation], offset: int) -> None:
        """Append a statement's operations, counting them with their gates expanded."""
        shape = self.state.shape
        self._count(sum(shape(op.gate)[1] for op in ops), offset)
        self.state.ops.extend(ops)

    def _check_definition(
        self,
        gate: CompositeGate,
        params: tuple[ParamValue, ...],
        phase: ParamValue,
        name: str,
        offset: int,
    ) -> ParamValue:
        """The phase of ``gate(params)``, once its body is known to evaluate.

        A body such as ``rx(1/a)`` applied with ``a = 0`` has no meaning: that is an
        error at the call, not a division by zero in a later pass.
        """
        key = (id(gate), params)
        checked = self.state.checked_calls
        if key not in checked:
            bound = dict(zip(gate.param_names, params, strict=True))
            try:
                phase = (
                    _substitute(phase, bound) if isinstance(phase, ParameterExpression) else phase
                )
                for op in gate.definition(params):
                    for value in op.params:
                        if not isinstance(value, ParameterExpression) and not math.isfinite(value):
                            raise ValueError(f"angle {value} is not finite")
            except (ZeroDivisionError, OverflowError, ValueError) as exc:
                self.error(f"the definition of '{name}' cannot be evaluated here: {exc}", offset)
            checked[key] = (gate, phase)
        return checked[key][1]

    def _modified(
        self,
        info: GateInfo,
        name: str,
        params: Sequence[ParamValue],
        modifiers: list[tuple[str, float, int]],
        qubits: list[int],
        offset: int,
    ) -> Piece:
        tool = self.state.modifiers
        controls = sum(int(arg) for mod, arg, _ in modifiers if mod in ("ctrl", "negctrl"))
        targets = qubits[controls:]
        gate = info.gate
        params = tuple(params)
        if name == "gphase":
            piece = Piece([], params[0])
        else:
            phase = info.phase
            if isinstance(gate, CompositeGate):
                phase = self._check_definition(gate, params, phase, name, offset)
            piece = Piece([Operation(gate, tuple(targets), params)], phase)
        end = controls
        scope = list(targets)
        for mod, argument, mod_offset in reversed(modifiers):
            try:
                if mod == "inv":
                    piece = tool.inverse(piece)
                elif mod == "pow":
                    piece = tool.power(piece, argument, scope)
                else:
                    count = int(argument)
                    these = qubits[end - count : end]
                    end -= count
                    piece = tool.control(piece, these, [mod == "negctrl"] * count)
                    scope = these + scope
            except ModifierError as exc:
                self.error(str(exc), mod_offset)
        return piece

    # --- if -----------------------------------------------------------------------------

    def _if(self, offset: int) -> None:
        lexer = self.lexer
        lexer.expect("(", "'(' after 'if'")
        condition, single = self._condition()
        lexer.expect(")")
        self._emit(self._branch(condition), offset)
        if lexer.peek()[1] == "else" and lexer.peek()[0] == "id":
            else_token = lexer.next()
            if not single:
                self.error(
                    "'else' after a test of a whole register is not supported (hpcq's "
                    "conditions test equality only)",
                    else_token[2],
                )
            flipped = Condition(condition.clbits, 1 - condition.value)
            self._emit(self._branch(flipped), offset)

    def _condition(self) -> tuple[Condition, bool]:
        lexer = self.lexer
        negate = lexer.accept("!")
        start = lexer.peek()
        if start[0] != "id" or start[1] not in self.state.cregs:
            self.error(
                "expected a bit or a bit register to test (conditions are 'c', 'c[i]', "
                "'!c[i]' or 'c == n')",
                start[2],
            )
        bits = self._operand(quantum=False)
        single = len(bits.indices) == 1
        value = 1
        token = lexer.peek()
        if token[0] in ("==", "!="):
            if negate:
                self.error("'!' and a comparison together are not supported", token[2])
            lexer.next()
            value_offset = lexer.peek()[2]
            value = self.expressions.parse_int("the value a register is compared with")
            if not 0 <= value < (1 << len(bits.indices)):
                self.error(f"{value} is not a value of {len(bits.indices)} bit(s)", value_offset)
            if token[0] == "!=":
                if not single:
                    self.error("'!=' on a register is not supported (equality only)", token[2])
                value = 1 - value
        elif token[0] in ("&&", "||", "<", ">", "<=", ">="):
            self.error(f"'{token[1]}' in a condition is not supported", token[2])
        elif not single:
            self.error("a register is tested with '==': 'if (c == 3)'", bits.offset)
        if negate:
            value = 1 - value
        return Condition(bits.indices, value), single

    def _branch(self, condition: Condition) -> list[Operation]:
        lexer = self.lexer
        ops: list[Operation] = []
        if lexer.accept("{"):
            while not lexer.accept("}"):
                token = lexer.peek()
                if token[0] == "eof":
                    self.error("the block of 'if' is not closed with '}'", token[2])
                ops.extend(self._conditioned_statement(condition))
            return ops
        return self._conditioned_statement(condition)

    def _conditioned_statement(self, condition: Condition) -> list[Operation]:
        token = self.lexer.peek()
        if token[0] == "id" and token[1] == "if":
            self.error("nested 'if' is not supported", token[2])
        if token[0] == "id" and token[1] in (
            "qubit", "qreg", "bit", "creg", "gate", "include", "input", "const", "let",
            *_CLASSICAL_TYPES,
        ):  # fmt: skip
            self.error(f"'{token[1]}' is not allowed inside 'if'", token[2])
        return self._quantum_statement(condition)


@dataclass(frozen=True)
class _Body:
    """The scope of a gate body: its qubit arguments and its expressions."""

    qubits: dict[str, int]
    expressions: ExpressionParser


def _add(a: ParamValue, b: ParamValue) -> ParamValue:
    if isinstance(b, float) and b == 0.0:
        return a
    if isinstance(a, float) and a == 0.0:
        return b
    return a + b


def _substitute(value: ParamValue, values: dict[str, ParamValue]) -> ParamValue:
    from hpcq.ir.circuit import substitute_params

    (op,) = substitute_params([Operation(STANDARD_GATES["p"], (0,), (value,))], values)
    return op.params[0]


def _convert(type_name: str, value: Value) -> Value:
    if isinstance(value, ParameterExpression):
        return value
    if type_name in ("int", "uint"):
        return int(value)
    if type_name == "bool":
        return bool(value)
    return float(value)
