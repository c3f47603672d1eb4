"""Symbolic gate parameters: :class:`Parameter` and the expressions built from it.

A circuit may carry angles that are not known at compile time. They stay symbolic
through the passes that do not need their values and are bound with
:meth:`hpcq.Circuit.bind`; a QIR entry point takes the unbound ones as ``double``
arguments.

Expressions are small immutable trees; equality is structural, so two expressions are
equal when they were written the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Union

ParamValue = Union[float, "ParameterExpression"]

# Functions OpenQASM 2 knows, with their float implementation.
UNARY_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "exp": math.exp,
    "ln": math.log,
    "sqrt": math.sqrt,
}

_BINARY: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "^": lambda a, b: a**b,
}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "^": 4}


class ParameterExpression:
    """An expression over :class:`Parameter` leaves and float constants.

    Build one with ordinary arithmetic (``2 * theta + 0.5``) or :meth:`apply` for the
    functions OpenQASM 2 knows (``sin``, ``cos``, ``tan``, ``exp``, ``ln``, ``sqrt``).
    """

    __slots__ = ("_args", "_op")

    def __init__(self, op: str, args: tuple[ParamValue, ...]) -> None:
        if op not in _BINARY and op not in UNARY_FUNCTIONS and op != "neg":
            raise ValueError(f"unknown parameter operation {op!r}")
        self._op = op
        self._args = args

    @property
    def op(self) -> str:
        """The operation: ``+ - * / ^``, ``neg`` or a function name."""
        return self._op

    @property
    def args(self) -> tuple[ParamValue, ...]:
        """The operands, floats or expressions."""
        return self._args

    @staticmethod
    def apply(function: str, arg: ParamValue) -> ParamValue:
        """``function(arg)``, folded to a float when ``arg`` is a number."""
        if function not in UNARY_FUNCTIONS:
            raise ValueError(f"unknown function {function!r}")
        if isinstance(arg, ParameterExpression):
            return ParameterExpression(function, (arg,))
        return UNARY_FUNCTIONS[function](float(arg))

    @property
    def parameters(self) -> frozenset[str]:
        """Names of the parameters this expression depends on."""
        names: set[str] = set()
        for arg in self._args:
            if isinstance(arg, ParameterExpression):
                names |= arg.parameters
        return frozenset(names)

    def bind(self, values: Mapping[str, float]) -> ParamValue:
        """Substitute ``values``; returns a float once no free parameter is left."""
        args = tuple(
            a.bind(values) if isinstance(a, ParameterExpression) else a for a in self._args
        )
        if any(isinstance(a, ParameterExpression) for a in args):
            return ParameterExpression(self._op, args)
        floats = [float(a) for a in args]
        if self._op == "neg":
            return -floats[0]
        if self._op in _BINARY:
            return _BINARY[self._op](floats[0], floats[1])
        return UNARY_FUNCTIONS[self._op](floats[0])

    def __float__(self) -> float:
        value = self.bind({})
        if isinstance(value, ParameterExpression):
            names = ", ".join(sorted(value.parameters))
            raise TypeError(f"expression {self} has unbound parameters: {names}")
        return value

    # arithmetic ------------------------------------------------------------------
    def _binary(self, op: str, other: object, reflected: bool = False) -> ParameterExpression:
        if not isinstance(other, (int, float, ParameterExpression)):
            return NotImplemented
        value: ParamValue = other if isinstance(other, ParameterExpression) else float(other)
        args = (value, self) if reflected else (self, value)
        return ParameterExpression(op, args)

    def __add__(self, other: object) -> ParameterExpression:
        return self._binary("+", other)

    def __radd__(self, other: object) -> ParameterExpression:
        return self._binary("+", other, reflected=True)

    def __sub__(self, other: object) -> ParameterExpression:
        return self._binary("-", other)

    def __rsub__(self, other: object) -> ParameterExpression:
        return self._binary("-", other, reflected=True)

    def __mul__(self, other: object) -> ParameterExpression:
        return self._binary("*", other)

    def __rmul__(self, other: object) -> ParameterExpression:
        return self._binary("*", other, reflected=True)

    def __truediv__(self, other: object) -> ParameterExpression:
        return self._binary("/", other)

    def __rtruediv__(self, other: object) -> ParameterExpression:
        return self._binary("/", other, reflected=True)

    def __pow__(self, other: object) -> ParameterExpression:
        return self._binary("^", other)

    def __rpow__(self, other: object) -> ParameterExpression:
        return self._binary("^", other, reflected=True)

    def __neg__(self) -> ParameterExpression:
        return ParameterExpression("neg", (self,))

    def __pos__(self) -> ParameterExpression:
        return self

    # identity --------------------------------------------------------------------
    def _key(self) -> tuple[object, ...]:
        return (self._op, self._args)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ParameterExpression):
            return False
        return type(self) is type(other) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._key()))

    def __str__(self) -> str:
        return self._text()

    def __repr__(self) -> str:
        return f"ParameterExpression({self._text()!r})"

    def _text(self) -> str:
        op = self._op
        if op in UNARY_FUNCTIONS:
            return f"{op}({format_param(self._args[0])})"
        if op == "neg":
            return f"-{_wrap(self._args[0], _PRECEDENCE['neg'], right=True)}"
        left = _wrap(self._args[0], _PRECEDENCE[op], right=op == "^")
        right = _wrap(self._args[1], _PRECEDENCE[op], right=op != "^")
        return f"{left} {op} {right}" if op in "+-" else f"{left}{op}{right}"

    def __reduce__(self) -> tuple[object, ...]:
        return (ParameterExpression, (self._op, self._args))


class Parameter(ParameterExpression):
    """A named free parameter, ``hpcq.Parameter("theta")``.

    Parameters compare equal by name.
    """

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        if not name or not (name[0].isalpha() or name[0] == "_"):
            raise ValueError(f"parameter name must start with a letter or '_', not {name!r}")
        self._name = name
        self._op = "param"
        self._args = ()

    @property
    def name(self) -> str:
        """The parameter's name."""
        return self._name

    @property
    def parameters(self) -> frozenset[str]:
        return frozenset((self._name,))

    def bind(self, values: Mapping[str, float]) -> ParamValue:
        if self._name in values:
            return float(values[self._name])
        return self

    def _key(self) -> tuple[object, ...]:
        return ("param", self._name)

    def _text(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"Parameter({self._name!r})"

    def __reduce__(self) -> tuple[object, ...]:
        return (Parameter, (self._name,))


def _wrap(value: ParamValue, outer: int, right: bool) -> str:
    text = format_param(value)
    if isinstance(value, ParameterExpression):
        inner = _PRECEDENCE.get(value.op, 5)
        if inner < outer or (inner == outer and right):
            return f"({text})"
    elif text.startswith("-"):
        return f"({text})"
    return text


def format_param(value: ParamValue) -> str:
    """Text for a parameter that reads back to the same value (``repr`` of floats)."""
    if isinstance(value, ParameterExpression):
        return value._text()
    number = float(value)
    if number == math.pi:
        return "pi"
    if number == -math.pi:
        return "-pi"
    return repr(number)


def is_symbolic(value: ParamValue) -> bool:
    """Whether ``value`` still has free parameters."""
    return isinstance(value, ParameterExpression) and bool(value.parameters)
