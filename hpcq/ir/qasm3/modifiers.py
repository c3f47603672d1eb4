"""The gate modifiers ``inv @``, ``pow(k) @``, ``ctrl @`` and ``negctrl @`` on hpcq's IR.

A modified gate is built as a *piece*: operations on absolute qubits plus a phase, whose
unitary is ``exp(i * phase)`` times the product of the operations' matrices. The phase
is what ``gphase`` and the bodies of user gates contribute; a piece applied on its own
drops it (a global phase), a controlled piece turns it into a phase gate on the
controls, which is where it stops being global.

Where hpcq has a standard gate for the result it is used (``ctrl @ x`` is ``cx``,
``ctrl @ rz`` is ``crz``, ``pow(1/2) @ x`` is ``sx``, ``pow(k) @ rz(θ)`` is
``rz(k*θ)`` for every angle, as Qiskit reads it); other non-integer powers are the
principal power; a controlled rotation gets further controls by the exact construction
``C-R(θ/2), CX, C-R(-θ/2), CX, C-R(θ/2)``, which also holds for symbolic angles; a
controlled user gate is a new composite gate whose body is controlled operation by
operation (built once per gate and parameter values). Everything else with numeric
parameters is built as a :class:`~hpcq.ir.gates.UnitaryGate` (up to
:data:`MAX_UNITARY_QUBITS` qubits); what is left (a symbolic angle with no exact form)
is refused.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from hpcq.ir.circuit import Operation
from hpcq.ir.gates import (
    STANDARD_GATES,
    CompositeGate,
    Gate,
    StandardGate,
    UnitaryGate,
    controlled,
)
from hpcq.ir.parameter import ParameterExpression, ParamValue
from hpcq.ir.qasm3.stdgates import NAMED_POWERS, SCALED_POWERS, controlled_form

# A unitary built by construction has 4**n entries: 10 qubits is 16 MiB.
MAX_UNITARY_QUBITS = 10

_X = STANDARD_GATES["x"]
_CX = STANDARD_GATES["cx"]
_P = STANDARD_GATES["p"]
# Controlled rotations that take one more control by the half-angle construction.
_HALF_ANGLE = frozenset(("cp", "cu1", "crx", "cry", "crz"))


class ModifierError(Exception):
    """A modifier that cannot be applied; the parser adds the place."""


@dataclass
class Piece:
    """Operations on absolute qubits and the phase in front of their product."""

    ops: list[Operation]
    phase: ParamValue = 0.0


def _is_zero(value: ParamValue) -> bool:
    return not isinstance(value, ParameterExpression) and float(value) == 0.0


def _numeric(params: Sequence[ParamValue]) -> bool:
    return not any(isinstance(p, ParameterExpression) and p.parameters for p in params)


@dataclass
class Modifiers:
    """Applies modifiers to pieces, remembering what it built for composite gates.

    Attributes:
        budget: How many more operations the modifiers may create (repetitions of
            ``pow`` and controlled bodies count); bounds the work of adversarial input.
    """

    budget: int
    _inverses: dict[int, tuple[Gate, Gate]] = field(default_factory=dict)
    _controlled: dict[tuple[int, tuple[ParamValue, ...]], tuple[Gate, Gate]] = field(
        default_factory=dict
    )

    def _spend(self, count: int) -> None:
        self.budget -= count
        if self.budget < 0:
            raise ModifierError(
                "the modifiers expand to too many operations (a resource limit of the reader)"
            )

    # --- inv ----------------------------------------------------------------------

    def inverse(self, piece: Piece) -> Piece:
        """``inv @ piece``."""
        self._spend(len(piece.ops))
        return Piece([self._inverse_op(op) for op in reversed(piece.ops)], -piece.phase)

    def _inverse_op(self, op: Operation) -> Operation:
        gate = op.gate
        if isinstance(gate, CompositeGate):
            known = self._inverses.get(id(gate))
            if known is None:
                self._spend(len(gate.body))
                body = [self._inverse_op(o) for o in reversed(gate.body)]
                inverse = CompositeGate(gate.name + "_dg", gate.num_qubits, gate.param_names, body)
                known = self._inverses[id(gate)] = (gate, inverse)
            return Operation(known[1], op.qubits, op.params)
        new_gate, params = gate.inverse_of(op.params)
        return Operation(new_gate, op.qubits, params)

    # --- pow ----------------------------------------------------------------------

    def power(self, piece: Piece, exponent: float, qubits: Sequence[int]) -> Piece:
        """``pow(exponent) @ piece`` on ``qubits`` (the piece's arguments)."""
        if float(exponent).is_integer():
            count = int(exponent)
            if count < 0:
                piece, count = self.inverse(piece), -count
            self._spend(len(piece.ops) * count)
            phase = piece.phase * count if not _is_zero(piece.phase) else 0.0
            return Piece(piece.ops * count, phase)
        if not piece.ops:
            # pow(k) @ gphase(γ) is gphase(k γ).
            return Piece([], piece.phase * exponent)
        if len(piece.ops) == 1 and _is_zero(piece.phase):
            named = self._named_power(piece.ops[0], exponent)
            if named is not None:
                return Piece([named])
        matrix = self._matrix(piece, qubits, "pow")
        values, vectors = _unitary_eigen(matrix)
        angles = np.angle(values)
        # The principal branch takes -1 to exp(i*pi*k); rounding may put it at -pi.
        angles[angles < -math.pi + 1e-9] = math.pi
        powered = (vectors * np.exp(1j * exponent * angles)) @ vectors.conj().T
        return Piece([Operation(UnitaryGate(powered, check=False), tuple(qubits))])

    def _named_power(self, op: Operation, exponent: float) -> Operation | None:
        name = op.gate.name
        if not isinstance(op.gate, StandardGate):
            return None
        target = NAMED_POWERS.get((name, exponent))
        if target is not None:
            return Operation(STANDARD_GATES[target], op.qubits)
        if name in SCALED_POWERS:
            (angle,) = op.params
            return Operation(op.gate, op.qubits, (angle * exponent,))
        return None

    # --- ctrl / negctrl -----------------------------------------------------------

    def control(self, piece: Piece, controls: Sequence[int], negated: Sequence[bool]) -> Piece:
        """``ctrl(n) @ piece`` (``negctrl`` where ``negated``), controls first."""
        ops: list[Operation] = []
        flips = [Operation(_X, (c,)) for c, neg in zip(controls, negated, strict=True) if neg]
        ops.extend(flips)
        if not _is_zero(piece.phase):
            # The phase in front becomes a phase gate on the controls.
            phase = Operation(_P, (controls[-1],), (piece.phase,))
            ops.extend(self._add_controls(phase, controls[:-1]))
        for op in piece.ops:
            ops.extend(self._add_controls(op, controls))
        ops.extend(flips)
        self._spend(len(ops))
        return Piece(ops)

    def _add_controls(self, op: Operation, controls: Sequence[int]) -> list[Operation]:
        ops = [op]
        for control in reversed(controls):
            ops = [new for old in ops for new in self._add_control(old, control)]
        return ops

    def _add_control(self, op: Operation, control: int) -> list[Operation]:
        gate = op.gate
        qubits = (control, *op.qubits)
        if not gate.is_unitary:
            if gate.name == "barrier":
                return [Operation(gate, qubits)]
            raise ModifierError(f"'{gate.name}' cannot be controlled")
        if gate.name in ("id", "u0") and isinstance(gate, StandardGate):
            return [op]
        if isinstance(gate, StandardGate):
            form = controlled_form(gate.name, op.params)
            if form is not None:
                return [Operation(STANDARD_GATES[form[0]], qubits, form[1])]
            if gate.name in _HALF_ANGLE:
                return self._half_angle(op, control)
        if isinstance(gate, CompositeGate):
            return [Operation(self._controlled_composite(gate, op.params), qubits)]
        if not _numeric(op.params):
            raise ModifierError(
                f"'ctrl @' on '{gate.name}' with a symbolic parameter has no exact form "
                "in hpcq's gates"
            )
        if len(qubits) > MAX_UNITARY_QUBITS:
            raise ModifierError(
                f"a controlled '{gate.name}' on {len(qubits)} qubits is larger than the "
                f"{MAX_UNITARY_QUBITS} qubits a constructed unitary may have"
            )
        target = gate.matrix([float(p) for p in op.params])
        return [Operation(UnitaryGate(controlled(target, 1), check=False), qubits)]

    def _half_angle(self, op: Operation, control: int) -> list[Operation]:
        # C_a(C_b(R(θ))) = C_b(R(θ/2)) CX(a,b) C_b(R(-θ/2)) CX(a,b) C_a(R(θ/2)).
        (angle,) = op.params
        b, target = op.qubits
        half = angle / 2
        return [
            Operation(op.gate, (b, target), (half,)),
            Operation(_CX, (control, b)),
            Operation(op.gate, (b, target), (-half,)),
            Operation(_CX, (control, b)),
            Operation(op.gate, (control, target), (half,)),
        ]

    def _controlled_composite(self, gate: CompositeGate, params: tuple[ParamValue, ...]) -> Gate:
        key = (id(gate), params)
        known = self._controlled.get(key)
        if known is None:
            self._spend(len(gate.body))
            shifted = [
                Operation(o.gate, tuple(q + 1 for q in o.qubits), o.params)
                for o in gate.definition(params)
            ]
            body = [new for o in shifted for new in self._add_control(o, 0)]
            built = CompositeGate("c_" + gate.name, gate.num_qubits + 1, (), body)
            known = self._controlled[key] = (gate, built)
        return known[1]

    # --- numeric construction -----------------------------------------------------

    def _matrix(self, piece: Piece, qubits: Sequence[int], what: str) -> np.ndarray:
        from hpcq.sim.unitary import operations_unitary

        if len(qubits) > MAX_UNITARY_QUBITS:
            raise ModifierError(
                f"'{what} @' on {len(qubits)} qubits needs a unitary larger than the "
                f"{MAX_UNITARY_QUBITS} qubits a constructed unitary may have"
            )
        if not all(_numeric(op.params) for op in piece.ops) or not _numeric((piece.phase,)):
            raise ModifierError(
                f"'{what} @' with a non-integer exponent needs numeric parameters here"
            )
        local = {q: i for i, q in enumerate(qubits)}
        ops = [
            Operation(op.gate, tuple(local[q] for q in op.qubits), op.params) for op in piece.ops
        ]
        return np.exp(1j * float(piece.phase)) * operations_unitary(ops, len(qubits))


def _unitary_eigen(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues and a *unitary* matrix of eigenvectors of a unitary ``matrix``.

    ``numpy.linalg.eig`` may return non-orthogonal vectors for a repeated eigenvalue;
    the vectors of each cluster of equal eigenvalues are orthonormalised (eigenvectors
    of distinct eigenvalues of a normal matrix are orthogonal already).
    """
    values, vectors = np.linalg.eig(matrix)
    values = values / np.abs(values)
    order = np.argsort(np.angle(values))
    values, vectors = values[order], vectors[:, order]
    start = 0
    for end in range(1, len(values) + 1):
        if end == len(values) or abs(values[end] - values[start]) > 1e-7:
            q, _ = np.linalg.qr(vectors[:, start:end])
            vectors[:, start:end] = q
            start = end
    return values, vectors
