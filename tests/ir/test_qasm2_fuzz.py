"""Mutation fuzzing of the OpenQASM 2 reader: only QasmError, always with a place.

Seeds are the shared circuits (their first lines: the reader is linear, so a prefix
exercises the same paths as the whole file), the examples and a few programs with
what those lack (gate definitions, opaque, if, broadcasting, comments). Each case
applies a few mutations: tokens deleted, duplicated or swapped, the text truncated,
random characters or bytes inserted, huge numbers, deep parentheses, long
identifiers, NUL, a byte-order mark, CRLF line ends. Whatever comes out, reading it
either gives a circuit (which the writer then round-trips) or raises QasmError with a
line and a column. Runs are derandomized, so CI sees the same cases every time; the
per-case deadline is only a generous hang guard.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from testsupport import SHARED_CIRCUITS

from hpcq import Circuit, QasmError
from hpcq.ir import qasm2

ROOT = Path(__file__).resolve().parents[2]

_HANDWRITTEN = [
    """OPENQASM 2.0;
include "qelib1.inc";
// definitions, nested, with parameters
gate inner(t) a { rz(t/2) a; sx a; }
gate outer(alpha, beta) a, b { inner(alpha + beta) b; cx a, b; inner(-alpha) a; barrier a, b; }
gate ccz a, b, c { h c; ccx a, b, c; h c; }
gate csx a, b { h b; cx a, b; }
opaque magic(p) a;
qreg q[3];
creg c[3];
outer(0.3, pi/4) q[1], q[0];
ccz q[0], q[1], q[2];
csx q[2], q[0];
h q;
cx q[0], q[1];
measure q -> c;
if (c == 5) u3(sin(0.1), -2^2, ln(3)) q[2];
reset q[1];
barrier q;
""",
    """OPENQASM 2.0;
include "qelib1.inc";
gate g(a) b { rz(1/a) b; ry(sqrt(a)) b; }
qreg a[2]; qreg b[2]; creg m[2];
g(2) a[0]; g(0.5) b;
cx a, b; // broadcast
measure a[0] -> m[0]; measure b -> m;
""",
]


def _seeds() -> list[str]:
    seeds = list(_HANDWRITTEN)
    for path in sorted(SHARED_CIRCUITS.glob("*.qasm")) + sorted(ROOT.glob("examples/*.qasm")):
        lines = path.read_text().splitlines(keepends=True)
        seeds.append("".join(lines[:40]))
    return seeds


SEEDS = _seeds()

# Tokens and the blanks between them, so that a mutation can keep the layout.
_PIECES = re.compile(r"\s+|//[^\n]*|[A-Za-z_][A-Za-z0-9_]*|\d+\.?\d*(?:[eE][-+]?\d+)?|->|==|.")

_INSERTS = st.one_of(
    st.sampled_from(
        [
            "\x00",
            "\ufeff",
            "\r\n",
            "//",
            "/*",
            '"',
            "{",
            "}",
            "(",
            ")",
            ";",
            ",",
            "->",
            "==",
            "[",
            "]",
            "\t",
            "\n" * 50,
            " " * 50,
            "gate",
            "qreg",
            "measure",
            "if",
            "pi",
            "U",
            "CX",
        ]
    ),
    st.integers(min_value=1, max_value=5000).map(lambda n: "9" * n),
    st.integers(min_value=1, max_value=3000).map(lambda n: "(" * n + "1" + ")" * (n // 2)),
    st.integers(min_value=1, max_value=3000).map(lambda n: "-" * n + "1"),
    st.integers(min_value=1, max_value=20000).map(lambda n: "x" * n),
    st.text(max_size=8),
)


_KINDS = ["delete", "duplicate", "swap", "truncate", "insert", "crlf", "number", "blanks"]
_HUGE = st.one_of(
    st.integers(min_value=1, max_value=5000).map(lambda n: "7" * n),
    st.integers(min_value=9, max_value=40).map(lambda k: str(10**k)),
    st.sampled_from(["0", "1e999", "4294967296", "18446744073709551616"]),
)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A seed with a few random mutations applied."""
    text = draw(st.sampled_from(SEEDS))
    pieces = _PIECES.findall(text)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        if not pieces:
            pieces = [""]
        kind = draw(st.sampled_from(_KINDS))
        i = draw(st.integers(min_value=0, max_value=len(pieces) - 1))
        if kind == "number":
            # Register sizes, indices, angles and 'if' values, made huge.
            numbers = [k for k, p in enumerate(pieces) if p[:1].isdigit()] or [i]
            i = numbers[draw(st.integers(min_value=0, max_value=len(numbers) - 1))]
            pieces[i] = draw(_HUGE)
        elif kind == "blanks":
            # Blank runs before a statement made older readers backtrack exponentially.
            pieces.insert(i, draw(st.sampled_from(["\n", " ", "\t"])) * 30)
        elif kind == "delete":
            del pieces[i]
        elif kind == "duplicate":
            pieces.insert(i, pieces[i])
        elif kind == "swap":
            j = draw(st.integers(min_value=0, max_value=len(pieces) - 1))
            pieces[i], pieces[j] = pieces[j], pieces[i]
        elif kind == "truncate":
            pieces = pieces[:i]
        elif kind == "insert":
            pieces.insert(i, draw(_INSERTS))
        else:
            pieces = ["\r\n" if p == "\n" else p for p in pieces]
    return "".join(pieces)


def _check(read: Callable[[], Circuit]) -> None:
    """Reading gave a circuit that round-trips, or a QasmError with a place."""
    try:
        circuit = read()
    except QasmError as error:
        assert error.line is not None and error.column is not None, error
        assert error.line >= 1 and error.column >= 1, error
        return
    assert isinstance(circuit, Circuit)
    try:
        text = circuit.to_qasm()
    except ValueError:
        return  # something OpenQASM 2 cannot express; the writer says so
    again = qasm2.loads(text)
    if again != circuit:
        # The writer renames a program's own gate that shares a built-in's name
        # ("ccz" -> "ccz_1"), so that readers with that gate built in see the program's.
        assert len(again) == len(circuit)
        for ours, back in zip(circuit, again, strict=True):
            assert (ours.qubits, ours.params) == (back.qubits, back.params)
            assert (ours.clbits, ours.condition) == (back.clbits, back.condition)
            assert re.fullmatch(re.escape(ours.name) + r"(_\d+)?", back.name), (ours, back)


_FUZZ = settings(
    max_examples=2000,
    deadline=timedelta(seconds=20),  # a hang guard, not a timing claim
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


@pytest.mark.slow
@_FUZZ
@given(mutated())
def test_mutated_text_gives_a_circuit_or_a_placed_error(text: str) -> None:
    _check(lambda: qasm2.loads(text))


@pytest.mark.slow
@settings(_FUZZ, max_examples=400)
@given(mutated(), st.binary(min_size=1, max_size=4), st.integers(min_value=0))
def test_mutated_bytes_in_a_file_give_a_placed_error(
    tmp_path_factory: pytest.TempPathFactory, text: str, junk: bytes, where: int
) -> None:
    data = text.encode("utf-8")
    where %= len(data) + 1
    path = tmp_path_factory.mktemp("fuzz") / "mutated.qasm"
    path.write_bytes(data[:where] + junk + data[where:])
    _check(lambda: qasm2.load(path))
