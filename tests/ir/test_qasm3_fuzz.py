"""Property-based fuzzing of the OpenQASM 3 reader: only QasmError with a place comes out.

Valid programs that use every construct are mutated (spans deleted, duplicated or
replaced by tokens of the language, characters flipped) and random token streams are
read. Whatever the input, the reader returns a circuit or raises :class:`QasmError`
with a line and column inside the text; never another exception, never a hang. The
examples are bounded so that the whole module runs in well under a minute.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpcq import Circuit, QasmError
from hpcq.ir import qasm3

pytestmark = pytest.mark.slow

SEEDS = [
    """OPENQASM 3.0;
include "stdgates.inc";
input float[64] theta;
const int n = 3;
gate rot(a) x, y { rz(a) x; ctrl @ ry(a / 2) x, y; gphase(a); }
qubit[n] q;
qreg r[2];
bit[3] c;
creg d[1];
h q[0];
rot(theta) q[0], q[1];
ctrl @ rot(0.5) r[0], q[1], q[2];
negctrl(2) @ x q[0], q[1], r[1];
inv @ pow(0.5) @ s q[2];
U(pi / 2, 0, π) r[0];
ctrl @ gphase(τ / 8) q[0];
c = measure q;
measure r[0] -> d[0];
if (c[0]) x q[1];
if (c == 5) { reset q[0]; h q[1]; }
if (!d[0]) z r[1]; else y r[1];
barrier q, r;
let both = q[0:1] ++ r;
sx both;
""",
    """OPENQASM 3;
include "stdgates.inc";
qubit[4] q;
bit[4] m;
rx(sin(pi / 3) ** 2 + 0x1 - 1_0e-1) q[{0, 3}];
pow(-2) @ cp(euler) q[0], q[1];
ctrl(2) @ rz(0.1) q[1], q[2], q[3];
m[1] = measure q[-1];
""",
]

TOKENS = [
    "qubit", "bit", "qreg", "creg", "gate", "ctrl", "negctrl", "inv", "pow", "@", "measure",
    "reset", "barrier", "if", "else", "for", "while", "def", "delay", "box", "input",
    "const", "let", "U", "gphase", "float[64]", "int", "pi", "π", "(", ")", "[", "]", "{",
    "}", ";", ",", ":", "->", "=", "==", "!=", "!", "+", "-", "*", "/", "**", "^", "%", "0",
    "1", "-1", "2.5", "1e308", "1e999", "0b101", "100ns", "$0", '"stdgates.inc"', "q",
    "q[0]", "c", "x", "h", "cx", "rz", "theta", "/*", "*/", "//", "\n", " ", "include",
    "OPENQASM 3;", "++", "&&", "sqrt", "arcsin", "mod",
]  # fmt: skip


def _check(text: str) -> None:
    try:
        result = qasm3.loads(text)
    except QasmError as error:
        assert error.line is not None and error.column is not None, str(error)
        assert 1 <= error.line <= text.count("\n") + 1, str(error)
        assert error.column >= 1, str(error)
        return
    assert isinstance(result, Circuit)


@st.composite
def _mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            break
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start, min(len(text), start + 12)))
        action = draw(st.sampled_from(["delete", "token", "duplicate", "char"]))
        if action == "delete":
            text = text[:start] + text[end:]
        elif action == "token":
            text = text[:start] + draw(st.sampled_from(TOKENS)) + text[end:]
        elif action == "duplicate":
            text = text[:end] + text[start:end] + text[end:]
        else:
            text = text[:start] + draw(st.characters()) + text[start + 1 :]
    return text


_SETTINGS = settings(
    max_examples=1500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)


@_SETTINGS
@given(_mutated())
def test_mutated_programs_give_a_circuit_or_a_placed_qasm_error(text: str) -> None:
    _check(text)


@_SETTINGS
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join))
def test_random_token_streams_give_a_circuit_or_a_placed_qasm_error(body: str) -> None:
    _check('OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\nbit[2] c;\n' + body)


@_SETTINGS
@given(st.text(max_size=200))
def test_arbitrary_text_gives_a_circuit_or_a_placed_qasm_error(text: str) -> None:
    _check("OPENQASM 3;\n" + text)


def test_the_seeds_are_valid_programs() -> None:
    for seed in SEEDS:
        assert isinstance(qasm3.loads(seed), Circuit)
