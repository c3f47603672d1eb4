""":class:`Rebase`: exact translation of a circuit to a target gate set.

Targets:

``"u3"``     ``{u3, cx}``
``"rz_sx"``  ``{rz, sx, x, cx}`` (IBM-style hardware basis)
``"qir"``    ``{h, x, y, z, s, sdg, t, tdg, rx, ry, rz, cx, cz, swap, ccx}`` (the gates
             of the QIR base profile's quantum instruction set)

Every standard gate, user-defined (composite) gate and single-qubit
:class:`~hpcq.ir.gates.UnitaryGate` translates; measure, reset and barrier pass
through, and a conditioned gate becomes conditioned gates. The result equals the input
up to a global phase: :class:`hpcq.Circuit` has no global-phase field, so the phase
that identities such as ``p(a) = e^{ia/2} rz(a)`` introduce is not tracked. Rules are
linear in the angles, so symbolic parameters pass through (``rz(theta)`` stays
``rz(theta)``; a symbolic ``u3`` becomes ``rz``/``ry`` for ``"qir"``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from hpcq.exceptions import PassManagerError
from hpcq.ir.circuit import Circuit, Operation
from hpcq.ir.gates import STANDARD_GATES, CompositeGate, StandardGate, UnitaryGate
from hpcq.ir.parameter import ParameterExpression, ParamValue
from hpcq.passes._decompositions import RULES
from hpcq.passes._euler import (
    U3_FORMS,
    add,
    is_close_angle,
    is_zero_angle,
    neg,
    u3_angles,
    wrap_angle,
)
from hpcq.passes.base import TransformationPass

PI = math.pi

TARGETS: dict[str, frozenset[str]] = {
    "u3": frozenset({"u3", "cx"}),
    "rz_sx": frozenset({"rz", "sx", "x", "cx"}),
    "qir": frozenset(
        {"h", "x", "y", "z", "s", "sdg", "t", "tdg", "rx", "ry", "rz", "cx", "cz", "swap", "ccx"}
    ),
}
"""The gate set of each target name."""

OneQubitStep = tuple[str, tuple[ParamValue, ...]]


class Rebase(TransformationPass):
    """Translate every gate to the ``target`` gate set, exactly up to global phase.

    Args:
        target: ``"u3"``, ``"rz_sx"`` or ``"qir"`` (see the module docstring).

    Raises:
        ValueError: An unknown target.

    A multi-qubit :class:`~hpcq.ir.gates.UnitaryGate` cannot be translated without
    synthesis: running the pass on one raises :class:`~hpcq.PassManagerError`; run the
    ``Synthesize`` pass (:mod:`hpcq.passes.synthesize`) first.

    Example:
        >>> from hpcq import Circuit
        >>> from hpcq.passes import PassManager, Rebase
        >>> PassManager(Rebase("qir")).run(Circuit(2).cp(0.5, 0, 1)).count_ops()
        {'rz': 3, 'cx': 2}
    """

    def __init__(self, target: str) -> None:
        super().__init__()
        if target not in TARGETS:
            known = ", ".join(repr(t) for t in TARGETS)
            raise ValueError(f"unknown rebase target {target!r}; known targets: {known}")
        self.target = target
        self.basis = TARGETS[target]

    def name(self) -> str:
        return f"Rebase({self.target})"

    def run(self, passmanager_ir: Circuit) -> Circuit:
        out: list[Operation] = []
        for op in passmanager_ir:
            self._translate(op, out)
        result = passmanager_ir.copy_empty()
        result.extend(out)
        return result

    def _translate(self, op: Operation, out: list[Operation]) -> None:
        gate = op.gate
        if not gate.is_unitary or (isinstance(gate, StandardGate) and gate.name in self.basis):
            out.append(op)
            return
        if isinstance(gate, CompositeGate):
            for inner in gate.definition(op.params):
                qubits = tuple(op.qubits[q] for q in inner.qubits)
                condition = op.condition if inner.condition is None else inner.condition
                self._translate(
                    Operation(inner.gate, qubits, inner.params, inner.clbits, condition), out
                )
            return
        if isinstance(gate, UnitaryGate):
            if gate.num_qubits != 1:
                raise PassManagerError(
                    f"{self.name()}: a {gate.num_qubits}-qubit unitary block on qubits "
                    f"{op.qubits} cannot be "
                    f"rebased to {self.target!r} without synthesis: run the Synthesize pass "
                    "(hpcq.passes.synthesize) before Rebase"
                )
            self._emit(self._one_qubit("unitary", u3_angles(gate.matrix())), op, out)
            return
        if gate.num_qubits == 1:
            self._emit(
                self._one_qubit(gate.name, U3_FORMS[gate.name](op.params), op.params), op, out
            )
            return
        rule = RULES.get(gate.name)
        if rule is None:
            raise PassManagerError(
                f"{self.name()}: no rule translates '{gate.name}' to {self.target!r}"
            )
        for name, qubits, params in rule(op.qubits, op.params):
            self._translate(Operation(STANDARD_GATES[name], qubits, params, (), op.condition), out)

    @staticmethod
    def _emit(steps: Sequence[OneQubitStep], op: Operation, out: list[Operation]) -> None:
        for name, params in steps:
            out.append(Operation(STANDARD_GATES[name], op.qubits, params, (), op.condition))

    def _one_qubit(
        self,
        name: str,
        angles: tuple[ParamValue, ParamValue, ParamValue],
        params: Sequence[ParamValue] = (),
    ) -> list[OneQubitStep]:
        if name in ("id", "u0"):
            return []
        if self.target == "u3":
            return [("u3", angles)]
        if self.target == "qir":
            if name in ("p", "u1"):
                return [("rz", (params[0],))]
            if name == "sx":
                return [("rx", (PI / 2,))]
            if name == "sxdg":
                return [("rx", (-PI / 2,))]
            return zyz_steps(*angles)
        if name in ("p", "u1"):
            return _rz(params[0])
        return rz_sx_steps(*angles)


def _rz(angle: ParamValue) -> list[OneQubitStep]:
    if is_zero_angle(angle):
        return []
    if isinstance(angle, ParameterExpression):
        return [("rz", (angle,))]
    return [("rz", (wrap_angle(float(angle)),))]


def zyz_steps(theta: ParamValue, phi: ParamValue, lam: ParamValue) -> list[OneQubitStep]:
    """``u3(theta, phi, lam)`` as ``rz(lam) ry(theta) rz(phi)`` (circuit order), up to phase.

    Rotations by a numeric multiple of ``2 pi`` are left out.
    """
    if is_zero_angle(theta):
        return _rz(add(phi, lam))
    ry: list[OneQubitStep] = [
        ("ry", (theta if isinstance(theta, ParameterExpression) else float(theta),))
    ]
    return _rz(lam) + ry + _rz(phi)


def rz_sx_steps(theta: ParamValue, phi: ParamValue, lam: ParamValue) -> list[OneQubitStep]:
    """``u3(theta, phi, lam)`` in ``{rz, sx, x}`` (circuit order), up to global phase.

    ``rz(lam) sx rz(theta + pi) sx rz(phi + pi)`` in general; one ``sx`` for
    ``theta = pi/2``, one ``x`` for ``theta = pi`` and one ``rz`` for ``theta = 0``.
    """
    if is_zero_angle(theta):
        return _rz(add(phi, lam))
    if is_close_angle(theta, PI / 2):
        return [*_rz(add(lam, -PI / 2)), ("sx", ()), *_rz(add(phi, PI / 2))]
    if is_close_angle(theta, -PI / 2):
        # u3(-pi/2, phi, lam) = u3(pi/2, phi + pi, lam + pi)
        return [*_rz(add(lam, PI / 2)), ("sx", ()), *_rz(add(phi, 3 * PI / 2))]
    if is_close_angle(theta, PI):
        return [("x", ()), *_rz(add(add(phi, neg(lam)), -PI))]
    return [
        *_rz(lam),
        ("sx", ()),
        *_rz(add(theta, PI)),
        ("sx", ()),
        *_rz(add(phi, PI)),
    ]
