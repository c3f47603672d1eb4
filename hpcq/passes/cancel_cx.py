""":class:`CancelCX`: cancellation of inverse gate pairs, through commuting gates."""

from __future__ import annotations

import math
from collections.abc import Sequence

from hpcq.ir.circuit import Circuit, Operation
from hpcq.ir.gates import StandardGate
from hpcq.ir.parameter import ParameterExpression, ParamValue
from hpcq.passes.base import TransformationPass

# How a gate acts on each of its qubits, in argument order: "Z" when the gate commutes
# with Z on that qubit (block-diagonal in the computational basis there), "X" when it
# commutes with X there, None when neither is known. Two gates commute when on every
# qubit they share both are "Z" or both are "X": each is then block-diagonal in a
# common basis of the shared qubits, with blocks acting on disjoint other qubits.
_DIAGONAL = ("id", "u0", "z", "s", "sdg", "t", "tdg", "rz", "p", "u1")
_DIAGONAL_2Q = ("cz", "cp", "cu1", "crz", "rzz")
_X_LIKE = ("x", "rx", "sx", "sxdg")
_WIRE_TYPES: dict[str, tuple[str | None, ...]] = {
    **{name: ("Z",) for name in _DIAGONAL},
    **{name: ("Z", "Z") for name in _DIAGONAL_2Q},
    "ccz": ("Z", "Z", "Z"),
    **{name: ("X",) for name in _X_LIKE},
    "rxx": ("X", "X"),
    "cx": ("Z", "X"),
    "crx": ("Z", "X"),
    "csx": ("Z", "X"),
    "ccx": ("Z", "Z", "X"),
    "c3x": ("Z", "Z", "Z", "X"),
    "c4x": ("Z", "Z", "Z", "Z", "X"),
    "cy": ("Z", None),
    "ch": ("Z", None),
    "cry": ("Z", None),
    "cu3": ("Z", None),
    "cu": ("Z", None),
    "cswap": ("Z", None, None),
}

# Gates whose unitary does not change under some permutations of their qubits.
_SYMMETRIC = frozenset({"cz", "cp", "cu1", "rzz", "rxx", "ryy", "swap", "ccz"})
_SYMMETRIC_CONTROLS = frozenset({"ccx", "c3x", "c4x"})


class CancelCX(TransformationPass):
    """Remove pairs of gates that multiply to the identity.

    Self-inverse pairs (``cx cx``, ``h h``, ``swap swap``...) and inverse pairs (``s
    sdg``, ``t tdg``, ``rz(a) rz(-a)``, ``u3`` and its inverse...) cancel when they are
    adjacent on their qubits, or when every gate between them on those qubits commutes
    with them. Commutation is decided per qubit (see the wire types in the source): a
    ``cx`` passes diagonal gates on its control, ``x``-like gates on its target, and
    other ``cx`` sharing its control or its target; diagonal gates pass each other.
    Symmetric gates match in any qubit order (``cz(a, b)`` cancels ``cz(b, a)``).

    One pass over the operations, keeping the live gates of each wire, so cancellations
    nest (``h cx cx h`` cancels completely); the search back along a wire stops at the
    first gate that does not commute, or after ``max_lookback`` gates, which keeps the
    pass linear. Conditioned gates, measurements, resets, barriers, unitary blocks and
    user-defined gates never cancel and are never crossed.

    Args:
        max_lookback: The most commuting gates a search crosses on one wire.
        atol: Tolerance when comparing numeric angles of an inverse pair.

    Example:
        >>> from hpcq import Circuit
        >>> from hpcq.passes import CancelCX, PassManager
        >>> PassManager(CancelCX()).run(Circuit(3).cx(0, 1).t(0).cx(0, 2).cx(0, 1).tdg(0))
        Circuit(3 qubits, 0 clbits, 1 operations: cx 1)
    """

    def __init__(self, max_lookback: int = 64, atol: float = 1e-12) -> None:
        super().__init__()
        if max_lookback < 1:
            raise ValueError(f"max_lookback must be at least 1, not {max_lookback}")
        self.max_lookback = max_lookback
        self.atol = atol

    def run(self, passmanager_ir: Circuit) -> Circuit:
        out: list[Operation | None] = []
        # Per position in ``out``: wire types (None for a gate that never commutes or
        # cancels) and the (name, qubit key) an inverse must match.
        kinds: list[tuple[str | None, ...] | None] = []
        keys: list[tuple[object, ...] | None] = []
        wires: list[list[int]] = [[] for _ in range(passmanager_ir.num_qubits)]
        for op in passmanager_ir:
            plain = _is_plain(op)
            key = (op.name, _qubit_key(op)) if plain else None
            types = _types(op) if plain else None
            if plain and op.gate.is_unitary:
                position = self._find_inverse(op, types, out, kinds, keys, wires)
                if position is not None:
                    earlier = out[position]
                    assert earlier is not None
                    out[position] = None
                    for qubit in earlier.qubits:
                        _remove_from_end(wires[qubit], position)
                    continue
            position = len(out)
            out.append(op)
            kinds.append(types)
            keys.append(key)
            for qubit in op.qubits:
                wires[qubit].append(position)
        result = passmanager_ir.copy_empty()
        result.extend(op for op in out if op is not None)
        return result

    def _find_inverse(
        self,
        op: Operation,
        types: tuple[str | None, ...] | None,
        out: Sequence[Operation | None],
        kinds: Sequence[tuple[str | None, ...] | None],
        keys: Sequence[tuple[object, ...] | None],
        wires: Sequence[list[int]],
    ) -> int | None:
        """The position of a gate that cancels ``op`` and that ``op`` can reach, or None.

        ``op`` can move back past everything after the last gate that blocks it on
        any of its wires (the *floor*); a cancelling gate must sit at or after it.
        """
        assert types is not None
        op_types = dict(zip(op.qubits, types, strict=True))
        floor = -1
        # Look at the last gate of every wire first: a blocker there (a u3 on the
        # target of a cx, say) cuts the longer walks on the other wires short.
        for qubit in op.qubits:
            line = wires[qubit]
            if line and not _commutes(out[line[-1]], kinds[line[-1]], op_types):  # type: ignore[arg-type]
                floor = max(floor, line[-1])
        for qubit in op.qubits:
            line = wires[qubit]
            lowest = max(0, len(line) - self.max_lookback)
            index = len(line) - 1
            while index >= lowest:
                position = line[index]
                if position <= floor:
                    break
                if not _commutes(out[position], kinds[position], op_types):  # type: ignore[arg-type]
                    floor = position
                    break
                index -= 1
            else:
                if index >= 0:  # the lookback ran out before a blocker: stay safe
                    floor = max(floor, line[index + 1] if index + 1 < len(line) else -1)
        inverse_gate, inverse_params = op.gate.inverse_of(op.params)
        wanted = (inverse_gate.name, _qubit_key(op))
        line = wires[op.qubits[0]]
        for index in range(len(line) - 1, -1, -1):
            position = line[index]
            if position < floor:
                return None
            if keys[position] == wanted and self._inverse_params(
                op, inverse_params, out[position]
            ):
                return position
        return None

    def _inverse_params(
        self, op: Operation, inverse_params: Sequence[ParamValue], earlier: Operation | None
    ) -> bool:
        """Whether ``earlier``'s parameters undo ``op``'s (``inverse_params`` undo ``op``)."""
        assert earlier is not None
        if _params_close(inverse_params, earlier.params, self.atol):
            return True
        # -(-theta) is not theta structurally: try the inverse of the earlier gate too.
        _, undo_earlier = earlier.gate.inverse_of(earlier.params)
        return _params_close(undo_earlier, op.params, self.atol)


def _is_plain(op: Operation) -> bool:
    return isinstance(op.gate, StandardGate) and op.condition is None


def _types(op: Operation) -> tuple[str | None, ...]:
    types = _WIRE_TYPES.get(op.name) if isinstance(op.gate, StandardGate) else None
    return types if types is not None else (None,) * len(op.qubits)


def _commutes(
    other: Operation, kinds: tuple[str | None, ...] | None, op_types: dict[int, str | None]
) -> bool:
    """Whether ``other`` (wire types ``kinds``) commutes with the gate of ``op_types``."""
    if kinds is None:
        return False
    for qubit, kind in zip(other.qubits, kinds, strict=True):
        if qubit in op_types and (kind is None or kind != op_types[qubit]):
            return False
    return True


def _qubit_key(op: Operation) -> tuple[object, ...]:
    name, qubits = op.name, op.qubits
    if name in _SYMMETRIC:
        return tuple(sorted(qubits))
    if name in _SYMMETRIC_CONTROLS:
        return (*sorted(qubits[:-1]), qubits[-1])
    if name == "cswap":
        return (qubits[0], *sorted(qubits[1:]))
    return qubits


def _params_close(a: Sequence[ParamValue], b: Sequence[ParamValue], atol: float) -> bool:
    for x, y in zip(a, b, strict=True):
        if isinstance(x, ParameterExpression) or isinstance(y, ParameterExpression):
            if x != y:
                return False
        elif not math.isclose(float(x), float(y), rel_tol=0.0, abs_tol=atol):
            return False
    return True


def _remove_from_end(line: list[int], position: int) -> None:
    for index in range(len(line) - 1, -1, -1):
        if line[index] == position:
            del line[index]
            return
    raise AssertionError(f"position {position} is not on the wire")
