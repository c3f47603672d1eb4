"""The OpenQASM 2 reader.

A statement-level fast path handles the form that makes up nearly all of a large file,
``name(params) reg[i], reg[j];``: one regular expression recognises it, and its
operations are cached by the statement's text, so a repeated statement costs a match
and a dictionary look-up. Every other statement (declarations, definitions, ``if``,
``measure``, broadcasting over whole registers) goes through a recursive-descent parser
over the tokens of :mod:`hpcq.ir.qasm2.lexer`. Both paths build operations through the
same checks, so they report the same errors.

Reading is linear in the size of the input: blanks and comments are skipped by a loop
before the fast path looks at a statement, and the fast path's pattern cannot
backtrack (every identifier must end where the next character is not part of one).
What a program may *expand to* is bounded too: gate definitions may nest at most
``max_gate_depth`` deep (:data:`MAX_GATE_DEPTH` by default), and the circuit, with
every user-defined gate expanded, may hold at most ``max_operations`` operations
(:data:`MAX_OPERATIONS`); a program beyond either is a :class:`~hpcq.QasmError` at
the statement that crosses the limit, found before anything is expanded.
"""

from __future__ import annotations

import logging
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

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
from hpcq.ir.parameter import (
    UNARY_FUNCTIONS,
    Parameter,
    ParameterExpression,
    ParamValue,
    format_param,
)
from hpcq.ir.qasm2.expression import ExpressionParser
from hpcq.ir.qasm2.lexer import KEYWORDS, Lexer, Token, describe, position, skip_blanks
from hpcq.ir.qasm2.qelib1 import PAPER_GATES

logger = logging.getLogger(__name__)

MAX_OPERATIONS = 10_000_000
"""Default bound on the operations of a program once every user gate is expanded.

It trades the largest circuit a file may describe against the memory and time a
small, hostile file can make the compiler spend (ten million operations take a few
gigabytes once expanded). Raise it with ``loads(..., max_operations=...)``.
"""

MAX_GATE_DEPTH = 64
"""Default bound on how deep gate definitions may nest (a gate using only built-in
gates has depth 1). Deeper nesting is no real circuit's and would bring the passes
that walk definitions close to Python's recursion limit. Raise it with
``loads(..., max_gate_depth=...)``."""

MAX_BITS = 1 << 24
"""Most qubits, and most classical bits, one program may declare (fixed): a register
costs nothing until it is used, but one ``h q;`` or ``barrier q;`` on it makes an
object per bit."""

# Most include files open at once: a chain longer than this is certainly a mistake.
_MAX_INCLUDE_DEPTH = 32

_FUNCTIONS = frozenset(UNARY_FUNCTIONS)
_ARITHMETIC_ERRORS = (ZeroDivisionError, OverflowError, ValueError)

# An identifier that ends where the next character cannot continue it: the lookahead
# keeps the engine from retrying shorter prefixes ("xq[0]" is never "x q[0]").
_ID = r"[A-Za-z_][A-Za-z0-9_]*(?![A-Za-z0-9_])"
# An indexed argument with an index short enough to be a plain int (longer ones go to
# the general path, which says what is wrong with them).
_INDEXED = _ID + r"[ \t]*\[[ \t]*\d{1,9}[ \t]*\]"
# Blanks (not comments: those go to skip_blanks), name, optional parameters without
# nested parentheses, indexed arguments, ';'. The one quantifier over blanks is
# followed by an identifier, which no blank starts, so a failed match gives each blank
# back once: linear.
_FAST = re.compile(
    r"[ \t\r\n]*(" + _ID + r")[ \t]*"
    r"(?:\(([^()\n;{}]*)\)[ \t]*)?"
    "(" + _INDEXED + r"(?:[ \t]*,[ \t]*" + _INDEXED + r")*)[ \t]*;"
)
_NUMBER = re.compile(r"[ \t]*-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?[ \t]*\Z")
_FAST_ARG = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)[ \t]*\[[ \t]*(\d+)")

# An argument as written: register name, index (None for a whole register), offset.
Arg = tuple[str, "int | None", int]

# Where a name in the gate table came from; decides whether a definition may replace it.
_LANGUAGE, _QELIB1, _EXTENSION, _PROGRAM = "language", "qelib1", "extension", "program"


@dataclass(frozen=True)
class OpaqueGate:
    """An ``opaque`` declaration: known arity, no definition."""

    name: str
    num_qubits: int
    num_params: int


@dataclass(frozen=True)
class _Expansion:
    """What one user-defined gate costs once expanded, known when it is defined."""

    operations: int
    """Operations of its full expansion."""
    depth: int
    """How deep definitions nest inside it (1: only built-in gates in its body)."""
    needs_check: bool
    """Whether some parameter in its expansion is computed (``1/a``, ``ln(a)``...) and
    may fail or leave the real numbers for some arguments."""
    places: tuple[tuple[Lexer, int], ...] = ()
    """Where each body operation is written (for errors)."""


@dataclass
class _State:
    """What every file of one program shares (includes see the same symbols)."""

    circuit: Circuit
    gates: dict[str, Gate | OpaqueGate]
    max_operations: int = MAX_OPERATIONS
    max_gate_depth: int = MAX_GATE_DEPTH
    origins: dict[str, str] = field(default_factory=dict)
    """Where each name of ``gates`` came from (``_LANGUAGE``, ``_QELIB1``...)."""
    defined_at: dict[str, tuple[Lexer, int]] = field(default_factory=dict)
    """Where the program defined or first used each gate name (for errors)."""
    expansions: dict[str, _Expansion] = field(default_factory=dict)
    checked: set[tuple[str, tuple[float, ...]]] = field(default_factory=set)
    operations: int = 0
    """Operations so far with every user gate expanded, against ``max_operations``."""
    qregs: dict[str, Register] = field(default_factory=dict)
    cregs: dict[str, Register] = field(default_factory=dict)
    ops: list[Operation] = field(default_factory=list)
    statement_cache: dict[str, tuple[list[Operation], int]] = field(default_factory=dict)
    param_cache: dict[str, tuple[ParamValue, ...]] = field(default_factory=dict)
    include_stack: list[str] = field(default_factory=list)
    qelib1_included: bool = False
    defining_builtins: bool = False


def _new_state(max_operations: int, max_gate_depth: int) -> _State:
    for name, value in (("max_operations", max_operations), ("max_gate_depth", max_gate_depth)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, not {value!r}")
    # The two gates the language itself defines.
    gates: dict[str, Gate | OpaqueGate] = {"U": STANDARD_GATES["u"], "CX": STANDARD_GATES["cx"]}
    return _State(
        Circuit(0, 0),
        gates,
        max_operations=max_operations,
        max_gate_depth=max_gate_depth,
        origins={"U": _LANGUAGE, "CX": _LANGUAGE},
    )


def loads(
    text: str,
    filename: str | None = None,
    *,
    max_operations: int = MAX_OPERATIONS,
    max_gate_depth: int = MAX_GATE_DEPTH,
) -> Circuit:
    """Parse an OpenQASM 2 program.

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
        QasmError: The text is not valid OpenQASM 2, or goes beyond a limit; the error
            has the file, line and column of the offending token.
        ValueError: A limit is not a positive integer.
    """
    if not isinstance(text, str):
        raise TypeError(f"OpenQASM text must be a str, not {type(text).__name__}")
    state = _new_state(max_operations, max_gate_depth)
    if filename is not None:
        state.include_stack.append(os.path.abspath(filename))
    _FileParser(state, text, filename).parse()
    circuit = state.circuit
    # Every operation was checked against the registers as it was parsed; Circuit.extend
    # would check each again and cost a third of the parse of a large file.
    circuit._extend_trusted(state.ops)
    logger.debug("parsed %s: %d operations", filename or "<string>", len(state.ops))
    return circuit


def load(
    path: str | os.PathLike[str],
    *,
    max_operations: int = MAX_OPERATIONS,
    max_gate_depth: int = MAX_GATE_DEPTH,
) -> Circuit:
    """Read an OpenQASM 2 file; errors name the file.

    Args:
        path: The file (UTF-8; a leading byte-order mark is allowed).
        max_operations: See :func:`loads`.
        max_gate_depth: See :func:`loads`.

    Raises:
        QasmError: The file is not valid OpenQASM 2 (or not UTF-8 text).
        OSError: The file cannot be read.
    """
    name = os.fspath(path)
    text = decode(Path(name).read_bytes(), name)
    return loads(text, filename=name, max_operations=max_operations, max_gate_depth=max_gate_depth)


def decode(data: bytes, filename: str) -> str:
    """``data`` as UTF-8 text, or a :class:`QasmError` at the first byte that is not."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = exc.start
        line = data.count(b"\n", 0, start) + 1
        line_start = data.rfind(b"\n", 0, start) + 1
        # The column counts characters, as it does everywhere else.
        column = len(data[line_start:start].decode("utf-8", errors="replace")) + 1
        message = f"not UTF-8 text: byte 0x{data[start]:02x} cannot start or continue a character"
        raise QasmError(message, file=filename, line=line, column=column) from exc


def parse_definitions(text: str, filename: str) -> dict[str, CompositeGate]:
    """The ``gate`` definitions of ``text`` (which may use every qelib1 gate)."""
    state = _new_state(MAX_OPERATIONS, MAX_GATE_DEPTH)
    state.defining_builtins = True
    _include_qelib1(state, with_composites=False)
    before = dict(state.gates)
    _FileParser(state, text, filename).parse()
    return {
        name: gate
        for name, gate in state.gates.items()
        if before.get(name) is not gate and isinstance(gate, CompositeGate)
    }


def _include_qelib1(state: _State, with_composites: bool = True) -> str | None:
    """Add qelib1's gates; returns a qelib1 name the program already defines, if any."""
    from hpcq.ir.qasm2.qelib1 import builtin_gates

    if with_composites:
        gates = builtin_gates()
    else:
        gates = {n: g for n, g in STANDARD_GATES.items() if g.is_unitary}
    for name, gate in gates.items():
        origin = _QELIB1 if name in PAPER_GATES else _EXTENSION
        if name in state.gates:
            if origin == _QELIB1 and state.origins.get(name) == _PROGRAM:
                return name
            # An extension the program defined itself keeps the program's definition.
            continue
        state.gates[name] = gate
        state.origins[name] = origin
    state.qelib1_included = True
    return None


def _builtin_gate(name: str) -> Gate | None:
    gate = STANDARD_GATES.get(name)
    if gate is not None and gate.is_unitary:
        return gate
    from hpcq.ir.qasm2.qelib1 import composite_gates

    return composite_gates().get(name)


def _same_as_builtin(gate: CompositeGate, builtin: Gate) -> bool:
    """Whether a program's definition is exactly the built-in gate of its name.

    Then the built-in (native) gate is used. Proven three ways only: a definition that
    applies a standard gate with the same matrix function to its arguments in order
    (``gate u3(a,b,c) q { U(a,b,c) q; }``), the very definition hpcq's writer gives
    an extension gate, or, without parameters, equal matrices.
    """
    if (gate.num_qubits, gate.num_params) != (builtin.num_qubits, builtin.num_params):
        return False
    from hpcq.ir.qasm2.qelib1 import extension_definitions

    formals = tuple(Parameter(name) for name in gate.param_names)
    reference = extension_definitions().get(gate.name)
    # hpcq's writer defines these for other readers; read back, they are the gate
    # (whatever the formal parameters are called).
    if reference is not None and reference.definition(formals) == list(gate.body):
        return True
    if len(gate.body) == 1 and isinstance(builtin, StandardGate):
        (op,) = gate.body
        if (
            isinstance(op.gate, StandardGate)
            and op.gate._matrix_fn is builtin._matrix_fn
            and op.qubits == tuple(range(gate.num_qubits))
            and op.params == formals
            and not op.condition
        ):
            return True
    if gate.num_params or gate.num_qubits > 5:
        return False
    if any(not op.gate.is_unitary for op in gate.body):
        return False
    try:
        ours, theirs = gate.matrix(), builtin.matrix()
    except (*_ARITHMETIC_ERRORS, RecursionError):
        return False
    return bool(np.allclose(ours, theirs, rtol=0.0, atol=1e-12))


def _computed(value: ParamValue) -> bool:
    return isinstance(value, ParameterExpression) and not isinstance(value, Parameter)


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
        # A byte-order mark, which some editors write at the start of a UTF-8 file.
        pos = 1 if text.startswith("\ufeff") else 0
        limit = state.max_operations
        while True:
            match = fast(text, pos)
            if match is None:
                # Comments (or nothing) before the statement: skip them, try again.
                start = skip_blanks(text, pos)
                if start >= end:
                    return
                if start != pos:
                    pos = start
                    match = fast(text, pos)
            if match is not None:
                key = text[match.start(1) : match.end()]
                cached = cache.get(key)
                if cached is None and match.group(1) not in KEYWORDS:
                    cached = cache[key] = self._fast_statement(match)
                if cached is not None:
                    new_ops, cost = cached
                    if state.operations + cost > limit:
                        raise self._too_many(match.group(1), cost, match.start(1))
                    state.operations += cost
                    ops.extend(new_ops)
                    pos = match.end()
                    self.statements += 1
                    continue
            lexer.seek(pos)
            if lexer.skip() >= end:
                return
            self._statement()
            pos = lexer.pos
            self.statements += 1

    def _too_many(self, name: str, cost: int, offset: int) -> QasmError:
        limit = self.state.max_operations
        total = self.state.operations + cost
        share = f" ({cost} from this statement)" if total != cost else ""
        return self.error(
            f"'{name}' here would take the circuit to {total} operations with every gate "
            f"expanded{share}, more than max_operations={limit}; pass a larger "
            "max_operations to read it",
            offset,
        )

    def _cost(self, gate: Gate) -> int:
        if isinstance(gate, CompositeGate):
            return self._expansion(gate).operations
        return 1

    def _expansion(self, gate: CompositeGate) -> _Expansion:
        found = self.state.expansions.get(gate.name)
        if found is None:
            # qelib1's own composites: small, fixed, and defined elsewhere.
            found = self._measure(gate, ())
            self.state.expansions[gate.name] = found
        return found

    def _measure(self, gate: CompositeGate, places: tuple[tuple[Lexer, int], ...]) -> _Expansion:
        operations, depth, needs_check = 0, 0, False
        for op in gate.body:
            if isinstance(op.gate, CompositeGate):
                inner = self._expansion(op.gate)
                operations += inner.operations
                depth = max(depth, inner.depth)
                needs_check = needs_check or inner.needs_check
            else:
                operations += 1
            needs_check = needs_check or any(map(_computed, op.params))
        return _Expansion(operations, depth + 1, needs_check, places)

    def _fast_statement(self, match: re.Match[str]) -> tuple[list[Operation], int]:
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
                    self._note_use(name, match.start(1))
                    if isinstance(gate, CompositeGate):
                        self._check_arguments(gate, params, match.start(1))
                    return [Operation(gate, tuple(qubits), params)], self._cost(gate)
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
            if kind in ("eof", ";"):
                return  # an empty statement, which other readers accept too
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
            self._emit(self._quantum_operation(token, None))

    def _emit(self, built: tuple[list[Operation], int]) -> None:
        # _apply has checked the limit already (before building anything).
        ops, cost = built
        self.state.operations += cost
        self.state.ops.extend(ops)

    # --- declarations -------------------------------------------------------------

    def _version(self, offset: int, first: bool) -> None:
        token = self.lexer.next()
        if token[0] not in ("real", "int"):
            raise self.error(f"expected a version number, found {describe(token)}", token[2])
        if not first:
            raise self.error("'OPENQASM' must be the first statement of a file", offset)
        major = token[1].split(".")[0]
        if major != "2":
            shown = token[1] if len(token[1]) <= 20 else token[1][:20] + "..."
            raise self.error(f"only OpenQASM 2 is supported, this file says {shown}", token[2])
        self.lexer.expect(";")

    def _include(self, offset: int) -> None:
        lexer = self.lexer
        token = lexer.expect("string", "a file name in double quotes")
        lexer.expect(";")
        name = token[1][1:-1]
        if name == "qelib1.inc":
            if self.state.qelib1_included:
                return
            clash = _include_qelib1(self.state)
            if clash is not None:
                raise self.error(
                    f"qelib1.inc defines gate '{clash}', which this program has already "
                    f"defined{self._where_defined(clash)}; include qelib1.inc first and "
                    "do not define its gates",
                    token[2],
                )
            return
        if "\x00" in name:
            raise self.error("an include file name cannot contain a NUL character", token[2])
        if len(self.state.include_stack) >= _MAX_INCLUDE_DEPTH:
            raise self.error(f"includes nested more than {_MAX_INCLUDE_DEPTH} deep", token[2])
        directory = Path(self.filename).parent if self.filename else Path.cwd()
        try:
            path = (directory / name).resolve()
            if str(path) in self.state.include_stack:
                raise self.error(f"include cycle: '{name}' includes itself", token[2])
            data = path.read_bytes()
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            message = f"cannot read include file '{name}': {reason}"
            raise self.error(message, token[2]) from exc
        text = decode(data, str(path))
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

    def _integer(self, token: Token, what: str, bits: int) -> int:
        """An ``int`` token's value, or an error if it needs more than ``bits`` bits."""
        digits = token[1].lstrip("0") or "0"
        # Bound the length first: int() of thousands of digits is slow, or refused.
        if len(digits) > bits // 3 + 1 or int(digits).bit_length() > bits:
            shown = digits if len(digits) <= 24 else f"{digits[:12]}... ({len(digits)} digits)"
            raise self.error(f"{what} {shown} is too large (at most 2**{bits} - 1)", token[2])
        return int(digits)

    def _register(self, quantum: bool) -> None:
        lexer, state = self.lexer, self.state
        what = "quantum register" if quantum else "classical register"
        token = lexer.expect("id", f"a {what} name")
        name = self._new_name(token, what)
        lexer.expect("[")
        size_token = lexer.expect("int", "the register size (an integer)")
        lexer.expect("]")
        lexer.expect(";")
        used = state.circuit.num_qubits if quantum else state.circuit.num_clbits
        bits = "qubits" if quantum else "classical bits"
        size = self._integer(size_token, "register size", 64)
        if size == 0:
            raise self.error(f"register '{name}' must have at least one bit", size_token[2])
        if used + size > MAX_BITS:
            total = f" (with the {used} before it)" if used else ""
            raise self.error(
                f"register '{name}' of {size} {bits}{total} is larger than hpcq reads: a "
                f"program has at most {MAX_BITS} {bits}",
                size_token[2],
            )
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

    def _where_defined(self, name: str) -> str:
        place = self.state.defined_at.get(name)
        if place is None:
            return ""
        lexer, offset = place
        line, column = position(lexer.text, offset)
        if lexer is self.lexer:
            return f" (line {line}, column {column})"
        return f" ({lexer.filename or '<string>'}:{line}:{column})"

    def _note_use(self, name: str, offset: int) -> None:
        """Remember where a program first used one of hpcq's extension gates."""
        if name not in self.state.defined_at and self.state.origins.get(name) == _EXTENSION:
            self.state.defined_at[name] = (self.lexer, offset)

    def _check_new_gate(self, name_token: Token) -> None:
        """Refuse a definition of a name the program already has."""
        name = name_token[1]
        origin = self.state.origins.get(name)
        if origin is None or self.state.defining_builtins:
            return
        if origin == _LANGUAGE:
            raise self.error(f"gate '{name}' is already defined by the language", name_token[2])
        if origin == _QELIB1:
            existing = self.state.gates[name]
            raise self.error(
                f"gate '{name}' is already defined by qelib1.inc (with "
                f"{existing.num_params} parameter(s) and {existing.num_qubits} qubit(s))",
                name_token[2],
            )
        if origin == _EXTENSION:
            if name in self.state.defined_at:
                # The program used hpcq's gate of this name, and now means another one.
                raise self.error(
                    f"gate '{name}' is defined after the program used hpcq's built-in "
                    f"'{name}'{self._where_defined(name)}; define it before its first use",
                    name_token[2],
                )
            return
        raise self.error(
            f"gate '{name}' is already defined{self._where_defined(name)}", name_token[2]
        )

    def _define(self, name_token: Token, gate: Gate | OpaqueGate) -> None:
        name = name_token[1]
        self.state.gates[name] = gate
        self.state.origins[name] = _PROGRAM
        self.state.defined_at[name] = (self.lexer, name_token[2])

    def _gate_definition(self) -> None:
        lexer, state = self.lexer, self.state
        name_token, param_names, qubit_names = self._signature()
        self._check_new_gate(name_token)
        lexer.expect("{", "'{' to open the gate body")
        formals = {name: Parameter(name) for name in param_names}
        qubit_index = {name: i for i, name in enumerate(qubit_names)}
        body: list[Operation] = []
        places: list[tuple[Lexer, int]] = []
        expressions = ExpressionParser(lexer, formals)
        while True:
            token = lexer.next()
            kind, text, offset = token
            if kind == "}":
                break
            if kind == ";":
                continue
            if kind == "eof":
                raise self.error(
                    f"the body of gate '{name_token[1]}' is not closed with '}}'", name_token[2]
                )
            if kind != "id":
                raise self.error(f"expected a gate in the body, found {describe(token)}", offset)
            if text in ("measure", "reset", "if", "qreg", "creg", "gate", "opaque", "include"):
                raise self.error(f"'{text}' is not allowed inside a gate definition", offset)
            body.append(self._body_operation(token, expressions, qubit_index))
            places.append((lexer, offset))
        name = name_token[1]
        gate = CompositeGate(name, len(qubit_names), param_names, body)
        expansion = self._measure(gate, tuple(places))
        if expansion.depth > state.max_gate_depth:
            raise self.error(
                f"gate '{name}' nests gate definitions {expansion.depth} deep, more than "
                f"max_gate_depth={state.max_gate_depth}; pass a larger max_gate_depth to "
                "read it",
                name_token[2],
            )
        builtin = None if state.defining_builtins else _builtin_gate(name)
        if builtin is not None and _same_as_builtin(gate, builtin):
            # The program wrote out a built-in gate: keep the native one.
            self._define(name_token, builtin)
            return
        state.expansions[name] = expansion
        self._define(name_token, gate)

    def _body_operation(
        self, token: Token, expressions: ExpressionParser, qubit_index: dict[str, int]
    ) -> Operation:
        lexer = self.lexer
        name, offset = token[1], token[2]
        params: list[ParamValue] = []
        if name != "barrier":
            self._known_gate(name, offset)
        if lexer.peek()[0] == "(":
            lexer.next()
            params = expressions.parse_list(")")
        qubits: list[int] = []
        if name == "barrier" and not params and lexer.peek()[0] == ";":
            # "barrier;" spans every qubit of the gate, as in other readers.
            lexer.next()
            return Operation(BARRIER, tuple(qubit_index.values()))
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
        self._check_new_gate(name_token)
        self._define(name_token, OpaqueGate(name_token[1], len(qubits), len(params)))

    # --- operations ---------------------------------------------------------------

    def _known_gate(self, name: str, offset: int) -> Gate | OpaqueGate:
        gate = self.state.gates.get(name)
        if gate is None:
            hint = ""
            if not self.state.qelib1_included and name in STANDARD_GATES:
                hint = ' (add include "qelib1.inc";)'
            raise self.error(f"undefined gate '{name}'{hint}", offset)
        return gate

    def _unitary_gate(self, name: str, offset: int, num_params: int, num_qubits: int) -> Gate:
        gate = self._known_gate(name, offset)
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
        self._note_use(name, offset)
        return gate

    def _check_arguments(
        self, gate: CompositeGate, params: tuple[ParamValue, ...], offset: int
    ) -> None:
        """Evaluate the computed parameters of ``gate``'s expansion for ``params``.

        Done once per gate and argument values, when the program applies the gate, so
        that ``rz(1/a)`` with ``a = 0`` is an error here, where the file says it, and
        not a bare ``ZeroDivisionError`` from a pass that expands the gate later.
        """
        try:
            problem = self._evaluate(gate, tuple(float(p) for p in params))
        except RecursionError:
            # Only with a max_gate_depth far above the default.
            problem = "its definitions nest too deep to evaluate"
        if problem is not None:
            shown = ", ".join(format_param(p) for p in params)
            raise self.error(
                f"cannot apply gate '{gate.name}' with parameters ({shown}): {problem}", offset
            )

    def _evaluate(self, gate: CompositeGate, values: tuple[float, ...]) -> str | None:
        expansion = self._expansion(gate)
        key = (gate.name, values)
        if not expansion.needs_check or key in self.state.checked:
            return None
        self.state.checked.add(key)
        bound = dict(zip(gate.param_names, values, strict=True))
        for index, op in enumerate(gate.body):
            inner: list[float] = []
            for param in op.params:
                try:
                    value = param.bind(bound) if isinstance(param, ParameterExpression) else param
                    number = float(value)
                except _ARITHMETIC_ERRORS as exc:
                    reason = "division by zero" if isinstance(exc, ZeroDivisionError) else exc
                    return self._body_problem(gate, index, bound, f"'{param}': {reason}")
                if not math.isfinite(number):
                    return self._body_problem(gate, index, bound, f"'{param}' is {number}")
                inner.append(number)
            if isinstance(op.gate, CompositeGate):
                problem = self._evaluate(op.gate, tuple(inner))
                if problem is not None:
                    return problem
        return None

    def _body_problem(
        self, gate: CompositeGate, index: int, bound: dict[str, float], what: str
    ) -> str:
        where = ""
        places = self._expansion(gate).places
        if index < len(places):
            lexer, offset = places[index]
            line, column = position(lexer.text, offset)
            where = f" at line {line}, column {column}"
            if lexer is not self.lexer:
                where += f" of {lexer.filename or '<string>'}"
        values = ", ".join(f"{k} = {format_param(v)}" for k, v in bound.items())
        return f"in the body of gate '{gate.name}'{where}, with {values}, {what}"

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
                index = self._integer(index_token, "index", 64)
            args.append((token[1], index, token[2]))
            sep = lexer.next()
            if sep[0] in terminators:
                return args, sep
            if sep[0] != ",":
                expected = " or ".join(f"'{t}'" for t in (",", *terminators))
                raise self.error(f"expected {expected}, found {describe(sep)}", sep[2])

    def _register_of(self, arg: Arg, quantum: bool) -> Register:
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
        if index is not None and index >= register.size:
            raise self.error(
                f"index {index} is out of range for register '{name}' of size {register.size}",
                offset,
            )
        return register

    def _bits(self, arg: Arg, quantum: bool) -> list[int]:
        """The flat indices an argument names."""
        register = self._register_of(arg, quantum)
        if arg[1] is None:
            return list(register.indices)
        return [register.start + arg[1]]

    def _broadcast(
        self, args: list[Arg], quantum: list[bool], what: str, offset: int, cost: int
    ) -> list[list[int]]:
        """Expand whole-register arguments: one tuple of bits per application.

        ``cost`` is what one application adds to the expanded circuit: the limit is
        checked before any list is built.
        """
        registers = [self._register_of(a, q) for a, q in zip(args, quantum, strict=True)]
        sizes = {r.size for a, r in zip(args, registers, strict=True) if a[1] is None}
        if len(sizes) > 1:
            listed = ", ".join(
                f"'{a[0]}' has {r.size}"
                for a, r in zip(args, registers, strict=True)
                if a[1] is None
            )
            raise self.error(f"registers of different sizes in '{what}': {listed}", offset)
        count = sizes.pop() if sizes else 1
        if self.state.operations + count * cost > self.state.max_operations:
            raise self._too_many(what, count * cost, offset)
        bits = [self._bits(a, q) for a, q in zip(args, quantum, strict=True)]
        return [[b[k] if len(b) > 1 else b[0] for b in bits] for k in range(count)]

    def _apply(
        self,
        name: str,
        offset: int,
        params: tuple[ParamValue, ...],
        args: list[Arg],
        condition: Condition | None,
    ) -> tuple[list[Operation], int]:
        """The operations of one gate, barrier or reset statement and their cost."""
        if name == "barrier":
            if params:
                raise self.error("'barrier' takes no parameters", offset)
            if condition is not None:
                raise self.error("'barrier' cannot be conditioned", offset)
            if self.state.operations + 1 > self.state.max_operations:
                raise self._too_many(name, 1, offset)
            qubits = [q for arg in args for q in self._bits(arg, True)]
            if len(set(qubits)) != len(qubits):
                raise self.error("'barrier' names the same qubit twice", offset)
            return [Operation(BARRIER, tuple(qubits))], 1
        if name == "reset":
            if params:
                raise self.error("'reset' takes no parameters", offset)
            gate: Gate = RESET
            if len(args) != 1:
                raise self.error(f"'reset' takes one argument, got {len(args)}", offset)
        else:
            gate = self._unitary_gate(name, offset, len(params), len(args))
        cost = self._cost(gate)
        ops = []
        for qubits in self._broadcast(args, [True] * len(args), name, offset, cost):
            if len(set(qubits)) != len(qubits):
                raise self.error(f"'{name}' is applied to the same qubit twice", offset)
            ops.append(Operation(gate, tuple(qubits), params, (), condition))
        if isinstance(gate, CompositeGate):
            self._check_arguments(gate, params, offset)
        return ops, cost * len(ops)

    def _quantum_operation(
        self, token: Token, condition: Condition | None
    ) -> tuple[list[Operation], int]:
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
            pairs = self._broadcast([source, target], [True, False], "measure", offset, 1)
            ops = [Operation(MEASURE, (q,), (), (c,), condition) for q, c in pairs]
            return ops, len(ops)
        if name not in ("barrier", "reset"):
            # Before the arguments: "xq[0];" is the undefined gate 'xq'.
            self._known_gate(name, offset)
        params: tuple[ParamValue, ...] = ()
        if lexer.peek()[0] == "(":
            lexer.next()
            params = tuple(ExpressionParser(lexer).parse_list(")"))
        if lexer.peek()[0] == ";":
            if name == "barrier" and not params:
                # "barrier;" spans every qubit, as in other readers.
                lexer.next()
                all_registers: list[Arg] = [(r, None, offset) for r in self.state.qregs]
                return self._apply(name, offset, params, all_registers, condition)
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
        # A value the register cannot hold is never equal, but valid; only a value
        # past both the register and 64 bits is refused, before it costs anything.
        value = self._integer(value_token, "the value compared", max(register.size, 64))
        condition = Condition(tuple(register.indices), value)
        self._emit(self._quantum_operation(lexer.next(), condition))
