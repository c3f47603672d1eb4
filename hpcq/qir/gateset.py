"""The gates hpcq emits as QIR calls, and the lowering of everything else to them.

The set is the intersection of what qir-runner implements and what hpcq's C runtime
implements, so that an emitted module runs on both. Gates outside it (``u3``, ``cu1``,
``cswap`` ...) are translated by :class:`hpcq.passes.Rebase` with the ``"qir"`` target
before emission.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hpcq.exceptions import QirError

if TYPE_CHECKING:
    from hpcq.ir import Circuit


@dataclass(frozen=True)
class QisGate:
    """A quantum instruction of the QIR gate set.

    Attributes:
        function: The QIR function name, ``__quantum__qis__<name>__body``.
        num_params: Number of ``double`` angle arguments (they come first).
        num_qubits: Number of qubit arguments.
    """

    function: str
    num_params: int
    num_qubits: int


def _qis(name: str, num_params: int, num_qubits: int) -> QisGate:
    # adjoints are named __quantum__qis__<gate>__adj, with no __body suffix
    suffix = "" if name.endswith("__adj") else "__body"
    return QisGate(f"__quantum__qis__{name}{suffix}", num_params, num_qubits)


#: hpcq gate name -> the QIR instruction it becomes.
QIS_GATES: dict[str, QisGate] = {
    "h": _qis("h", 0, 1),
    "x": _qis("x", 0, 1),
    "y": _qis("y", 0, 1),
    "z": _qis("z", 0, 1),
    "s": _qis("s", 0, 1),
    "sdg": _qis("s__adj", 0, 1),
    "t": _qis("t", 0, 1),
    "tdg": _qis("t__adj", 0, 1),
    "sx": _qis("sx", 0, 1),
    "rx": _qis("rx", 1, 1),
    "ry": _qis("ry", 1, 1),
    "rz": _qis("rz", 1, 1),
    "cx": _qis("cx", 0, 2),
    "cy": _qis("cy", 0, 2),
    "cz": _qis("cz", 0, 2),
    "swap": _qis("swap", 0, 2),
    "ccx": _qis("ccx", 0, 3),
    "rxx": _qis("rxx", 1, 2),
    "ryy": _qis("ryy", 1, 2),
    "rzz": _qis("rzz", 1, 2),
}

#: Operations that emit no gate call (identity and scheduling hints).
IGNORED = frozenset({"id", "barrier"})

#: Non-unitary operations the emitter handles itself.
DIRECTIVES = frozenset({"measure", "reset"})

MEASURE = _qis("mz", 0, 1)
RESET = _qis("reset", 0, 1)


def needs_lowering(circuit: Circuit) -> list[str]:
    """Names of the operations of ``circuit`` outside the QIR gate set, sorted."""
    names = {op.name for op in circuit}
    return sorted(names - set(QIS_GATES) - IGNORED - DIRECTIVES)


def lower(circuit: Circuit) -> Circuit:
    """``circuit`` with every gate in the QIR gate set.

    Circuits already in the set are returned unchanged; others go through
    ``hpcq.passes.Rebase("qir")``.

    Raises:
        QirError: A gate is outside the set and the rebase pass is unavailable or
            leaves it in place.
    """
    missing = needs_lowering(circuit)
    if not missing:
        return circuit
    try:
        from hpcq.passes.rebase import Rebase
    except ImportError as exc:
        raise QirError(
            f"gates {', '.join(missing)} are outside the QIR gate set and "
            "hpcq.passes.Rebase is not available to translate them"
        ) from exc
    lowered = Rebase("qir").run(circuit)
    left = needs_lowering(lowered)
    if left:
        raise QirError(f"Rebase('qir') left gates outside the QIR gate set: {', '.join(left)}")
    return lowered
