"""OpenQASM 3 classical expressions, parsed by recursive descent and folded as they go.

Grammar (loosest first; ``**`` is right-associative and binds tighter than a unary
sign, so ``-2**2`` is ``-4``)::

    or     := and ("||" and)*
    and    := equal ("&&" equal)*
    equal  := order (("==" | "!=") order)*
    order  := sum (("<" | "<=" | ">" | ">=") sum)*
    sum    := term (("+" | "-") term)*
    term   := unary (("*" | "/" | "%") unary)*
    unary  := ("-" | "+" | "!") unary | power
    power  := atom ("**" unary)?
    atom   := number | "true" | "false" | constant | name | function "(" args ")"
            | "(" or ")"

Values are Python ``int``, ``float`` and ``bool``, or a
:class:`~hpcq.ir.parameter.ParameterExpression` once an ``input`` parameter (or a gate's
formal parameter) is involved. ``/`` always divides as reals: the standard library
writes ``pow(1/2) @ z`` for ``s``. Bitwise operators are refused by name (``^`` is
exclusive or in OpenQASM 3, not a power).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Union

from hpcq.ir.parameter import ParameterExpression
from hpcq.ir.qasm3.lexer import Lexer, describe

Value = Union[int, float, bool, ParameterExpression]  # noqa: UP007 (a runtime alias)

# Deeper nesting than this is certainly not a real circuit; refusing it keeps Python's
# recursion limit out of reach (a parenthesis costs 17 frames of this grammar).
MAX_DEPTH = 32
# Integers beyond 64 bits are never a register size, an index or an angle.
_INT_LIMIT = 1 << 64

CONSTANTS: dict[str, float] = {
    "pi": math.pi,
    "π": math.pi,
    "tau": math.tau,
    "τ": math.tau,
    "euler": math.e,
    "ℇ": math.e,
}

# Functions of one argument; the second entry is the name of the symbolic form, when
# hpcq's parameter expressions have one.
_UNARY: dict[str, tuple[Callable[[float], float], str | None]] = {
    "sin": (math.sin, "sin"),
    "cos": (math.cos, "cos"),
    "tan": (math.tan, "tan"),
    "exp": (math.exp, "exp"),
    "log": (math.log, "ln"),
    "sqrt": (math.sqrt, "sqrt"),
    "arcsin": (math.asin, None),
    "arccos": (math.acos, None),
    "arctan": (math.atan, None),
    "floor": (math.floor, None),
    "ceiling": (math.ceil, None),
}
_BINARY_FUNCTIONS = frozenset(("mod", "pow"))
FUNCTIONS = frozenset(_UNARY) | _BINARY_FUNCTIONS

_ARITHMETIC_ERRORS = (ZeroDivisionError, OverflowError, ValueError)
_BITWISE = frozenset(("&", "|", "^", "~", "<<", ">>"))


def is_symbolic(value: Value) -> bool:
    """Whether ``value`` still depends on a free parameter."""
    return isinstance(value, ParameterExpression)


class ExpressionParser:
    """Parses and folds expressions from a :class:`Lexer`.

    Args:
        lexer: Where the tokens come from.
        names: The identifiers in scope and their values (constants, inputs, formals).
        scope: Words for an error about an unknown name (``"in a gate definition"``).
    """

    def __init__(self, lexer: Lexer, names: Mapping[str, Value], scope: str = "") -> None:
        self.lexer = lexer
        self.names = names
        self.scope = scope
        self._depth = 0

    # --- entry points -------------------------------------------------------------

    def parse(self) -> Value:
        """One expression."""
        return self._nested(self._or)

    def parse_int(self, what: str) -> int:
        """One expression that must be an integer (a size, an index, a count)."""
        offset = self.lexer.peek()[2]
        value = self.parse()
        if isinstance(value, bool) or is_symbolic(value):
            self.lexer.error(f"{what} must be an integer constant", offset)
        if isinstance(value, float):
            if not value.is_integer():
                self.lexer.error(f"{what} must be an integer, not {value!r}", offset)
            value = int(value)
        assert isinstance(value, int)
        return value

    def parse_angle(self) -> float | ParameterExpression:
        """One gate parameter: a finite real or a symbolic expression."""
        offset = self.lexer.peek()[2]
        value = self.parse()
        if isinstance(value, ParameterExpression):
            return value
        number = float(value)
        if not math.isfinite(number):
            self.lexer.error(f"parameter value {number} is not a finite number", offset)
        return number

    def parse_angles(self) -> list[float | ParameterExpression]:
        """Comma-separated gate parameters up to and including ``)``."""
        lexer = self.lexer
        values: list[float | ParameterExpression] = []
        if lexer.accept(")"):
            return values
        while True:
            values.append(self.parse_angle())
            token = lexer.next()
            if token[0] == ")":
                return values
            if token[0] != ",":
                lexer.error(f"expected ',' or ')', found {describe(token)}", token[2])

    # --- the grammar --------------------------------------------------------------

    def _nested(self, rule: Callable[[], Value]) -> Value:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                self.lexer.error(f"expression nested more than {MAX_DEPTH} levels deep")
            return rule()
        finally:
            self._depth -= 1

    def _binary_level(self, operators: tuple[str, ...], operand: Callable[[], Value]) -> Value:
        lexer = self.lexer
        value = operand()
        while True:
            kind, _, offset = lexer.peek()
            if kind in _BITWISE:
                self._bitwise(kind, offset)
            if kind not in operators:
                return value
            lexer.next()
            value = self._apply(kind, value, operand(), offset)

    def _or(self) -> Value:
        return self._binary_level(("||",), self._and)

    def _and(self) -> Value:
        return self._binary_level(("&&",), self._equal)

    def _equal(self) -> Value:
        return self._binary_level(("==", "!="), self._order)

    def _order(self) -> Value:
        return self._binary_level(("<", "<=", ">", ">="), self._sum)

    def _sum(self) -> Value:
        return self._binary_level(("+", "-"), self._term)

    def _term(self) -> Value:
        return self._binary_level(("*", "/", "%"), self._unary)

    def _unary(self) -> Value:
        lexer = self.lexer
        kind, _, offset = lexer.peek()
        if kind in ("-", "+", "!"):
            lexer.next()
            operand = self._nested(self._unary)
            if kind == "+":
                return operand
            if kind == "-":
                if isinstance(operand, bool):
                    operand = int(operand)
                return -operand
            if is_symbolic(operand):
                lexer.error("'!' cannot apply to a symbolic parameter", offset)
            return not operand
        if kind == "~":
            self._bitwise(kind, offset)
        return self._power()

    def _power(self) -> Value:
        lexer = self.lexer
        base = self._atom()
        kind, _, offset = lexer.peek()
        if kind == "**":
            lexer.next()
            exponent = self._nested(self._unary)
            return self._apply("**", base, exponent, offset)
        return base

    def _atom(self) -> Value:
        lexer = self.lexer
        token = lexer.next()
        kind, text, offset = token
        if kind == "int":
            try:
                return int(text.replace("_", ""), 0) if text[1:2].isalpha() else int(text)
            except ValueError:
                lexer.error(f"integer literal '{text}' is too long", offset)
        if kind == "float":
            return float(text.replace("_", ""))
        if kind == "(":
            value = self.parse()
            lexer.expect(")")
            return value
        if kind == "duration":
            lexer.error(f"durations ('{text}') are timing, which hpcq does not read", offset)
        if kind == "imag":
            lexer.error("complex numbers are not supported in expressions", offset)
        if kind == "id":
            if text in self.names:
                return self.names[text]
            if text in CONSTANTS:
                return CONSTANTS[text]
            if text in ("true", "false"):
                return text == "true"
            if text in FUNCTIONS:
                return self._call(text, offset)
            if text in ("durationof", "sizeof", "real", "imag"):
                lexer.error(f"'{text}' is not supported in expressions", offset)
            where = f" {self.scope}" if self.scope else ""
            lexer.error(f"undefined identifier '{text}'{where}", offset)
        if kind == "[":
            lexer.error("arrays and sets are not supported in expressions", offset)
        lexer.error(f"expected an expression, found {describe(token)}", offset)

    def _call(self, name: str, offset: int) -> Value:
        lexer = self.lexer
        lexer.expect("(", f"'(' after the function '{name}'")
        args = [self.parse()]
        while lexer.accept(","):
            args.append(self.parse())
        lexer.expect(")")
        wanted = 2 if name in _BINARY_FUNCTIONS else 1
        if len(args) != wanted:
            lexer.error(f"'{name}' takes {wanted} argument(s), got {len(args)}", offset)
        if name == "pow":
            return self._apply("**", args[0], args[1], offset)
        if name == "mod":
            return self._apply("%", args[0], args[1], offset)
        function, symbolic = _UNARY[name]
        (arg,) = args
        if isinstance(arg, ParameterExpression):
            if symbolic is None:
                lexer.error(f"'{name}' cannot apply to a symbolic parameter", offset)
            return ParameterExpression(symbolic, (arg,))
        try:
            result = function(float(arg))
        except _ARITHMETIC_ERRORS as exc:
            lexer.error(f"cannot evaluate {name}({arg}): {exc}", offset)
        return int(result) if name in ("floor", "ceiling") else result

    def _bitwise(self, op: str, offset: int) -> None:
        hint = " (a power is written '**')" if op == "^" else ""
        self.lexer.error(f"bitwise operator '{op}' is not supported{hint}", offset)

    def _apply(self, op: str, left: Value, right: Value, offset: int) -> Value:
        lexer = self.lexer
        if is_symbolic(left) or is_symbolic(right):
            if op not in ("+", "-", "*", "/", "**"):
                lexer.error(f"'{op}' cannot apply to a symbolic parameter", offset)
            if op == "/" and not is_symbolic(right) and float(right) == 0.0:
                lexer.error("cannot evaluate '/': division by zero", offset)
            return _symbolic(op, left, right)
        if op in ("||", "&&"):
            return bool(left) or bool(right) if op == "||" else bool(left) and bool(right)
        if op in ("==", "!=", "<", "<=", ">", ">="):
            return _compare(op, left, right)
        a = _number(left)
        b = _number(right)
        try:
            if op == "+":
                result = a + b
            elif op == "-":
                result = a - b
            elif op == "*":
                result = a * b
            elif op == "/":
                result = float(a) / float(b)
            elif op == "%":
                result = a % b
            elif isinstance(a, int) and isinstance(b, int) and 0 <= b <= 64:
                result = a**b
            else:
                power = float(a) ** float(b)
                if isinstance(power, complex):
                    lexer.error(f"'{a}**{b}' is not a real number", offset)
                result = power
        except _ARITHMETIC_ERRORS as exc:
            reason = "division by zero" if isinstance(exc, ZeroDivisionError) else str(exc)
            lexer.error(f"cannot evaluate '{op}': {reason}", offset)
        if isinstance(result, int) and abs(result) >= _INT_LIMIT:
            lexer.error("integer value out of the 64-bit range", offset)
        return result


def _number(value: Value) -> int | float:
    assert not isinstance(value, ParameterExpression)
    return int(value) if isinstance(value, bool) else value


def _compare(op: str, left: Value, right: Value) -> bool:
    a, b = float(left), float(right)
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def _symbolic(op: str, left: Value, right: Value) -> ParameterExpression:
    a = left if isinstance(left, ParameterExpression) else float(left)
    b = right if isinstance(right, ParameterExpression) else float(right)
    # hpcq's expressions write a power as '^'; the writer turns it back into '**'.
    name = "^" if op == "**" else op
    return ParameterExpression(name, (a, b))
