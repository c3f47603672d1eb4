"""Single-qubit gates as ZYZ Euler angles: ``U = e^{i alpha} U3(theta, phi, lambda)``.

:data:`U3_FORMS` gives the ``u3`` angles of every single-qubit standard gate as
expressions linear in the gate's parameters, so they also hold for symbolic angles.
:func:`u3_angles` recovers the angles of a numeric ``2 x 2`` unitary.
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Callable, Sequence

import numpy as np

from hpcq.ir.parameter import ParameterExpression, ParamValue

PI = math.pi
Angles = tuple[ParamValue, ParamValue, ParamValue]

# u3 angles of each single-qubit standard gate, up to global phase.
U3_FORMS: dict[str, Callable[[Sequence[ParamValue]], Angles]] = {
    "id": lambda p: (0.0, 0.0, 0.0),
    "u0": lambda p: (0.0, 0.0, 0.0),
    "x": lambda p: (PI, 0.0, PI),
    "y": lambda p: (PI, PI / 2, PI / 2),
    "z": lambda p: (0.0, 0.0, PI),
    "h": lambda p: (PI / 2, 0.0, PI),
    "s": lambda p: (0.0, 0.0, PI / 2),
    "sdg": lambda p: (0.0, 0.0, -PI / 2),
    "t": lambda p: (0.0, 0.0, PI / 4),
    "tdg": lambda p: (0.0, 0.0, -PI / 4),
    "sx": lambda p: (PI / 2, -PI / 2, PI / 2),
    "sxdg": lambda p: (-PI / 2, -PI / 2, PI / 2),
    "u3": lambda p: (p[0], p[1], p[2]),
    "u": lambda p: (p[0], p[1], p[2]),
    "u2": lambda p: (PI / 2, p[0], p[1]),
    "u1": lambda p: (0.0, 0.0, p[0]),
    "p": lambda p: (0.0, 0.0, p[0]),
    "rx": lambda p: (p[0], -PI / 2, PI / 2),
    "ry": lambda p: (p[0], 0.0, 0.0),
    "rz": lambda p: (0.0, 0.0, p[0]),
}


def u3_angles(matrix: np.ndarray) -> tuple[float, float, float]:
    """``(theta, phi, lambda)`` with ``matrix = e^{i alpha} U3(theta, phi, lambda)``.

    The matrix is first scaled to determinant 1; ``theta`` comes from ``atan2`` of the
    magnitudes (accurate near 0 and pi), and an angle that a vanishing entry leaves
    undetermined is set to 0 rather than to the phase of rounding noise.

    Args:
        matrix: A ``2 x 2`` unitary.
    """
    a, b, c, d = (complex(v) for v in np.asarray(matrix).reshape(4))
    det = a * d - b * c
    scale = 1 / cmath.sqrt(det)
    su00, su10, su11 = a * scale, c * scale, d * scale
    theta = 2 * math.atan2(abs(su10), abs(su00))
    # In SU(2): su11 = e^{i(phi+lam)/2} cos(theta/2), su10 = e^{i(phi-lam)/2} sin(theta/2).
    half_sum = cmath.phase(su11) if abs(su11) > 1e-12 else 0.0
    half_diff = cmath.phase(su10) if abs(su10) > 1e-12 else 0.0
    phi = half_sum + half_diff
    lam = half_sum - half_diff
    return theta, wrap_angle(phi), wrap_angle(lam)


def wrap_angle(angle: float) -> float:
    """``angle`` moved into ``(-pi, pi]``."""
    wrapped = math.remainder(angle, 2 * PI)
    return PI if wrapped == -PI else wrapped


def is_zero_angle(angle: ParamValue, atol: float = 1e-12) -> bool:
    """Whether a numeric ``angle`` is a multiple of ``2 pi`` (a rotation by it is a phase)."""
    if isinstance(angle, ParameterExpression):
        return False
    return abs(math.remainder(float(angle), 2 * PI)) <= atol


def is_close_angle(angle: ParamValue, target: float, atol: float = 1e-12) -> bool:
    """Whether a numeric ``angle`` equals ``target`` modulo ``2 pi``."""
    if isinstance(angle, ParameterExpression):
        return False
    return abs(math.remainder(float(angle) - target, 2 * PI)) <= atol


def is_identity(matrix: np.ndarray, atol: float = 1e-10) -> bool:
    """Whether a ``2 x 2`` unitary is the identity up to global phase."""
    m = np.asarray(matrix)
    if abs(m[0, 1]) > atol or abs(m[1, 0]) > atol:
        return False
    return abs(m[0, 0] - m[1, 1]) <= atol


def add(a: ParamValue, b: ParamValue) -> ParamValue:
    """``a + b``, without building ``0 + x`` expressions."""
    if not isinstance(a, ParameterExpression) and float(a) == 0.0:
        return b
    if not isinstance(b, ParameterExpression) and float(b) == 0.0:
        return a
    if isinstance(a, ParameterExpression) or isinstance(b, ParameterExpression):
        return a + b
    return float(a) + float(b)


def neg(a: ParamValue) -> ParamValue:
    """``-a``."""
    return -a


def half(a: ParamValue) -> ParamValue:
    """``a / 2``."""
    if isinstance(a, ParameterExpression):
        return a / 2
    return float(a) / 2
