"""The OpenQASM 2 reader.

A statement-level fast path handles the form that makes up nearly all of a large file,
``name(params) reg[i], reg[j];``: one regular expression recognises it, and its
operations are cached by the statement's text, so a repeated statement costs a match
and a dictionary look-up. Every other statement (declarations, definitions, ``if``,
``measure``, broadcasting over whole registers) goes through a recursive-descent parser
over the tokens of :mod:`hpcq.ir.qasm2.lexer`. Both paths build operations through the
same checks, so they report the same errors.
"""

from __future__ import annotations

import logging
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from hpcq.exceptions import QasmError
from hpcq.ir.circuit import Circuit, Condition, Operation, Register
from hpcq.ir.gates import BARRIER, MEASURE, RESET, STANDARD_GATES, CompositeGate, Gate
from hpcq.ir.parameter import UNARY_FUNCTIONS, Parameter, ParamValue
from hpcq.ir.qasm2.expression import ExpressionParser
from hpcq.ir.qasm2.lexer import KEYWORDS, Lexer, Token, describe

logger = logging.getLogger(__name__)

_FUNCTIONS = frozenset(UNARY_FUNCTIONS)

# name, optional parameters without nested parentheses, indexed arguments, ';'.
_FAST = re.compile(
    r"(?:[ \t\r\n]+|//[^\n]*)*"
    r"([A-Za-z_][A-Za-z0-9_]*)[ \t]*"
    r"(?:\(([^()\n;{}]*)\)[ \t]*)?"
    r"((?:[A-Za-z_][A-Za-z0-9_]*[ \t]*\[[ \t]*\d+[ \t]*\][ \t]*,[ \t]*)*"
    r"[A-Za-z_][A-Za-z0-9_]*[ \t]*\[[ \t]*\d+[ \t]*\])[ \t]*;"
)
_NUMBER = re.compile(r"[ \t]*-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?[ \t]*\Z")
_FAST_ARG = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)[ \t]*\[[ \t]*(\d+)")

# An argument as written: register name, index (None for a whole register), offset.
Arg = tuple[str, "int | None", int]


@dataclass(frozen=True)
class OpaqueGate:
    """An ``opaque`` declaration: known arity, no definition."""

    name: str
    num_qubits: int
    num_params: int


@dataclass
class _State:
    """What every file of one program shares (includes see the same symbols)."""

    circuit: Circuit
    gates: dict[str, Gate | OpaqueGate]
    qregs: dict[str, Register] = field(default_factory=dict)
    cregs: dict[str, Register] = field(default_factory=dict)
    ops: list[Operation] = field(default_factory=list)
    statement_cache: dict[str, list[Operation]] = field(default_factory=dict)
    param_cache: dict[str, tuple[ParamValue, ...]] = field(default_factory=dict)
    include_stack: list[str] = field(default_factory=list)
    qelib1_included: bool = False
    defining_builtins: bool = False


def _language_gates() -> dict[str, Gate | OpaqueGate]:
    # The two gates the language itself defines.
    return {"U": STANDARD_GATES["u"], "CX": STANDARD_GATES["cx"]}


def loads(text: str, filename: str | None = None) -> Circuit:
    """Parse an OpenQASM 2 program.

    Args:
        text: The program.
        filename: Where it came from: named in errors, and the directory that
            ``include`` statements are resolved against (the working directory when
            ``None``).

    Raises:
        QasmError: The text is not valid OpenQASM 2; the error has the file, line and
            column of the offending token.
    """
    if not isinstance(text, str):
        raise TypeError(f"OpenQASM text must be a str, not {type(text).__name__}")
    state = _State(Circuit(0, 0), _language_gates())
    if filename is not None:
        state.include_stack.append(os.path.abspath(filename))
    _FileParser(state, text, filename).parse()
    circuit = state.circuit
    # Every operation was checked against the registers as it was parsed; Circuit.extend
    # would check each again and cost a third of the parse of a large file.
    circuit._extend_trusted(state.ops)
    logger.debug("parsed %s: %d operations", filename or "<string>", len(state.ops))
    return circuit


def load(path: str | os.PathLike[str]) -> Circuit:
    """Read an OpenQASM 2 file; errors name the file.

    Raises:
        QasmError: The file is not valid OpenQASM 2.
        OSError: The file cannot be read.
    """
    name = os.fspath(path)
    try:
        text = Path(name).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise QasmError(f"not a UTF-8 text file ({exc.reason})", file=name) from exc
    return loads(text, filename=name)


def parse_definitions(text: str, filename: str) -> dict[str, CompositeGate]:
    """The ``gate`` definitions of ``text`` (which may use every qelib1 gate)."""
    state = _State(Circuit(0, 0), _language_gates(), defining_builtins=True)
    _include_qelib1(state, with_composites=False)
    before = set(state.gates)
    _FileParser(state, text, filename).parse()
    return {
        name: gate
        for name, gate in state.gates.items()
        if name not in before and isinstance(gate, CompositeGate)
    }


def _include_qelib1(state: _State, with_composites: bool = True) -> None:
    from hpcq.ir.qasm2.qelib1 import builtin_gates

    if with_composites:
        gates = builtin_gates()
    else:
        gates = {n: g for n, g in STANDARD_GATES.items() if g.is_unitary}
    for name, gate in gates.items():
        state.gates.setdefault(name, gate)
    state.qelib1_included = True


def _builtin_gate(name: str) -> Gate | None:
    gate = STANDARD_GATES.get(name)
    if gate is not None and gate.is_unitary:
        return gate
    from hpcq.ir.qasm2.qelib1 import composite_gates

    return composite_gates().get(name)


def _is_builtin(gate: Gate | OpaqueGate) -> bool:
    if gate.name in STANDARD_GATES and STANDARD_GATES[gate.name] is gate:
        return True
    from hpcq.ir.qasm2.qelib1 import composite_gates

    return composite_gates().get(gate.name) is gate


class _FileParser:
    """The statements of one source text, applied to the shared state."""

    def __init__(self, state: _State, text: str, filename: str | None) -> None:
        self.state = state
        self.text = text
        self.filename = filename
        self.lexer = Lexer(text, filename)
        self.statements = 0

    def error(self, message: str, offset: int) -> QasmError:
        try:
            self.lexer.error(message, offset)
        except QasmError as exc:
            return exc
        raise AssertionError("unreachable")  # pragma: no cover

    # --- the statement loop -------------------------------------------------------

    def parse(self) -> None:
        text, lexer, state = self.text, self.lexer, self.state
        cache = state.statement_cache
        ops = state.ops
        fast = _FAST.match
        end = len(text)
        pos = 0
        while True:
            match = fast(text, pos)
            if match is not None:
                key = text[match.start(1) : match.end()]
                cached = cache.get(key)
                if cached is None and match.group(1) not in KEYWORDS:
                    cached = cache[key] = self._fast_statement(match)
                if cached is not None:
                    ops.extend(cached)
                    pos = match.end()
                    self.statements += 1
                    continue
            lexer.seek(pos)
            if lexer.skip() >= end:
                return
            self._statement()
            pos = lexer.pos
            self.statements += 1

    def _fast_statement(self, match: re.Match[str]) -> list[Operation]:
        state = self.state
        name = match.group(1)
        params: tuple[ParamValue, ...] = ()
        if match.group(2) is not None:
            params = self._cached_params(match.group(2), match.start(2))
        gate = state.gates.get(name)
        if isinstance(gate, Gate) and gate.num_params == len(params):
            qubits = []
            for arg in _FAST_ARG.finditer(match.group(3)):
                register = state.qregs.get(arg.group(1))
                index = int(arg.group(2))
                if register is None or index >= register.size:
                    break
                qubits.append(register.start + index)
            else:
                if len(qubits) == gate.num_qubits and len(set(qubits)) == len(qubits):
                    return [Operation(gate, tuple(qubits), params)]
        # Something is wrong: the general path finds it and says what.
        base = match.start(3)
        args: list[Arg] = [
            (m.group(1), int(m.group(2)), base + m.start(1))
            for m in _FAST_ARG.finditer(match.group(3))
        ]
        return self._apply(name, match.start(1), params, args, None)

    def _cached_params(self, key: str, offset: int) -> tuple[ParamValue, ...]:
        # Angles repeat a lot in generated files ("pi/2,0,pi"): evaluate each text once.
        cache = self.state.param_cache
        params = cache.get(key)
        if params is None:
            pieces = key.split(",")
            numbers = (
                [float(piece) for piece in pieces]
                if all(_NUMBER.match(piece) for piece in pieces)
                else None
            )
            if numbers is not None and all(map(math.isfinite, numbers)):
                params = tuple(numbers)
            else:
                self.lexer.seek(offset)
                params = tuple(ExpressionParser(self.lexer).parse_list(")"))
            cache[key] = params
        return params

    def _statement(self) -> None:
        lexer = self.lexer
        token = lexer.next()
        kind, text, offset = token
        if kind != "id":
            if kind == "eof":
                return
            raise self.error(f"expected a statement, found {describe(token)}", offset)
        first = self.statements == 0
        if text == "OPENQASM":
            self._version(offset, first)
        elif text == "include":
            self._include(offset)
        elif text in ("qreg", "creg"):
            self._register(text == "qreg")
        elif text == "gate":
            self._gate_definition()
        elif text == "opaque":
            self._opaque()
        elif text == "if":
            self._if()
        else:
            self.state.ops.extend(self._quantum_operation(token, None))

    # --- declarations -------------------------------------------------------------

    def _version(self, offset: int, first: bool) -> None:
        token = self.lexer.next()
        if token[0] not in ("real", "int"):
            raise self.error(f"expected a version number, found {describe(token)}", token[2])
        if not first:
            raise self.error("'OPENQASM' must be the first statement of a file", offset)
        major = token[1].split(".")[0]
        if major != "2":
            raise self.error(f"only OpenQASM 2 is supported, this file says {token[1]}", token[2])
        self.lexer.expect(";")

    def _include(self, offset: int) -> None:
        lexer = self.lexer
        token = lexer.expect("string", "a file name in double quotes")
        lexer.expect(";")
        name = token[1][1:-1]
        if name == "qelib1.inc":
            _include_qelib1(self.state)
            return
        directory = Path(self.filename).parent if self.filename else Path.cwd()
        path = (directory / name).resolve()
        if str(path) in self.state.include_stack:
            raise self.error(f"include cycle: '{name}' includes itself", token[2])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            reason = exc.strerror or str(exc)
            message = f"cannot read include file '{name}' ({path}): {reason}"
            raise self.error(message, token[2]) from exc
        except UnicodeDecodeError as exc:
            raise self.error(f"include file '{name}' is not UTF-8 text", token[2]) from exc
        self.state.include_stack.append(str(path))
        try:
            _FileParser(self.state, text, str(path)).parse()
        finally:
            self.state.include_stack.pop()

    def _new_name(self, token: Token, what: str) -> str:
        name = token[1]
        if name in KEYWORDS or name in _FUNCTIONS:
            raise self.error(f"'{name}' is a reserved word and cannot name a {what}", token[2])
        return name

    def _register(self, quantum: bool) -> None:
        lexer, state = self.lexer, self.state
        what = "quantum register" if quantum else "classical register"
        token = lexer.expect("id", f"a {what} name")
        name = self._new_name(token, what)
        lexer.expect("[")
        size_token = lexer.expect("int", "the register size (an integer)")
        lexer.expect("]")
        lexer.expect(";")
        size = int(size_token[1])
        if size == 0:
            raise self.error(f"register '{name}' must have at least one bit", size_token[2])
        if name in state.qregs or name in state.cregs:
            raise self.error(f"register '{name}' is already declared", token[2])
        register = state.circuit.add_register(name, size, quantum=quantum)
        (state.qregs if quantum else state.cregs)[name] = register

    def _signature(self) -> tuple[Token, list[str], list[str]]:
        """``name [(p, ...)] a, b, ...`` of a gate or opaque declaration."""
        lexer = self.lexer
        name_token = lexer.expect("id", "a gate name")
        self._new_name(name_token, "gate")
        params: list[str] = []
        if lexer.peek()[0] == "(":
            lexer.next()
            if lexer.peek()[0] == ")":
                lexer.next()
            else:
                while True:
                    token = lexer.expect("id", "a parameter name")
                    name = self._new_name(token, "parameter")
                    if name in params:
                        raise self.error(f"parameter '{name}' is declared twice", token[2])
                    params.append(name)
                    sep = lexer.next()
                    if sep[0] == ")":
                        break
                    if sep[0] != ",":
                        raise self.error(f"expected ',' or ')', found {describe(sep)}", sep[2])
        qubits: list[str] = []
        while True:
            token = lexer.expect("id", "a qubit argument name")
            name = self._new_name(token, "qubit argument")
            if name in qubits:
                raise self.error(f"qubit argument '{name}' is declared twice", token[2])
            if name in params:
                raise self.error(f"'{name}' is both a parameter and a qubit argument", token[2])
            qubits.append(name)
            if lexer.peek()[0] != ",":
                break
            lexer.next()
        return name_token, params, qubits

    def _check_new_gate(self, name_token: Token, num_qubits: int, num_params: int) -> bool:
        """Whether the declaration is new; ``False`` for a compatible built-in."""
        name = name_token[1]
        existing = self.state.gates.get(name)
        if existing is None:
            if self.state.defining_builtins:
                return True
            builtin = _builtin_gate(name)
            if builtin is None or (builtin.num_qubits, builtin.num_params) != (
                num_qubits,
                num_params,
            ):
                return True
            # A file that defines qelib1's gates itself instead of including it.
            self.state.gates[name] = builtin
            return False
        compatible = existing.num_qubits == num_qubits and existing.num_params == num_params
        if compatible and _is_builtin(existing) and name not in ("U", "CX"):
            # Files often repeat qelib1's definitions: keep the exact built-in gate.
            return False
        if _is_builtin(existing):
            raise self.error(
                f"gate '{name}' is already defined by qelib1.inc with "
                f"{existing.num_params} parameter(s) and {existing.num_qubits} qubit(s)",
                name_token[2],
            )
        raise self.error(f"gate '{name}' is already defined", name_token[2])

    def _gate_definition(self) -> None:
        lexer = self.lexer
        name_token, param_names, qubit_names = self._signature()
        is_new = self._check_new_gate(name_token, len(qubit_names), len(param_names))
        lexer.expect("{", "'{' to open the gate body")
        formals = {name: Parameter(name) for name in param_names}
        qubit_index = {name: i for i, name in enumerate(qubit_names)}
        body: list[Operation] = []
        expressions = ExpressionParser(lexer, formals)
        while True:
            token = lexer.next()
            kind, text, offset = token
            if kind == "}":
                break
            if kind == "eof":
                raise self.error(
                    f"the body of gate '{name_token[1]}' is not closed with '}}'", name_token[2]
                )
            if kind != "id":
                raise self.error(f"expected a gate in the body, found {describe(token)}", offset)
            if text in ("measure", "reset", "if", "qreg", "creg", "gate", "opaque", "include"):
                raise self.error(f"'{text}' is not allowed inside a gate definition", offset)
            body.append(self._body_operation(token, expressions, qubit_index))
        if is_new:
            gate = CompositeGate(name_token[1], len(qubit_names), param_names, body)
            self.state.gates[name_token[1]] = gate

    def _body_operation(
        self, token: Token, expressions: ExpressionParser, qubit_index: dict[str, int]
    ) -> Operation:
        lexer = self.lexer
        name, offset = token[1], token[2]
        params: list[ParamValue] = []
        if lexer.peek()[0] == "(":
            lexer.next()
            params = expressions.parse_list(")")
        qubits: list[int] = []
        while True:
            arg = lexer.expect("id", "a qubit argument")
            if arg[1] not in qubit_index:
                raise self.error(
                    f"'{arg[1]}' is not a qubit argument of this gate definition", arg[2]
                )
            if lexer.peek()[0] == "[":
                raise self.error(
                    f"indexing '{arg[1]}[...]' is not allowed inside a gate definition",
                    lexer.peek()[2],
                )
            qubits.append(qubit_index[arg[1]])
            sep = lexer.next()
            if sep[0] == ";":
                break
            if sep[0] != ",":
                raise self.error(f"expected ',' or ';', found {describe(sep)}", sep[2])
        if name == "barrier":
            if params:
                raise self.error("'barrier' takes no parameters", offset)
            gate: Gate = BARRIER
        else:
            gate = self._unitary_gate(name, offset, len(params), len(qubits))
        if len(set(qubits)) != len(qubits):
            raise self.error(f"'{name}' is applied to the same qubit twice", offset)
        return Operation(gate, tuple(qubits), tuple(params))

    def _opaque(self) -> None:
        name_token, params, qubits = self._signature()
        self.lexer.expect(";")
        if self._check_new_gate(name_token, len(qubits), len(params)):
            self.state.gates[name_token[1]] = OpaqueGate(name_token[1], len(qubits), len(params))

    # --- operations ---------------------------------------------------------------

    def _unitary_gate(self, name: str, offset: int, num_params: int, num_qubits: int) -> Gate:
        gate = self.state.gates.get(name)
        if gate is None:
            hint = ""
            if not self.state.qelib1_included and name in STANDARD_GATES:
                hint = ' (add include "qelib1.inc";)'
            raise self.error(f"undefined gate '{name}'{hint}", offset)
        if isinstance(gate, OpaqueGate):
            raise self.error(
                f"gate '{name}' is declared opaque: it has no definition to apply", offset
            )
        if gate.num_params != num_params:
            raise self.error(
                f"gate '{name}' takes {gate.num_params} parameter(s), got {num_params}", offset
            )
        if gate.num_qubits != num_qubits:
            raise self.error(
                f"gate '{name}' acts on {gate.num_qubits} qubit(s), got {num_qubits}", offset
            )
        return gate

    def _args(self, terminators: tuple[str, ...]) -> tuple[list[Arg], Token]:
        """Arguments ``reg`` or ``reg[i]`` separated by commas, up to a terminator."""
        lexer = self.lexer
        args: list[Arg] = []
        while True:
            token = lexer.expect("id", "a register or register[index]")
            index: int | None = None
            if lexer.peek()[0] == "[":
                lexer.next()
                index_token = lexer.expect("int", "a non-negative integer index")
                lexer.expect("]")
                index = int(index_token[1])
            args.append((token[1], index, token[2]))
            sep = lexer.next()
            if sep[0] in terminators:
                return args, sep
            if sep[0] != ",":
                expected = " or ".join(f"'{t}'" for t in (",", *terminators))
                raise self.error(f"expected {expected}, found {describe(sep)}", sep[2])

    def _bits(self, arg: Arg, quantum: bool) -> list[int]:
        """The flat indices an argument names."""
        name, index, offset = arg
        registers = self.state.qregs if quantum else self.state.cregs
        register = registers.get(name)
        if register is None:
            other = self.state.cregs if quantum else self.state.qregs
            if name in other:
                kind = "classical" if quantum else "quantum"
                wanted = "a qubit" if quantum else "a classical bit"
                raise self.error(f"'{name}' is a {kind} register; {wanted} is needed", offset)
            raise self.error(f"undefined register '{name}'", offset)
        if index is None:
            return list(register.indices)
        if index >= register.size:
            raise self.error(
                f"index {index} is out of range for register '{name}' of size {register.size}",
                offset,
            )
        return [register.start + index]

    def _broadcast(
        self, args: list[Arg], quantum: list[bool], what: str, offset: int
    ) -> list[list[int]]:
        """Expand whole-register arguments: one tuple of bits per application."""
        bits = [self._bits(arg, q) for arg, q in zip(args, quantum, strict=True)]
        sizes = {len(b) for arg, b in zip(args, bits, strict=True) if arg[1] is None}
        if len(sizes) > 1:
            listed = ", ".join(
                f"'{arg[0]}' has {len(b)}"
                for arg, b in zip(args, bits, strict=True)
                if arg[1] is None
            )
            raise self.error(f"registers of different sizes in '{what}': {listed}", offset)
        count = sizes.pop() if sizes else 1
        return [[b[k] if len(b) > 1 else b[0] for b in bits] for k in range(count)]

    def _apply(
        self,
        name: str,
        offset: int,
        params: tuple[ParamValue, ...],
        args: list[Arg],
        condition: Condition | None,
    ) -> list[Operation]:
        if name == "barrier":
            if params:
                raise self.error("'barrier' takes no parameters", offset)
            if condition is not None:
                raise self.error("'barrier' cannot be conditioned", offset)
            qubits = [q for arg in args for q in self._bits(arg, True)]
            if len(set(qubits)) != len(qubits):
                raise self.error("'barrier' names the same qubit twice", offset)
            return [Operation(BARRIER, tuple(qubits))]
        if name == "reset":
            if params:
                raise self.error("'reset' takes no parameters", offset)
            gate: Gate = RESET
            if len(args) != 1:
                raise self.error(f"'reset' takes one argument, got {len(args)}", offset)
        else:
            gate = self._unitary_gate(name, offset, len(params), len(args))
        ops = []
        for qubits in self._broadcast(args, [True] * len(args), name, offset):
            if len(set(qubits)) != len(qubits):
                raise self.error(f"'{name}' is applied to the same qubit twice", offset)
            ops.append(Operation(gate, tuple(qubits), params, (), condition))
        return ops

    def _quantum_operation(self, token: Token, condition: Condition | None) -> list[Operation]:
        """A gate, ``measure`` or ``reset`` (the statement's first token given)."""
        lexer = self.lexer
        kind, name, offset = token
        if kind != "id":
            raise self.error(f"expected a gate, measure or reset, found {describe(token)}", offset)
        if name in ("qreg", "creg", "gate", "opaque", "include", "OPENQASM", "if"):
            raise self.error(f"'{name}' cannot follow 'if (...)'", offset)
        if name == "measure":
            (source,), _ = self._args(("->",))
            (target,), _ = self._args((";",))
            if (source[1] is None) != (target[1] is None):
                raise self.error(
                    "'measure' needs a register on both sides or a single bit on both sides",
                    offset,
                )
            pairs = self._broadcast([source, target], [True, False], "measure", offset)
            return [Operation(MEASURE, (q,), (), (c,), condition) for q, c in pairs]
        params: tuple[ParamValue, ...] = ()
        if lexer.peek()[0] == "(":
            lexer.next()
            params = tuple(ExpressionParser(lexer).parse_list(")"))
        if lexer.peek()[0] == ";":
            raise self.error(f"'{name}' needs at least one qubit argument", lexer.peek()[2])
        args, _ = self._args((";",))
        return self._apply(name, offset, params, args, condition)

    def _if(self) -> None:
        lexer = self.lexer
        lexer.expect("(", "'(' after 'if'")
        reg_token = lexer.expect("id", "a classical register")
        lexer.expect("==", "'=='")
        value_token = lexer.expect("int", "a non-negative integer")
        lexer.expect(")")
        register = self.state.cregs.get(reg_token[1])
        if register is None:
            if reg_token[1] in self.state.qregs:
                raise self.error(
                    f"'{reg_token[1]}' is a quantum register; 'if' tests a classical register",
                    reg_token[2],
                )
            raise self.error(f"undefined register '{reg_token[1]}'", reg_token[2])
        condition = Condition(tuple(register.indices), int(value_token[1]))
        self.state.ops.extend(self._quantum_operation(lexer.next(), condition))
