"""Gates: the standard library (all of ``qelib1.inc``), directives, unitary blocks and
user-defined composite gates.

Matrix convention (the same as Qiskit's): for a gate applied to qubits
``(q_0, q_1, ..., q_{k-1})`` the matrix acts on the basis ``|b_{k-1} ... b_1 b_0>``
with index ``sum_i b_i 2**i``; the *first* qubit argument is the least significant bit.
So ``cx(0, 1)`` (control first) has the matrix ``[[1,0,0,0],[0,0,0,1],[0,0,1,0],[0,1,0,0]]``.
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from hpcq.ir.parameter import ParameterExpression, ParamValue

if TYPE_CHECKING:
    from hpcq.ir.circuit import Operation

Matrix = np.ndarray


class Gate:
    """Base class of everything a circuit operation applies.

    Attributes:
        name: The OpenQASM name.
        num_qubits: Qubits the gate acts on (``0`` for variadic directives).
        num_params: Number of angle parameters.
    """

    name: str
    num_qubits: int
    num_params: int
    is_unitary: bool = True

    def matrix(self, params: Sequence[float] = ()) -> Matrix:
        """The gate's unitary for numeric ``params`` (see the module docstring)."""
        raise TypeError(f"'{self.name}' has no unitary")

    def inverse_of(self, params: Sequence[ParamValue]) -> tuple[Gate, tuple[ParamValue, ...]]:
        """The gate and parameters that undo this gate with ``params``."""
        raise TypeError(f"'{self.name}' has no inverse")


class StandardGate(Gate):
    """A gate of the built-in library with a closed-form matrix."""

    def __init__(
        self,
        name: str,
        num_qubits: int,
        num_params: int,
        matrix_fn: Callable[..., Matrix],
        inverse: Callable[[tuple[ParamValue, ...]], tuple[str, tuple[ParamValue, ...]]],
    ) -> None:
        self.name = name
        self.num_qubits = num_qubits
        self.num_params = num_params
        self._matrix_fn = matrix_fn
        self._inverse = inverse
        self._constant: Matrix | None = None

    def matrix(self, params: Sequence[float] = ()) -> Matrix:
        if self.num_params == 0:
            if self._constant is None:
                self._constant = self._matrix_fn()
                self._constant.setflags(write=False)
            return self._constant
        return self._matrix_fn(*(float(p) for p in params))

    def inverse_of(self, params: Sequence[ParamValue]) -> tuple[Gate, tuple[ParamValue, ...]]:
        name, new_params = self._inverse(tuple(params))
        return STANDARD_GATES[name], new_params

    def __repr__(self) -> str:
        return f"<gate {self.name}>"

    def __reduce__(self) -> tuple[object, ...]:
        # Standard gates are singletons: unpickle to the registry entry.
        return (standard_gate, (self.name,))


class Directive(Gate):
    """A non-unitary instruction: ``measure``, ``reset`` or ``barrier``."""

    is_unitary = False

    def __init__(self, name: str, num_qubits: int) -> None:
        self.name = name
        self.num_qubits = num_qubits
        self.num_params = 0

    def inverse_of(self, params: Sequence[ParamValue]) -> tuple[Gate, tuple[ParamValue, ...]]:
        if self.name == "barrier":
            return self, ()
        raise TypeError(f"'{self.name}' is not reversible")

    def __repr__(self) -> str:
        return f"<directive {self.name}>"

    def __reduce__(self) -> tuple[object, ...]:
        return (standard_gate, (self.name,))


def check_unitary(target: object, *, name: str = "target") -> np.ndarray:
    """``target`` as a C-contiguous complex128 unitary matrix.

    Raises:
        ValueError: Not a square matrix of power-of-two size, not finite, or not
            unitary within ``1e-8``.
    """
    try:
        array = np.array(target, dtype=np.complex128)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} is not a numeric matrix: {exc}") from exc
    if array.ndim != 2 or array.shape[0] != array.shape[1] or array.shape[0] < 2:
        raise ValueError(f"{name} must be a square matrix, got shape {array.shape}")
    size = array.shape[0]
    if size & (size - 1):
        raise ValueError(f"{name} must be 2^n x 2^n, got {size} x {size}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} has NaN or infinite entries")
    error = float(np.max(np.abs(array.conj().T @ array - np.eye(size))))
    if error > 1e-8:
        raise ValueError(f"{name} is not unitary (max |U^dagger U - I| = {error:.2e})")
    return np.ascontiguousarray(array)


class UnitaryGate(Gate):
    """An arbitrary ``2**k x 2**k`` unitary block, as partitioning produces.

    Args:
        matrix: The unitary, in the convention of the module docstring.
        label: An optional name for display.
        check: Verify that ``matrix`` is unitary (within ``1e-8``).

    Raises:
        ValueError: ``matrix`` is not square of a power-of-two size, not finite, or
            (with ``check``) not unitary.
    """

    name = "unitary"
    num_params = 0

    def __init__(self, matrix: object, label: str | None = None, check: bool = True) -> None:
        if check:
            array = check_unitary(matrix, name="matrix")
        else:
            array = np.array(matrix, dtype=np.complex128)
        size = array.shape[0]
        array.setflags(write=False)
        self._matrix = array
        self.num_qubits = size.bit_length() - 1
        self.label = label

    def matrix(self, params: Sequence[float] = ()) -> Matrix:
        return self._matrix

    def inverse_of(self, params: Sequence[ParamValue]) -> tuple[Gate, tuple[ParamValue, ...]]:
        return UnitaryGate(self._matrix.conj().T, self.label, check=False), ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnitaryGate) and np.array_equal(self._matrix, other._matrix)

    def __hash__(self) -> int:
        return hash(self._matrix.tobytes())

    def __repr__(self) -> str:
        label = f" {self.label!r}" if self.label else ""
        return f"<unitary{label} on {self.num_qubits} qubits>"

    def __reduce__(self) -> tuple[object, ...]:
        return (UnitaryGate, (np.asarray(self._matrix), self.label, False))


class CompositeGate(Gate):
    """A user-defined gate (an OpenQASM ``gate`` definition).

    Args:
        name: The gate's name.
        num_qubits: Its arity.
        param_names: Names of its formal parameters.
        body: Operations on qubits ``0..num_qubits-1`` whose parameters may use
            :class:`~hpcq.ir.parameter.Parameter` objects named in ``param_names``.
    """

    def __init__(
        self,
        name: str,
        num_qubits: int,
        param_names: Sequence[str],
        body: Sequence[Operation],
    ) -> None:
        self.name = name
        self.num_qubits = num_qubits
        self.param_names = tuple(param_names)
        self.num_params = len(self.param_names)
        self.body = tuple(body)

    def definition(self, params: Sequence[ParamValue]) -> list[Operation]:
        """The body with the formal parameters replaced by ``params``."""
        from hpcq.ir.circuit import substitute_params

        if len(params) != self.num_params:
            raise ValueError(f"'{self.name}' takes {self.num_params} parameters")
        return substitute_params(self.body, dict(zip(self.param_names, params, strict=True)))

    def matrix(self, params: Sequence[float] = ()) -> Matrix:
        from hpcq.sim.unitary import operations_unitary

        return operations_unitary(self.definition(list(params)), self.num_qubits)

    def inverse_of(self, params: Sequence[ParamValue]) -> tuple[Gate, tuple[ParamValue, ...]]:
        from hpcq.ir.circuit import inverse_operations
        from hpcq.ir.parameter import Parameter

        formal = [Parameter(n) for n in self.param_names]
        body = inverse_operations(self.definition(formal))
        return CompositeGate(self.name + "_dg", self.num_qubits, self.param_names, body), tuple(
            params
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CompositeGate) and (
            self.name,
            self.num_qubits,
            self.param_names,
            self.body,
        ) == (other.name, other.num_qubits, other.param_names, other.body)

    def __hash__(self) -> int:
        return hash((self.name, self.num_qubits, self.param_names))

    def __repr__(self) -> str:
        return f"<composite gate {self.name} ({self.num_qubits} qubits, {len(self.body)} ops)>"


# --- matrices ---------------------------------------------------------------------

_SQ2 = 1 / math.sqrt(2)


def _u3(theta: float, phi: float, lam: float) -> Matrix:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return np.array(
        [
            [c, -cmath.exp(1j * lam) * s],
            [cmath.exp(1j * phi) * s, cmath.exp(1j * (phi + lam)) * c],
        ],
        dtype=np.complex128,
    )


def _phase(lam: float) -> Matrix:
    return np.array([[1, 0], [0, cmath.exp(1j * lam)]], dtype=np.complex128)


def _rx(theta: float) -> Matrix:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return np.array([[c, -1j * s], [-1j * s, c]], dtype=np.complex128)


def _ry(theta: float) -> Matrix:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return np.array([[c, -s], [s, c]], dtype=np.complex128)


def _rz(theta: float) -> Matrix:
    return np.array(
        [[cmath.exp(-0.5j * theta), 0], [0, cmath.exp(0.5j * theta)]], dtype=np.complex128
    )


def controlled(target: Matrix, num_controls: int = 1) -> Matrix:
    """``target`` controlled on ``num_controls`` qubits that come *first* (low bits)."""
    size_t = target.shape[0]
    mask = (1 << num_controls) - 1
    size = size_t << num_controls
    out = np.eye(size, dtype=np.complex128)
    rows = [(t << num_controls) | mask for t in range(size_t)]
    out[np.ix_(rows, rows)] = target
    return out


_X = np.array([[0, 1], [1, 0]], dtype=np.complex128)
_Y = np.array([[0, -1j], [1j, 0]], dtype=np.complex128)
_Z = np.array([[1, 0], [0, -1]], dtype=np.complex128)
_H = np.array([[_SQ2, _SQ2], [_SQ2, -_SQ2]], dtype=np.complex128)
_SX = 0.5 * np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]], dtype=np.complex128)
_SWAP = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=np.complex128)


def _rxx(theta: float) -> Matrix:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return c * np.eye(4, dtype=np.complex128) - 1j * s * np.kron(_X, _X)


def _ryy(theta: float) -> Matrix:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return c * np.eye(4, dtype=np.complex128) - 1j * s * np.kron(_Y, _Y)


def _rzz(theta: float) -> Matrix:
    a, b = cmath.exp(-0.5j * theta), cmath.exp(0.5j * theta)
    return np.diag([a, b, b, a]).astype(np.complex128)


def _swap_controlled() -> Matrix:
    # cswap(c, a, b): control is the first qubit (bit 0).
    return controlled(_SWAP, 1)


# --- inverses ---------------------------------------------------------------------


def _self(name: str) -> Callable[[tuple[ParamValue, ...]], tuple[str, tuple[ParamValue, ...]]]:
    return lambda params: (name, params)


def _negate(name: str) -> Callable[[tuple[ParamValue, ...]], tuple[str, tuple[ParamValue, ...]]]:
    return lambda params: (name, tuple(-p for p in params))


def _inverse_u3(
    name: str,
) -> Callable[[tuple[ParamValue, ...]], tuple[str, tuple[ParamValue, ...]]]:
    def inverse(params: tuple[ParamValue, ...]) -> tuple[str, tuple[ParamValue, ...]]:
        theta, phi, lam = params[:3]
        rest = tuple(-p for p in params[3:])
        return name, (-theta, -lam, -phi, *rest)

    return inverse


def _inverse_u2(params: tuple[ParamValue, ...]) -> tuple[str, tuple[ParamValue, ...]]:
    phi, lam = params
    return "u3", (-math.pi / 2, -lam, -phi)


STANDARD_GATES: dict[str, Gate] = {}


def _add(
    name: str,
    num_qubits: int,
    num_params: int,
    matrix_fn: Callable[..., Matrix],
    inverse: Callable[[tuple[ParamValue, ...]], tuple[str, tuple[ParamValue, ...]]] | None = None,
) -> None:
    STANDARD_GATES[name] = StandardGate(
        name, num_qubits, num_params, matrix_fn, inverse or _self(name)
    )


_add("id", 1, 0, lambda: np.eye(2, dtype=np.complex128))
_add("u0", 1, 1, lambda gamma: np.eye(2, dtype=np.complex128))
_add("x", 1, 0, lambda: _X.copy())
_add("y", 1, 0, lambda: _Y.copy())
_add("z", 1, 0, lambda: _Z.copy())
_add("h", 1, 0, lambda: _H.copy())
_add("s", 1, 0, lambda: _phase(math.pi / 2), _self("sdg"))
_add("sdg", 1, 0, lambda: _phase(-math.pi / 2), _self("s"))
_add("t", 1, 0, lambda: _phase(math.pi / 4), _self("tdg"))
_add("tdg", 1, 0, lambda: _phase(-math.pi / 4), _self("t"))
_add("sx", 1, 0, lambda: _SX.copy(), _self("sxdg"))
_add("sxdg", 1, 0, lambda: _SX.conj().T.copy(), _self("sx"))
_add("u3", 1, 3, _u3, _inverse_u3("u3"))
_add("u", 1, 3, _u3, _inverse_u3("u"))
_add("u2", 1, 2, lambda phi, lam: _u3(math.pi / 2, phi, lam), _inverse_u2)
_add("u1", 1, 1, _phase, _negate("u1"))
_add("p", 1, 1, _phase, _negate("p"))
_add("rx", 1, 1, _rx, _negate("rx"))
_add("ry", 1, 1, _ry, _negate("ry"))
_add("rz", 1, 1, _rz, _negate("rz"))
_add("cx", 2, 0, lambda: controlled(_X))
_add("cy", 2, 0, lambda: controlled(_Y))
_add("cz", 2, 0, lambda: controlled(_Z))
_add("ch", 2, 0, lambda: controlled(_H))
_add(
    "csx",
    2,
    0,
    lambda: controlled(_SX),
    # controlled(sxdg) = cu(-pi/2, -pi/2, pi/2, -pi/4)
    lambda params: ("cu", (-math.pi / 2, -math.pi / 2, math.pi / 2, -math.pi / 4)),
)
_add("swap", 2, 0, lambda: _SWAP.copy())
_add("crx", 2, 1, lambda t: controlled(_rx(t)), _negate("crx"))
_add("cry", 2, 1, lambda t: controlled(_ry(t)), _negate("cry"))
_add("crz", 2, 1, lambda t: controlled(_rz(t)), _negate("crz"))
_add("cu1", 2, 1, lambda t: controlled(_phase(t)), _negate("cu1"))
_add("cp", 2, 1, lambda t: controlled(_phase(t)), _negate("cp"))
_add("cu3", 2, 3, lambda t, p, lam: controlled(_u3(t, p, lam)), _inverse_u3("cu3"))
_add(
    "cu",
    2,
    4,
    lambda t, p, lam, g: controlled(cmath.exp(1j * g) * _u3(t, p, lam)),
    _inverse_u3("cu"),
)
_add("rxx", 2, 1, _rxx, _negate("rxx"))
_add("ryy", 2, 1, _ryy, _negate("ryy"))
_add("rzz", 2, 1, _rzz, _negate("rzz"))
_add("ccx", 3, 0, lambda: controlled(_X, 2))
_add("ccz", 3, 0, lambda: controlled(_Z, 2))
_add("cswap", 3, 0, _swap_controlled)
_add("c3x", 4, 0, lambda: controlled(_X, 3))
_add("c4x", 5, 0, lambda: controlled(_X, 4))

MEASURE = Directive("measure", 1)
RESET = Directive("reset", 1)
BARRIER = Directive("barrier", 0)
STANDARD_GATES.update({"measure": MEASURE, "reset": RESET, "barrier": BARRIER})


def standard_gate(name: str) -> Gate:
    """The built-in gate or directive called ``name``.

    Raises:
        KeyError: No such gate; the message lists the known names.
    """
    try:
        return STANDARD_GATES[name]
    except KeyError:
        known = ", ".join(sorted(STANDARD_GATES))
        raise KeyError(f"unknown gate {name!r}; known gates: {known}") from None


def is_parametric(params: Sequence[ParamValue]) -> bool:
    """Whether any of ``params`` is still symbolic."""
    return any(isinstance(p, ParameterExpression) and p.parameters for p in params)
