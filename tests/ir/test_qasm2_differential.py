"""hpcq's OpenQASM 2 reader against ``qiskit.qasm2.loads``.

Where both readers accept a program, the circuits have the same unitary up to a
global phase (programs of up to 6 qubits); a list of invalid programs is rejected by
both. The reference is Qiskit's reader with its legacy ``qelib1.inc`` gates built in
(the shared circuits use ``p``, ``sx``...), minus those the program defines itself,
whose own definition both readers then use, plus hpcq's two further gates.
Mutated programs (tokens deleted, duplicated or swapped; derandomized, bounded) widen
the comparison to programs nobody wrote on purpose.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from testsupport import SHARED_CIRCUITS

from hpcq import Circuit, QasmError
from hpcq.ir import qasm2

qiskit_qasm2 = pytest.importorskip("qiskit.qasm2")
from qiskit.circuit import library  # noqa: E402
from qiskit.quantum_info import Operator  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
MAX_QUBITS = 6

# What Qiskit's reader raises on a program it refuses (a wrong parameter count of a
# built-in gate comes out of its circuit construction as a TypeError).
QISKIT_REJECTS = (qiskit_qasm2.QASM2ParseError, TypeError, ValueError)

_DEFINED = re.compile(r"\b(?:gate|opaque)\s+([A-Za-z_][A-Za-z0-9_]*)")
_HPCQ_ONLY = (
    qiskit_qasm2.CustomInstruction("ccz", 0, 3, library.CCZGate, builtin=True),
    qiskit_qasm2.CustomInstruction("ryy", 1, 2, library.RYYGate, builtin=True),
)


def qiskit_loads(text: str):  # type: ignore[no-untyped-def]
    defined = set(_DEFINED.findall(text))
    custom = [
        c
        for c in (*qiskit_qasm2.LEGACY_CUSTOM_INSTRUCTIONS, *_HPCQ_ONLY)
        # u0 is a delay there; a program's own definition replaces a built-in gate.
        if c.name not in defined and c.name != "u0"
    ]
    return qiskit_qasm2.loads(
        text,
        custom_instructions=custom,
        custom_classical=qiskit_qasm2.LEGACY_CUSTOM_CLASSICAL,
    )


def _only_final_measurements(circuit: Circuit) -> bool:
    """Whether every operation is unitary but for measurements that nothing follows."""
    measured: set[int] = set()
    for op in circuit:
        if op.name == "measure":
            measured.update(op.qubits)
        elif op.name != "barrier" and (
            not op.gate.is_unitary or op.condition or measured & set(op.qubits)
        ):
            return False
    return True


def _unitaries(text: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Both readers' unitaries, or None when the program is not a small unitary one."""
    ours = qasm2.loads(text)
    theirs = qiskit_loads(text)
    assert (ours.num_qubits, ours.num_clbits) == (theirs.num_qubits, theirs.num_clbits)
    if not 0 < ours.num_qubits <= MAX_QUBITS or not _only_final_measurements(ours):
        return None
    theirs = theirs.remove_final_measurements(inplace=False)
    return ours.without_measurements().unitary(), np.asarray(Operator(theirs).data)


def _equal_up_to_phase(a: np.ndarray, b: np.ndarray) -> bool:
    overlap = abs(np.vdot(a, b)) / a.shape[0]
    return bool(abs(overlap - 1) < 1e-8)


_HANDWRITTEN = {
    "definitions": """OPENQASM 2.0;
include "qelib1.inc";
gate inner(t) a { rz(t/2) a; sx a; }
gate outer(alpha, beta) a, b { inner(alpha + beta) b; cx a, b; inner(-alpha) a; }
qreg q[3];
outer(0.3, pi/4) q[1], q[0];
h q;
cx q[0], q[2];
""",
    "own-extensions": """OPENQASM 2.0;
include "qelib1.inc";
gate ccz a, b, c { x c; h b; }
gate csx a, b { ry(0.4) b; cx a, b; }
gate ryy(t) a, b { rz(t) a; cx a, b; }
gate c3x a, b, c, d { h d; cx a, d; }
qreg q[4];
h q;
ccz q[0], q[1], q[2];
csx q[2], q[3];
ryy(0.7) q[3], q[0];
c3x q[0], q[1], q[2], q[3];
""",
    "comments": """OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];
// x q[0];
barrier q;
// u3(0.1,0.2,0.3) q[1];
h q;
//cx q[0],q[1];
measure q -> c;
""",
    "expressions": """OPENQASM 2.0;
include "qelib1.inc";
qreg q[1];
u3(-pi/2 + 3*2^2, 1.5e-3 - .5, -(2^3^2)) q[0];
rz(sin(pi/6) + cos(0) + tan(0.25) + exp(1) + ln(2) + sqrt(16)) q[0];
rx(-2^2) q[0];
ry(10 / 4 / 5 - 1 - 2) q[0];
""",
}

_INVALID = {
    "undefined-glued": 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\nxq[0];\n',
    "qelib1-redefined": 'OPENQASM 2.0;\ninclude "qelib1.inc";\ngate h a { x a; }\n',
    "redefined": 'OPENQASM 2.0;\ninclude "qelib1.inc";\ngate g a { x a; }\ngate g a { y a; }\n',
    "index": 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[2];\n',
    "arity": 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncx q[0];\n',
    "params": 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\nrx q[0];\n',
    "same-qubit": 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncx q[1], q[1];\n',
    "sizes": 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg a[2];\nqreg b[3];\ncx a, b;\n',
    "semicolon": 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[0]\nh q[1];\n',
    "register": 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\nh r[0];\n',
    "keyword": 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg measure[2];\n',
    "version": "OPENQASM 3.0;\nqreg q[1];\n",
    "body-qubit": 'OPENQASM 2.0;\ninclude "qelib1.inc";\ngate g a { x b; }\n',
    "unclosed": 'OPENQASM 2.0;\ninclude "qelib1.inc";\ngate g a { x a;\n',
    "block-comment": "OPENQASM 2.0;\n/* no */\nqreg q[1];\n",
    "language-gate": "OPENQASM 2.0;\ngate CX a, b { }\n",
}


def _small_programs() -> dict[str, str]:
    programs = dict(_HANDWRITTEN)
    for path in sorted(SHARED_CIRCUITS.glob("*.qasm")) + sorted(ROOT.glob("examples/*.qasm")):
        text = path.read_text()
        if len(text) < 20_000 and qasm2.loads(text).num_qubits <= MAX_QUBITS:
            programs[f"{path.parent.name}/{path.stem}"] = text
    return programs


SMALL = _small_programs()


@pytest.mark.parametrize("name", sorted(SMALL))
def test_valid_programs_have_qiskits_unitary(name: str) -> None:
    both = _unitaries(SMALL[name])
    if both is None:
        pytest.skip("not a unitary program")
    assert _equal_up_to_phase(*both)


@pytest.mark.parametrize("name", sorted(_INVALID))
def test_invalid_programs_are_rejected_by_both(name: str) -> None:
    text = _INVALID[name]
    with pytest.raises(QasmError) as info:
        qasm2.loads(text)
    assert info.value.line is not None and info.value.column is not None
    with pytest.raises(QISKIT_REJECTS):
        qiskit_loads(text)


_PIECES = re.compile(r"\s+|//[^\n]*|[A-Za-z_][A-Za-z0-9_]*|\d+\.?\d*(?:[eE][-+]?\d+)?|->|==|.")


@st.composite
def token_mutations(draw: st.DrawFn) -> str:
    """A small valid program with one or two tokens deleted, duplicated or swapped."""
    name = draw(st.sampled_from(sorted(SMALL)))
    pieces = _PIECES.findall(SMALL[name])
    for _ in range(draw(st.integers(min_value=1, max_value=2))):
        i = draw(st.integers(min_value=0, max_value=len(pieces) - 1))
        kind = draw(st.sampled_from(["delete", "duplicate", "swap"]))
        if kind == "delete":
            del pieces[i]
        elif kind == "duplicate":
            pieces.insert(i, pieces[i])
        else:
            j = draw(st.integers(min_value=0, max_value=len(pieces) - 1))
            pieces[i], pieces[j] = pieces[j], pieces[i]
    return "".join(pieces)


@pytest.mark.slow
@settings(
    max_examples=800,
    deadline=timedelta(seconds=30),  # a hang guard, not a timing claim
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
@given(token_mutations())
def test_mutated_programs_both_accept_agree(text: str) -> None:
    try:
        qasm2.loads(text)
    except QasmError as error:
        assert error.line is not None and error.column is not None
        # What Qiskit reads, hpcq reads too.
        with pytest.raises(QISKIT_REJECTS):
            qiskit_loads(text)
        return
    try:
        qiskit_loads(text)
    except QISKIT_REJECTS:
        return  # hpcq is more lenient in places (leading zeros, a repeated include...)
    both = _unitaries(text)
    if both is not None:
        assert _equal_up_to_phase(*both)
