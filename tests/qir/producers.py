"""QIR modules written by other producers (pytket-qir, Q#), generated on demand.

Each program is a function returning the module's text; a producer that is not
installed makes its programs skip. ``DETERMINISTIC`` names the programs whose every
shot records the same values.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import pytest


def _pytket(build: Callable[[], object], profile: str) -> str:
    qir = pytest.importorskip("pytket.qir")
    circuit = build()
    chosen = qir.QIRProfile.BASE if profile == "base" else qir.QIRProfile.ADAPTIVE
    return str(qir.pytket_to_qir(circuit, qir_format=qir.QIRFormat.STRING, profile=chosen))


def _tk_bell() -> object:
    from pytket import Circuit

    return Circuit(2, 2, name="bell").H(0).CX(0, 1).Measure(0, 0).Measure(1, 1)


def _tk_rotations() -> object:
    from pytket import Circuit

    circuit = Circuit(3, 3, name="rotations")
    circuit.Rx(0.3, 0).Ry(0.7, 1).H(2).CZ(0, 2).Rz(0.25, 2).CX(2, 1).S(0).Tdg(1)
    circuit.ZZPhase(0.3, 0, 1).Sdg(2).T(0).Y(1).Z(2).Rx(0.5, 2)
    for q in range(3):
        circuit.Measure(q, q)
    return circuit


def tk_zzmax() -> str:
    """A base-profile module calling pytket-qir's ``__quantum__qis__zzmax__body``, which
    neither qir-runner nor hpcq's runtime provides."""
    from pytket import Circuit

    return _pytket(lambda: Circuit(2, 2).H(0).ZZMax(0, 1).Measure(0, 0).Measure(1, 1), "base")


def _tk_feedforward() -> object:
    from pytket import Circuit
    from pytket.circuit import if_bit

    circuit = Circuit(3, 3, name="feedforward")
    circuit.H(0).Ry(0.4, 2).Measure(0, 0)
    circuit.X(1, condition=if_bit(circuit.bits[0]))
    circuit.Measure(1, 1).Measure(2, 2)
    return circuit


def _tk_deterministic() -> object:
    from pytket import Circuit

    circuit = Circuit(3, 3, name="flips").X(0).CX(0, 2).Measure(0, 0).Measure(1, 1)
    return circuit.Measure(2, 2)


def _qsharp(source: str, profile: str) -> str:
    qsharp = pytest.importorskip("qdk.qsharp")
    qsharp.init(target_profile=getattr(qsharp.TargetProfile, profile))
    qsharp.eval(source)
    return str(qsharp.compile("Main()"))


QS_BELL = """operation Main() : (Result, Result) {
    use (a, b) = (Qubit(), Qubit());
    H(a); CNOT(a, b);
    let r = (M(a), M(b));
    ResetAll([a, b]);
    r
}"""

QS_GHZ = """operation Main() : Result[] {
    use qs = Qubit[4];
    H(qs[0]);
    for i in 1..3 { CNOT(qs[i - 1], qs[i]); }
    MResetEachZ(qs)
}"""

QS_ROTATION = """operation Main() : (Result, Result, Result) {
    use (a, b, c) = (Qubit(), Qubit(), Qubit());
    Ry(1.1, a); Rx(0.7, b); H(c); CZ(a, b); Rz(0.4, b); S(a); Adjoint T(b);
    SWAP(a, b); CCNOT(a, b, c); Adjoint S(c); T(a); R(PauliX, 0.9, c); Y(b);
    (MResetZ(a), MResetZ(b), MResetZ(c))
}"""

QS_TELEPORT = """operation Main() : (Result, Bool, Int) {
    use (msg, a, b) = (Qubit(), Qubit(), Qubit());
    Ry(1.0, msg);
    H(a); CNOT(a, b);
    CNOT(msg, a); H(msg);
    let m1 = M(msg);
    let m2 = M(a);
    if m2 == One { X(b); }
    if m1 == One { Z(b); }
    Ry(-1.0, b);
    let r = M(b);
    ResetAll([msg, a, b]);
    (r, m1 == One, m2 == One ? 1 | 0)
}"""

QS_ARRAYS = """operation Main() : (Result[], (Bool, Int)) {
    use qs = Qubit[3];
    H(qs[0]); H(qs[1]);
    let first = M(qs[0]);
    if first == One { X(qs[2]); }
    let rs = MResetEachZ(qs);
    mutable ones = 0;
    for r in rs { if r == One { set ones += 1; } }
    (rs, (first == One, ones))
}"""

QS_DETERMINISTIC = """operation Main() : (Result[], Result) {
    use qs = Qubit[3];
    X(qs[0]); CNOT(qs[0], qs[2]); SWAP(qs[1], qs[2]);
    let rs = MResetEachZ(qs);
    use t = Qubit();
    H(t); S(t); S(t); H(t);
    (rs, MResetZ(t))
}"""

QS_DOUBLES = """operation Main() : (Result, Double, Double[], Int) {
    use q = Qubit();
    X(q);
    let r = MResetZ(q);
    let d = r == One ? 1.5 | -0.1;
    (r, d, [d * 3.0, 2.0, 1.0e-300, 0.1 + 0.2, -d / 1.0e20, 1.0e21, 123456.789], 42)
}"""

#: name -> (producer, program, profile, function making the module's text)
PROGRAMS: dict[str, tuple[str, str, str, Callable[[], str]]] = {
    "pytket-bell-base": ("pytket-qir", "Bell", "base", lambda: _pytket(_tk_bell, "base")),
    "pytket-bell-adaptive": (
        "pytket-qir",
        "Bell",
        "adaptive",
        lambda: _pytket(_tk_bell, "adaptive"),
    ),
    "pytket-rotations-base": (
        "pytket-qir",
        "rotations and 1-3 qubit gates",
        "base",
        lambda: _pytket(_tk_rotations, "base"),
    ),
    "pytket-feedforward-adaptive": (
        "pytket-qir",
        "conditional X on a measured bit",
        "adaptive",
        lambda: _pytket(_tk_feedforward, "adaptive"),
    ),
    "pytket-flips-base": (
        "pytket-qir",
        "deterministic flips",
        "base",
        lambda: _pytket(_tk_deterministic, "base"),
    ),
    "qsharp-bell-base": (
        "Q#",
        "Bell (tuple of results)",
        "Base",
        lambda: _qsharp(QS_BELL, "Base"),
    ),
    "qsharp-ghz-base": ("Q#", "GHZ-4 (array of results)", "Base", lambda: _qsharp(QS_GHZ, "Base")),
    "qsharp-rotation-base": (
        "Q#",
        "parameterized rotations, R(PauliX), adjoints",
        "Base",
        lambda: _qsharp(QS_ROTATION, "Base"),
    ),
    "qsharp-teleport-adaptive": (
        "Q#",
        "teleportation with branches (result, bool, int)",
        "Adaptive_RI",
        lambda: _qsharp(QS_TELEPORT, "Adaptive_RI"),
    ),
    "qsharp-arrays-adaptive": (
        "Q#",
        "arrays and tuples of results, bools, ints",
        "Adaptive_RI",
        lambda: _qsharp(QS_ARRAYS, "Adaptive_RI"),
    ),
    "qsharp-flips-base": (
        "Q#",
        "deterministic flips",
        "Base",
        lambda: _qsharp(QS_DETERMINISTIC, "Base"),
    ),
    "qsharp-doubles-adaptive": (
        "Q#",
        "doubles in a tuple and an array (deterministic)",
        "Adaptive_RIF",
        lambda: _qsharp(QS_DOUBLES, "Adaptive_RIF"),
    ),
}

DETERMINISTIC = frozenset({"pytket-flips-base", "qsharp-flips-base", "qsharp-doubles-adaptive"})


@functools.cache
def module_text(name: str) -> str:
    """The text of program ``name`` (generated once per session)."""
    return PROGRAMS[name][3]()


def total_variation(a: dict[str, int], b: dict[str, int]) -> float:
    """The total variation distance between two samples' frequencies."""
    na, nb = sum(a.values()), sum(b.values())
    keys = set(a) | set(b)
    return 0.5 * math.fsum(abs(a.get(k, 0) / na - b.get(k, 0) / nb) for k in keys)
