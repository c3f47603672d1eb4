"""The built-in ``stdgates.inc``: the names it defines and hpcq's gates behind them.

``include "stdgates.inc";`` reads no file: each name maps onto one of hpcq's standard
gates with the same matrix (``phase`` and ``cphase`` are ``p`` and ``cp``; ``CX`` is
``cx``). ``u1``, ``u2`` and ``u3`` keep the matrices of OpenQASM 2 and Qiskit, as
Qiskit's reader does; the standard library's own definitions of ``u2`` and ``u3``
differ from those by a global phase, which matters only under ``ctrl @``.

The module also holds what the modifiers need: the standard gate that adds one control
to another (``x`` to ``cx`` to ``ccx``), and the writer's definitions of hpcq's
standard gates that ``stdgates.inc`` lacks.
"""

from __future__ import annotations

import math

from hpcq.ir.parameter import ParamValue

# stdgates.inc name -> hpcq standard gate name.
_SAME_NAME = (
    "p", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "rx", "ry", "rz", "cx", "cy",
    "cz", "cp", "crx", "cry", "crz", "ch", "swap", "ccx", "cswap", "cu", "id", "u1", "u2",
    "u3",
)  # fmt: skip
STDGATES: dict[str, str] = {
    **{name: name for name in _SAME_NAME},
    "CX": "cx",
    "phase": "p",
    "cphase": "cp",
}

# The gates that stdgates.inc defines, in the order it defines them (the writer never
# defines these names itself).
STDGATES_NAMES = frozenset(STDGATES)


def controlled_form(
    name: str, params: tuple[ParamValue, ...]
) -> tuple[str, tuple[ParamValue, ...]] | None:
    """The standard gate equal to ``name(params)`` with one more control qubit first.

    Returns:
        The controlled gate's name and parameters, or ``None`` when hpcq has no
        standard gate for it.
    """
    simple = _ONE_MORE_CONTROL.get(name)
    if simple is not None:
        return simple, params
    if name in _PHASE_GATES:
        return "cp", (_PHASE_GATES[name],)
    if name == "u":
        return "cu", (*params, 0.0)
    if name == "u2":
        return "cu3", (math.pi / 2, *params)
    return None


_ONE_MORE_CONTROL: dict[str, str] = {
    "x": "cx",
    "cx": "ccx",
    "ccx": "c3x",
    "c3x": "c4x",
    "y": "cy",
    "z": "cz",
    "cz": "ccz",
    "h": "ch",
    "swap": "cswap",
    "sx": "csx",
    "p": "cp",
    "u1": "cu1",
    "rx": "crx",
    "ry": "cry",
    "rz": "crz",
    "u3": "cu3",
}
_PHASE_GATES: dict[str, float] = {
    "s": math.pi / 2,
    "sdg": -math.pi / 2,
    "t": math.pi / 4,
    "tdg": -math.pi / 4,
}

# Exact powers of fixed gates that have a standard name: (gate, exponent) -> gate.
NAMED_POWERS: dict[tuple[str, float], str] = {
    ("x", 0.5): "sx",
    ("x", -0.5): "sxdg",
    ("z", 0.5): "s",
    ("z", -0.5): "sdg",
    ("z", 0.25): "t",
    ("z", -0.25): "tdg",
    ("s", 0.5): "t",
    ("sdg", 0.5): "tdg",
    ("s", -1.0): "sdg",
    ("t", -1.0): "tdg",
}

# Gates whose power is the same gate with its angle scaled, ``pow(k) @ rx(θ)`` is
# ``rx(k*θ)``, as Qiskit reads it. It is the principal power for |θ| < 2π (< π for the
# phase gates); beyond, it is the power of the rotation family, the same for numbers
# and symbols.
SCALED_POWERS = frozenset(
    ("rx", "ry", "rz", "rxx", "ryy", "rzz", "crx", "cry", "crz", "p", "u1", "cp", "cu1")
)

# Definitions the OpenQASM 3 writer emits for hpcq's standard gates that stdgates.inc
# lacks; the reader recognises each (by its unitary) as the standard gate again.
# Several parameters are named in their alphabetical order: Qiskit's reader
# (qiskit_qasm3_import 0.6) binds a definition's parameters in sorted-name order.
EXTENSION_DEFINITIONS: dict[str, str] = {
    "u0": "gate u0(gamma) a { U(0, 0, 0) a; }",
    "sxdg": "gate sxdg a { inv @ sx a; }",
    "csx": "gate csx a, b { ctrl @ sx a, b; }",
    "cu1": "gate cu1(p0) a, b { cp(p0) a, b; }",
    "cu3": "gate cu3(p0, p1, p2) a, b { cu(p0, p1, p2, 0) a, b; }",
    "rxx": "gate rxx(theta) a, b { h a; h b; cx a, b; rz(theta) b; cx a, b; h a; h b; }",
    "ryy": (
        "gate ryy(theta) a, b { rx(pi/2) a; rx(pi/2) b; cx a, b; rz(theta) b; cx a, b; "
        "rx(-pi/2) a; rx(-pi/2) b; }"
    ),
    "rzz": "gate rzz(theta) a, b { cx a, b; rz(theta) b; cx a, b; }",
    "ccz": "gate ccz a, b, c { ctrl(2) @ z a, b, c; }",
    "c3x": "gate c3x a, b, c, d { ctrl(3) @ x a, b, c, d; }",
    "c4x": "gate c4x a, b, c, d, e { ctrl(4) @ x a, b, c, d, e; }",
}
