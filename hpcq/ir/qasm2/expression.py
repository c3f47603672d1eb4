"""OpenQASM 2 parameter expressions, parsed by recursive descent.

Grammar (``^`` binds tightest and is right-associative; unary minus binds less
tightly than ``^``, so ``-2^2`` is ``-4``, as in Python)::

    expr  := term (("+" | "-") term)*
    term  := unary (("*" | "/") unary)*
    unary := ("-" | "+") unary | power
    power := atom ("^" unary)?
    atom  := number | "pi" | formal | function "(" expr ")" | "(" expr ")"

Expressions without formal parameters fold to floats while they are parsed; inside a
gate body the formals become :class:`~hpcq.ir.parameter.Parameter` leaves.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from hpcq.ir.parameter import UNARY_FUNCTIONS, Parameter, ParameterExpression, ParamValue
from hpcq.ir.qasm2.lexer import Lexer, describe

# Deeper nesting than this is certainly not a real circuit; refusing it keeps Python's
# recursion limit out of reach.
MAX_DEPTH = 64

_ARITHMETIC_ERRORS = (ZeroDivisionError, OverflowError, ValueError)


class ExpressionParser:
    """Parses expressions from a :class:`Lexer`.

    Args:
        lexer: Where the tokens come from.
        formals: Names of a gate's formal parameters (empty at the top level).
    """

    def __init__(self, lexer: Lexer, formals: Mapping[str, Parameter] | None = None) -> None:
        self.lexer = lexer
        self.formals = formals or {}
        self._depth = 0

    def parse_list(self, closing: str = ")") -> list[ParamValue]:
        """Comma-separated expressions up to and including ``closing``."""
        lexer = self.lexer
        values: list[ParamValue] = []
        if lexer.peek()[0] == closing:
            lexer.next()
            return values
        while True:
            start = lexer.peek()[2]
            value = self.parse()
            if not isinstance(value, ParameterExpression) and not math.isfinite(value):
                lexer.error(f"parameter value {value} is not a finite number", start)
            values.append(value)
            token = lexer.next()
            if token[0] == closing:
                return values
            if token[0] != ",":
                lexer.error(f"expected ',' or '{closing}', found {describe(token)}", token[2])

    def parse(self) -> ParamValue:
        """One expression."""
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                self.lexer.error(f"expression nested more than {MAX_DEPTH} levels deep")
            return self._expr()
        finally:
            self._depth -= 1

    def _expr(self) -> ParamValue:
        lexer = self.lexer
        value = self._term()
        while lexer.peek()[0] in ("+", "-"):
            op = lexer.next()
            value = self._binary(op[0], value, self._term(), op[2])
        return value

    def _term(self) -> ParamValue:
        lexer = self.lexer
        value = self._unary()
        while lexer.peek()[0] in ("*", "/"):
            op = lexer.next()
            value = self._binary(op[0], value, self._unary(), op[2])
        return value

    def _unary(self) -> ParamValue:
        lexer = self.lexer
        kind = lexer.peek()[0]
        if kind in ("-", "+"):
            lexer.next()
            self._depth += 1
            try:
                if self._depth > MAX_DEPTH:
                    lexer.error(f"expression nested more than {MAX_DEPTH} levels deep")
                operand = self._unary()
            finally:
                self._depth -= 1
            return operand if kind == "+" else -operand
        return self._power()

    def _power(self) -> ParamValue:
        lexer = self.lexer
        base = self._atom()
        if lexer.peek()[0] == "^":
            op = lexer.next()
            self._depth += 1
            try:
                if self._depth > MAX_DEPTH:
                    lexer.error(f"expression nested more than {MAX_DEPTH} levels deep")
                exponent = self._unary()
            finally:
                self._depth -= 1
            return self._binary("^", base, exponent, op[2])
        return base

    def _atom(self) -> ParamValue:
        lexer = self.lexer
        token = lexer.next()
        kind, text, offset = token
        if kind in ("int", "real"):
            return float(text)
        if kind == "(":
            value = self.parse()
            lexer.expect(")")
            return value
        if kind == "id":
            if text in self.formals:
                return self.formals[text]
            if text == "pi":
                return math.pi
            if text in UNARY_FUNCTIONS:
                lexer.expect("(", f"'(' after the function '{text}'")
                argument = self.parse()
                lexer.expect(")")
                try:
                    return ParameterExpression.apply(text, argument)
                except _ARITHMETIC_ERRORS as exc:
                    lexer.error(f"cannot evaluate {text}({argument}): {exc}", offset)
            if self.formals:
                lexer.error(f"undefined parameter '{text}' in this gate definition", offset)
            lexer.error(
                f"undefined identifier '{text}' in an expression "
                "(only pi, numbers and functions outside gate definitions)",
                offset,
            )
        lexer.error(f"expected an expression, found {describe(token)}", offset)

    def _binary(self, op: str, left: ParamValue, right: ParamValue, offset: int) -> ParamValue:
        if isinstance(left, ParameterExpression) or isinstance(right, ParameterExpression):
            return ParameterExpression(op, (left, right))
        try:
            if op == "+":
                return left + right
            if op == "-":
                return left - right
            if op == "*":
                return left * right
            if op == "/":
                return left / right
            result = left**right
        except _ARITHMETIC_ERRORS as exc:
            reason = "division by zero" if isinstance(exc, ZeroDivisionError) else str(exc)
            self.lexer.error(f"cannot evaluate '{op}': {reason}", offset)
        if isinstance(result, complex):
            self.lexer.error(f"'{left}^{right}' is not a real number", offset)
        return float(result)
