"""Exact decompositions of the multi-qubit standard gates into smaller standard gates.

Each rule maps a gate's qubits and parameters to a list of ``(name, qubits, params)``
whose product is the gate's unitary up to a global phase. Rules are linear in the
angles, so symbolic parameters pass through. Applying the rules repeatedly ends in
``cx`` and single-qubit gates.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from hpcq.ir.parameter import ParamValue
from hpcq.passes._euler import add, half, neg

PI = math.pi
Step = tuple[str, tuple[int, ...], tuple[ParamValue, ...]]
Rule = Callable[[tuple[int, ...], tuple[ParamValue, ...]], list[Step]]


def _cy(q: tuple[int, ...], p: tuple[ParamValue, ...]) -> list[Step]:
    c, t = q
    return [("sdg", (t,), ()), ("cx", (c, t), ()), ("s", (t,), ())]


def _cz(q: tuple[int, ...], p: tuple[ParamValue, ...]) -> list[Step]:
    c, t = q
    return [("h", (t,), ()), ("cx", (c, t), ()), ("h", (t,), ())]


def _ch(q: tuple[int, ...], p: tuple[ParamValue, ...]) -> list[Step]:
    # H = Ry(pi/4) Z Ry(-pi/4), so C(H) conjugates a cz by Ry on the target.
    c, t = q
    return [("ry", (t,), (-PI / 4,)), ("cz", (c, t), ()), ("ry", (t,), (PI / 4,))]


def _crz(q: tuple[int, ...], p: tuple[ParamValue, ...]) -> list[Step]:
    c, t = q
    theta = p[0]
    return [
        ("rz", (t,), (half(theta),)),
        ("cx", (c, t), ()),
        ("rz", (t,), (neg(half(theta)),)),
        ("cx", (c, t), ()),
    ]


def _cry(q: tuple[int, ...], p: tuple[ParamValue, ...]) -> list[Step]:
    c, t = q
    theta = p[0]
    return [
        ("ry", (t,), (half(theta),)),
        ("cx", (c, t), ()),
        ("ry", (t,), (neg(half(theta)),)),
        ("cx", (c, t), ()),
    ]


def _crx(q: tuple[int, ...], p: tuple[ParamValue, ...]) -> list[Step]:
    c, t = q
    return [("h", (t,), ()), ("crz", (c, t), p), ("h", (t,), ())]


def _csx(q: tuple[int, ...], p: tuple[ParamValue, ...]) -> list[Step]:
    # SX = e^{i pi/4} RX(pi/2): the phase becomes a p(pi/4) on the control.
    c, t = q
    return [("p", (c,), (PI / 4,)), ("crx", (c, t), (PI / 2,))]


def _cp(q: tuple[int, ...], p: tuple[ParamValue, ...]) -> list[Step]:
    c, t = q
    lam = p[0]
    return [
        ("p", (c,), (half(lam),)),
        ("cx", (c, t), ()),
        ("p", (t,), (neg(half(lam)),)),
        ("cx", (c, t), ()),
        ("p", (t,), (half(lam),)),
    ]


def _cu3(q: tuple[int, ...], p: tuple[ParamValue, ...]) -> list[Step]:
    c, t = q
    theta, phi, lam = p[:3]
    return [
        ("p", (c,), (half(add(lam, phi)),)),
        ("p", (t,), (half(add(lam, neg(phi))),)),
        ("cx", (c, t), ()),
        ("u3", (t,), (neg(half(theta)), 0.0, neg(half(add(phi, lam))))),
        ("cx", (c, t), ()),
        ("u3", (t,), (half(theta), phi, 0.0)),
    ]


def _cu(q: tuple[int, ...], p: tuple[ParamValue, ...]) -> list[Step]:
    c, _ = q
    return [("p", (c,), (p[3],)), ("cu3", q, p[:3])]


def _swap(q: tuple[int, ...], p: tuple[ParamValue, ...]) -> list[Step]:
    a, b = q
    return [("cx", (a, b), ()), ("cx", (b, a), ()), ("cx", (a, b), ())]


def _rzz(q: tuple[int, ...], p: tuple[ParamValue, ...]) -> list[Step]:
    a, b = q
    return [("cx", (a, b), ()), ("rz", (b,), p), ("cx", (a, b), ())]


def _rxx(q: tuple[int, ...], p: tuple[ParamValue, ...]) -> list[Step]:
    a, b = q
    return [
        ("h", (a,), ()),
        ("h", (b,), ()),
        ("rzz", (a, b), p),
        ("h", (a,), ()),
        ("h", (b,), ()),
    ]


def _ryy(q: tuple[int, ...], p: tuple[ParamValue, ...]) -> list[Step]:
    # Rx(-pi/2) maps Z to Y by conjugation.
    a, b = q
    return [
        ("rx", (a,), (PI / 2,)),
        ("rx", (b,), (PI / 2,)),
        ("rzz", (a, b), p),
        ("rx", (a,), (-PI / 2,)),
        ("rx", (b,), (-PI / 2,)),
    ]


def _ccx(q: tuple[int, ...], p: tuple[ParamValue, ...]) -> list[Step]:
    a, b, c = q
    return [
        ("h", (c,), ()),
        ("cx", (b, c), ()),
        ("tdg", (c,), ()),
        ("cx", (a, c), ()),
        ("t", (c,), ()),
        ("cx", (b, c), ()),
        ("tdg", (c,), ()),
        ("cx", (a, c), ()),
        ("t", (b,), ()),
        ("t", (c,), ()),
        ("h", (c,), ()),
        ("cx", (a, b), ()),
        ("t", (a,), ()),
        ("tdg", (b,), ()),
        ("cx", (a, b), ()),
    ]


def _ccz(q: tuple[int, ...], p: tuple[ParamValue, ...]) -> list[Step]:
    a, b, c = q
    return [("h", (c,), ()), ("ccx", (a, b, c), ()), ("h", (c,), ())]


def _cswap(q: tuple[int, ...], p: tuple[ParamValue, ...]) -> list[Step]:
    c, a, b = q
    return [("cx", (b, a), ()), ("ccx", (c, a, b), ()), ("cx", (b, a), ())]


def multi_controlled_x(controls: Sequence[int], target: int) -> list[Step]:
    """X on ``target`` when every control is 1, as cx, ccx and cp steps."""
    controls = tuple(controls)
    if len(controls) == 1:
        return [("cx", (controls[0], target), ())]
    if len(controls) == 2:
        return [("ccx", (*controls, target), ())]
    return [
        ("h", (target,), ()),
        *multi_controlled_phase(PI, controls, target),
        ("h", (target,), ()),
    ]


def multi_controlled_phase(lam: float, controls: Sequence[int], target: int) -> list[Step]:
    """``p(lam)`` on ``target`` when every control is 1 (Barenco et al., lemma 7.5)."""
    controls = tuple(controls)
    if len(controls) == 1:
        return [("cp", (controls[0], target), (lam,))]
    last, rest = controls[-1], controls[:-1]
    return [
        ("cp", (last, target), (lam / 2,)),
        *multi_controlled_x(rest, last),
        ("cp", (last, target), (-lam / 2,)),
        *multi_controlled_x(rest, last),
        *multi_controlled_phase(lam / 2, rest, target),
    ]


def _mcx(q: tuple[int, ...], p: tuple[ParamValue, ...]) -> list[Step]:
    return multi_controlled_x(q[:-1], q[-1])


RULES: dict[str, Rule] = {
    "cy": _cy,
    "cz": _cz,
    "ch": _ch,
    "crx": _crx,
    "cry": _cry,
    "crz": _crz,
    "csx": _csx,
    "cp": _cp,
    "cu1": _cp,
    "cu3": _cu3,
    "cu": _cu,
    "swap": _swap,
    "rxx": _rxx,
    "ryy": _ryy,
    "rzz": _rzz,
    "ccx": _ccx,
    "ccz": _ccz,
    "cswap": _cswap,
    "c3x": _mcx,
    "c4x": _mcx,
}
"""Decomposition of every multi-qubit standard gate except ``cx``."""
