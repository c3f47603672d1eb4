"""The built-in ``qelib1.inc``: which names it defines and the gates behind them.

``include "qelib1.inc";`` reads no file. It makes every unitary gate of
:data:`hpcq.ir.STANDARD_GATES` available (the whole of Qiskit's ``qelib1.inc`` plus
hpcq's ``ccz`` and ``ryy``), and the three gates of Qiskit's file that hpcq has no
native entry for (``rccx``, ``rc3x``, ``c3sqrtx``) as composite gates whose unitaries
equal Qiskit's ``RCCXGate``, ``RC3XGate`` and ``C3SXGate``.

Only the gates of the language's own ``qelib1.inc`` (:data:`PAPER_GATES`, the file
published with the OpenQASM 2 paper) are fixed: a program that defines one of them
again is wrong. Every other name is an *extension*: usable without a definition, but a
program's own ``gate`` definition of it replaces hpcq's, since it may mean something
else.
"""

from __future__ import annotations

import functools

from hpcq.ir.gates import STANDARD_GATES, CompositeGate, Gate

# The gates of Qiskit's qelib1.inc, in the order that file defines them.
QELIB1_GATES = tuple(
    [
        "u3",
        "u2",
        "u1",
        "cx",
        "id",
        "u0",
        "u",
        "p",
        "x",
        "y",
        "z",
        "h",
        "s",
        "sdg",
        "t",
        "tdg",
        "rx",
        "ry",
        "rz",
        "sx",
        "sxdg",
        "cz",
        "cy",
        "swap",
        "ch",
        "ccx",
        "cswap",
        "crx",
        "cry",
        "crz",
        "cu1",
        "cp",
        "cu3",
        "csx",
        "cu",
        "rxx",
        "rzz",
        "rccx",
        "rc3x",
        "c3x",
        "c3sqrtx",
        "c4x",
    ]
)

# The gates of the qelib1.inc published with the language: redefining one is an error.
PAPER_GATES = frozenset(
    (
        "u3", "u2", "u1", "cx", "id", "x", "y", "z", "h", "s", "sdg", "t", "tdg",
        "rx", "ry", "rz", "cz", "cy", "ch", "ccx", "crz", "cu1", "cu3",
    )
)  # fmt: skip

# Standard gates that no version of qelib1.inc has: the writer emits a definition for
# them so that other OpenQASM 2 readers understand the file.
EXTENSION_DEFINITIONS = {
    "ccz": "gate ccz a, b, c { h c; ccx a, b, c; h c; }",
    "ryy": (
        "gate ryy(theta) a, b { rx(pi/2) a; rx(pi/2) b; cx a, b; rz(theta) b; cx a, b; "
        "rx(-pi/2) a; rx(-pi/2) b; }"
    ),
}

# The relative-phase Toffolis and the triple-controlled square root of X, written with
# hpcq's standard gates (h = u2(0, pi), t = u1(pi/4) exactly).
_COMPOSITE_SOURCE = """
gate rccx a, b, c {
  h c; t c; cx b, c; tdg c; cx a, c; t c; cx b, c; tdg c; h c;
}
gate rc3x a, b, c, d {
  h d; t d; cx c, d; tdg d; h d;
  cx a, d; t d; cx b, d; tdg d; cx a, d; t d; cx b, d; tdg d;
  h d; t d; cx c, d; tdg d; h d;
}
gate c3sqrtx a, b, c, d {
  h d; cu1(pi/8) a, d; h d; cx a, b;
  h d; cu1(-pi/8) b, d; h d; cx a, b;
  h d; cu1(pi/8) b, d; h d; cx b, c;
  h d; cu1(-pi/8) c, d; h d; cx a, c;
  h d; cu1(pi/8) c, d; h d; cx b, c;
  h d; cu1(-pi/8) c, d; h d; cx a, c;
  h d; cu1(pi/8) c, d; h d;
}
"""


@functools.cache
def composite_gates() -> dict[str, CompositeGate]:
    """The built-in composite gates of ``qelib1.inc``, by name (built once)."""
    from hpcq.ir.qasm2.parser import parse_definitions

    return parse_definitions(_COMPOSITE_SOURCE, "<qelib1.inc>")


@functools.cache
def extension_definitions() -> dict[str, CompositeGate]:
    """:data:`EXTENSION_DEFINITIONS` read as gates: what hpcq's writer says they are."""
    from hpcq.ir.qasm2.parser import parse_definitions

    return parse_definitions("\n".join(EXTENSION_DEFINITIONS.values()), "<qelib1.inc>")


def builtin_gates() -> dict[str, Gate]:
    """Every gate ``include "qelib1.inc";`` defines, by name."""
    gates: dict[str, Gate] = {
        name: gate for name, gate in STANDARD_GATES.items() if gate.is_unitary
    }
    gates.update(composite_gates())
    return gates
