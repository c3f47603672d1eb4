"""Malformed and unsupported OpenQASM 3: each raises QasmError at its line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpcq import Circuit, QasmError
from hpcq.ir import qasm3

H = 'OPENQASM 3.0;\ninclude "stdgates.inc";\n'  # two lines: errors below are on line 3+

# (id, text, line, column, a fragment of the message)
CORPUS: list[tuple[str, str, int, int, str]] = [
    (
        "for-loop",
        H + "qubit[2] q;\nfor int i in [0:1] { h q[i]; }\n",
        4,
        1,
        "'for' loops are not supported: hpcq read",
    ),
    (
        "while-loop",
        H + "qubit[1] q;\nbit c;\nwhile (c) { x q[0]; }\n",
        5,
        1,
        "'while' loops are not supported: hpcq re",
    ),
    ("def", H + "def f(qubit a) { h a; }\n", 3, 1, "subroutines ('def') are not supported"),
    (
        "delay",
        H + "qubit[1] q;\ndelay[100ns] q[0];\n",
        4,
        1,
        "'delay' is timing, which hpcq does not r",
    ),
    (
        "box",
        H + "qubit[1] q;\nbox { x q[0]; }\n",
        4,
        1,
        "'box' is timing, which hpcq does not rea",
    ),
    (
        "duration-decl",
        H + "duration d = 10ns;\n",
        3,
        1,
        "durations are timing, which hpcq does no",
    ),
    (
        "duration-literal",
        H + "qubit[1] q;\nrx(10ns) q[0];\n",
        4,
        4,
        "durations ('10ns') are timing, which hpc",
    ),
    (
        "gate-duration",
        H + "qubit[1] q;\nx[20ns] q[0];\n",
        4,
        2,
        "durations on gate calls are timing, whic",
    ),
    ("stretch", H + "stretch s;\n", 3, 1, "'stretch' is timing, which hpcq does not"),
    ("switch", H + "int i = 1;\nswitch (i) { case 1 { } }\n", 4, 1, "'switch' is not supported"),
    ("extern", H + "extern f(int) -> int;\n", 3, 1, "'extern' functions are not supported"),
    ("defcal", H + "defcal x $0 { }\n", 3, 1, "calibrations ('defcal') are not supporte"),
    ("cal", H + "cal { }\n", 3, 1, "calibration blocks ('cal') are not suppo"),
    ("output", H + "output bit c;\n", 3, 1, "'output' declarations are not supported"),
    ("array", H + "array[int[8], 2] a;\n", 3, 1, "arrays are not supported"),
    ("physical", H + "h $0;\n", 3, 3, "physical qubits ('$0') are not supported"),
    ("assign", H + "int i = 1;\ni = 2;\n", 4, 1, "assignment to the classical variable 'i'"),
    ("assign-bits", H + "bit[2] c;\nc = 3;\n", 4, 5, "only 'measure' can be assigned to bits ("),
    (
        "else-register",
        H + "qubit[1] q;\nbit[2] c;\nif (c == 1) x q[0]; else x q[0];\n",
        5,
        21,
        "'else' after a test of a whole register",
    ),
    (
        "nested-if",
        H + "qubit[1] q;\nbit c;\nif (c) { if (c) x q[0]; }\n",
        5,
        10,
        "nested 'if' is not supported",
    ),
    ("complex", H + "complex[float] z;\n", 3, 1, "complex numbers are not supported"),
    (
        "xor",
        H + "qubit[1] q;\nrx(2 ^ 3) q[0];\n",
        4,
        6,
        "bitwise operator '^' is not supported (a",
    ),
    (
        "block-comment-open",
        H + "/* never closed\nqubit q;\n",
        3,
        1,
        "unterminated block comment '/*'",
    ),
    ("version-2", "OPENQASM 2.0;\nqubit q;\n", 1, 10, "this is the OpenQASM 3 reader; the file"),
    ("version-late", H + "OPENQASM 3.0;\n", 3, 1, "'OPENQASM' must be the first statement o"),
    (
        "no-stdgates",
        "OPENQASM 3.0;\nqubit q;\nh q;\n",
        3,
        1,
        "undefined gate 'h' (add include \"stdgate",
    ),
    (
        "qelib1",
        'OPENQASM 3.0;\ninclude "qelib1.inc";\n',
        2,
        9,
        "qelib1.inc is OpenQASM 2's library; Open",
    ),
    ("undefined-gate", H + "qubit[1] q;\nfoo q[0];\n", 4, 1, "undefined gate 'foo'"),
    ("undefined-register", H + "qubit[1] q;\nh r[0];\n", 4, 3, "undefined qubit register 'r'"),
    (
        "index-out-of-range",
        H + "qubit[2] q;\nh q[2];\n",
        4,
        3,
        "index 2 is out of range for 'q' of size",
    ),
    (
        "negative-out-of-range",
        H + "qubit[2] q;\nh q[-3];\n",
        4,
        3,
        "index -3 is out of range for 'q' of size",
    ),
    (
        "missing-semicolon",
        H + "qubit[2] q;\nh q[0]\nh q[1];\n",
        5,
        1,
        "expected ',' or ';', found 'h'",
    ),
    (
        "wrong-param-count",
        H + "qubit[1] q;\nrx(0.1, 0.2) q[0];\n",
        4,
        1,
        "gate 'rx' takes 1 parameter(s), got 2",
    ),
    (
        "wrong-qubit-count",
        H + "qubit[2] q;\ncx q[0];\n",
        4,
        1,
        "gate 'cx' acts on 2 qubit(s), got 1",
    ),
    (
        "same-qubit-twice",
        H + "qubit[2] q;\ncx q[1], q[1];\n",
        4,
        1,
        "'cx' is applied to the same qubit twice",
    ),
    (
        "broadcast-sizes",
        H + "qubit[2] a;\nqubit[3] b;\ncx a, b;\n",
        5,
        1,
        "registers of different sizes in a call o",
    ),
    (
        "measure-sizes",
        H + "qubit[2] q;\nbit[3] c;\nc = measure q;\n",
        5,
        5,
        "'measure' of 2 qubit(s) into 3 bit(s)",
    ),
    (
        "measure-no-target",
        H + "qubit[1] q;\nmeasure q[0];\n",
        4,
        1,
        "'measure' needs a target: 'c = measure q",
    ),
    (
        "measure-into-qubit",
        H + "qubit[2] q;\nmeasure q[0] -> q[1];\n",
        4,
        17,
        "'q' is a qubit register; a bit is needed",
    ),
    (
        "gate-on-bit",
        H + "qubit[1] q;\nbit[1] c;\nx c[0];\n",
        5,
        3,
        "'c' is a bit register; a qubit is needed",
    ),
    (
        "if-on-qubit",
        H + "qubit[1] q;\nif (q[0]) x q[0];\n",
        4,
        5,
        "expected a bit or a bit register to test",
    ),
    (
        "if-value-too-big",
        H + "qubit[1] q;\nbit[2] c;\nif (c == 4) x q[0];\n",
        5,
        10,
        "4 is not a value of 2 bit(s)",
    ),
    (
        "if-barrier",
        H + "qubit[1] q;\nbit c;\nif (c) barrier q;\n",
        5,
        8,
        "'barrier' cannot be conditioned",
    ),
    ("duplicate-register", H + "qubit[1] q;\nbit[2] q;\n", 4, 8, "'q' is already declared"),
    ("zero-size", H + "qubit[0] q;\n", 3, 7, "a qubit register must have at least one"),
    (
        "register-keyword",
        H + "qubit[2] measure;\n",
        3,
        10,
        "'measure' is a reserved word and cannot",
    ),
    ("gate-name-taken", H + "gate x a { h a; }\n", 3, 6, "'x' is already declared"),
    ("input-int", H + "input int n;\n", 3, 7, "'input int' is not supported; inputs of"),
    ("const-no-value", H + "const float c;\n", 3, 13, "constant 'c' needs a value"),
    (
        "const-from-input",
        H + "input float theta;\nconst float c = 2 * theta;\n",
        4,
        17,
        "constant 'c' depends on an input paramet",
    ),
    (
        "input-in-gate",
        H + "input float theta;\ngate g a { rx(theta) a; }\n",
        4,
        15,
        "undefined identifier 'theta' in this gat",
    ),
    ("gate-unclosed", H + "gate g a { x a;\n", 3, 6, "the body of gate 'g' is not closed with"),
    (
        "gate-indexing",
        H + "gate g a { x a[0]; }\n",
        3,
        15,
        "indexing 'a[...]' is not allowed inside",
    ),
    (
        "gate-measure",
        H + "gate g a { measure a; }\n",
        3,
        12,
        "'measure' is not allowed inside a gate d",
    ),
    (
        "gate-undefined-qubit",
        H + "gate g a { x b; }\n",
        3,
        14,
        "'b' is not a qubit argument of this gate",
    ),
    (
        "pow-symbolic",
        H + "input float theta;\nqubit q;\npow(theta) @ x q;\n",
        5,
        5,
        "'pow' needs a constant exponent",
    ),
    ("pow-no-arg", H + "qubit q;\npow @ x q;\n", 4, 1, "'pow' needs an exponent: 'pow(k) @'"),
    (
        "ctrl-zero",
        H + "qubit[2] q;\nctrl(0) @ x q[0], q[1];\n",
        4,
        6,
        "'ctrl' needs at least one control",
    ),
    (
        "ctrl-missing-qubit",
        H + "qubit[2] q;\nctrl @ cx q[0], q[1];\n",
        4,
        8,
        "gate 'cx' acts on 1 control(s) and 2 qub",
    ),
    (
        "ctrl-symbolic-no-form",
        H + "input float theta;\nqubit[3] q;\nctrl @ cu(theta, 0, 0, 0) q[0], q[1], q[2];\n",
        5,
        1,
        "'ctrl @' on 'cu' with a symbolic paramet",
    ),
    ("inv-arg", H + "qubit q;\ninv(2) @ x q;\n", 4, 1, "'inv' takes no argument"),
    (
        "modifier-no-at",
        H + "qubit[2] q;\nctrl x q[0], q[1];\n",
        4,
        6,
        "expected '@' after a gate modifier, foun",
    ),
    (
        "division-by-zero",
        H + "qubit q;\nrx(1/0) q;\n",
        4,
        5,
        "cannot evaluate '/': division by zero",
    ),
    (
        "sqrt-negative",
        H + "qubit q;\nrx(sqrt(-1)) q;\n",
        4,
        4,
        "cannot evaluate sqrt(-1): math domain er",
    ),
    (
        "arcsin-symbolic",
        H + "input float theta;\nqubit q;\nrx(arcsin(theta)) q;\n",
        5,
        4,
        "'arcsin' cannot apply to a symbolic para",
    ),
    (
        "deep-nesting",
        H + "qubit q;\nrx(" + "(" * 5000 + "1" + ")" * 5000 + ") q;\n",
        4,
        36,
        "expression nested more than 32 levels de",
    ),
    (
        "huge-int",
        H + "qubit q;\nrx(" + "9" * 5000 + ") q;\n",
        4,
        4,
        "integer literal '99999999999999999999999",
    ),
    (
        "huge-register",
        H + "qubit[100000000] q;\n",
        3,
        7,
        "a qubit register of 100000000 bits is la",
    ),
    (
        "pow-huge",
        H + "qubit q;\npow(100000000) @ x q;\n",
        4,
        1,
        "the modifiers expand to too many operati",
    ),
    ("annotation", H + "@bind foo\nqubit q;\n", 3, 1, "annotations ('@...') are not supported"),
    ("pragma", H + "#pragma foo\n", 3, 1, "pragmas ('#pragma') are not supported"),
    ("bad-character", H + "qubit q;\nh q; `\n", 4, 6, "unexpected character '`'"),
    (
        "unterminated-string",
        'OPENQASM 3.0;\ninclude "stdgates.inc;\n',
        2,
        9,
        "unterminated string (a string ends on th",
    ),
    ("range-step-zero", H + "qubit[3] q;\nh q[0:0:2];\n", 4, 3, "a range step must not be zero"),
    ("index-real", H + "qubit[3] q;\nh q[1.5];\n", 4, 5, "an index must be an integer, not 1.5"),
    (
        "multi-dim",
        H + "qubit[3] q;\nh q[0][0];\n",
        4,
        7,
        "multi-dimensional indexing is not suppor",
    ),
    (
        "alias-classical",
        H + "bit[2] c;\nlet d = c;\n",
        4,
        9,
        "'c' is a bit register; a qubit is needed",
    ),
    ("string-init", H + 'bit[2] c = "01";\n', 3, 12, "initialising bits from a string is not s"),
    (
        "late-error",
        H + "qubit q;\n" + "h q;\n" * 5000 + "h r;\n",
        5004,
        3,
        "undefined qubit register 'r'",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [pytest.param(*case[1:], id=case[0]) for case in CORPUS],
)
def test_malformed_input_raises_qasm_error_at_the_place(
    text: str, line: int, column: int, fragment: str
) -> None:
    with pytest.raises(QasmError) as info:
        qasm3.loads(text)
    error = info.value
    assert fragment in error.message, error.message
    assert (error.line, error.column) == (line, column), str(error)
    assert error.file is None
    assert str(error).startswith(f"<string>:{line}:{column}: ")


def test_the_corpus_covers_the_unsupported_language_and_is_distinct() -> None:
    assert len(CORPUS) >= 60
    assert len({case[0] for case in CORPUS}) == len(CORPUS)
    names = {case[0] for case in CORPUS}
    for construct in ("for-loop", "while-loop", "def", "delay", "box", "switch", "defcal"):
        assert construct in names


def test_circuit_from_qasm_reports_openqasm3_errors_the_same_way() -> None:
    with pytest.raises(QasmError) as info:
        Circuit.from_qasm(H + "qubit[2] q;\nwhile (true) { h q[0]; }\n")
    assert (info.value.line, info.value.column) == (4, 1)


def test_an_error_in_a_file_and_in_an_include_names_that_file(tmp_path: Path) -> None:
    (tmp_path / "lib.inc").write_text("gate g a {\n  x b;\n}\n")
    main = tmp_path / "main.qasm"
    main.write_text(H + 'include "lib.inc";\n')
    with pytest.raises(QasmError) as info:
        Circuit.from_file(main)
    assert info.value.file == str((tmp_path / "lib.inc").resolve())
    assert (info.value.line, info.value.column) == (2, 5)
    bad = tmp_path / "bad.qasm"
    bad.write_text(H + "qubit q;\nfoo q;\n")
    with pytest.raises(QasmError) as info:
        Circuit.from_file(bad)
    assert str(info.value).startswith(f"{bad}:4:1: ")


def test_an_include_cycle_and_a_missing_include_are_errors(tmp_path: Path) -> None:
    (tmp_path / "a.inc").write_text('include "b.inc";\n')
    (tmp_path / "b.inc").write_text('include "a.inc";\n')
    main = tmp_path / "main.qasm"
    main.write_text(H + 'include "a.inc";\n')
    with pytest.raises(QasmError, match="include cycle"):
        qasm3.load(main)
    main.write_text(H + 'include "nowhere.inc";\n')
    with pytest.raises(QasmError, match="cannot read include file") as info:
        qasm3.load(main)
    assert (info.value.line, info.value.column) == (3, 9)


def test_a_binary_file_is_a_qasm_error(tmp_path: Path) -> None:
    path = tmp_path / "binary.qasm"
    path.write_bytes(b"OPENQASM 3;\n\xff\xfe\x00garbage")
    with pytest.raises(QasmError, match="UTF-8"):
        Circuit.from_file(path)


def test_gate_definitions_nested_too_deep_are_refused_at_the_name() -> None:
    chain = "gate g0 a { x a; }\n" + "".join(
        f"gate g{i} a {{ g{i - 1} a; }}\n" for i in range(1, 70)
    )
    with pytest.raises(QasmError, match="more than max_gate_depth=64") as info:
        qasm3.loads(H + chain)
    assert (info.value.line, info.value.column) == (3 + 64, 6)


def test_definitions_that_double_are_refused_before_they_fill_memory() -> None:
    doubling = "gate g0 a { x a; }\n" + "".join(
        f"gate g{i} a {{ g{i - 1} a; g{i - 1} a; }}\n" for i in range(1, 40)
    )
    with pytest.raises(QasmError, match="10000000 operations") as info:
        qasm3.loads(H + doubling + "qubit q;\ng39 q;\n")
    assert info.value.line == 3 + 24  # 2**24 operations is the first over the limit
    with pytest.raises(QasmError, match="operations"):
        qasm3.loads(H + "qubit[16000000] q;\nh q;\n")
    with pytest.raises(QasmError, match="operations"):
        qasm3.loads(H + "qubit q;\npow(20000000) @ x q;\n")


def test_max_operations_counts_user_gates_expanded() -> None:
    text = H + "gate two a { x a; x a; }\nqubit q;\ntwo q;\ntwo q;\n"
    assert len(qasm3.loads(text, max_operations=4)) == 2
    with pytest.raises(QasmError, match="more than max_operations=3 operations") as info:
        qasm3.loads(text, max_operations=3)
    assert (info.value.line, info.value.column) == (6, 1)
