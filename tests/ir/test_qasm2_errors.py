"""Malformed OpenQASM 2: every case raises QasmError at the right line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpcq import QasmError
from hpcq.ir import qasm2

H = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'  # two lines: errors below are on line 3+

# (id, text, line, column or None, a fragment of the message)
CORPUS: list[tuple[str, str, int, int | None, str]] = [
    ("undefined-register", H + "qreg q[2];\nh r[0];\n", 4, 3, "undefined register 'r'"),
    ("undefined-gate", H + "qreg q[2];\nfoo q[0];\n", 4, 1, "undefined gate 'foo'"),
    ("index-out-of-range", H + "qreg q[2];\nh q[2];\n", 4, 3, "index 2 is out of range"),
    ("missing-semicolon", H + "qreg q[2];\nh q[0]\nh q[1];\n", 5, 1, "expected ',' or ';'"),
    ("wrong-param-count", H + "qreg q[1];\nrx(0.1, 0.2) q[0];\n", 4, 1, "takes 1 parameter"),
    ("missing-params", H + "qreg q[1];\nu3 q[0];\n", 4, 1, "takes 3 parameter"),
    ("wrong-qubit-count", H + "qreg q[2];\ncx q[0];\n", 4, 1, "acts on 2 qubit"),
    ("same-qubit-twice", H + "qreg q[2];\ncx q[1], q[1];\n", 4, 1, "same qubit twice"),
    ("broadcast-sizes", H + "qreg a[2];\nqreg b[3];\ncx a, b;\n", 5, 1, "different sizes"),
    ("broadcast-overlap", H + "qreg a[2];\ncx a[0], a;\n", 4, 1, "same qubit twice"),
    ("measure-sizes", H + "qreg q[2];\ncreg c[3];\nmeasure q -> c;\n", 5, 1, "different sizes"),
    ("measure-mixed", H + "qreg q[2];\ncreg c[2];\nmeasure q -> c[0];\n", 5, 1, "both sides"),
    ("measure-no-arrow", H + "qreg q[1];\ncreg c[1];\nmeasure q[0] c[0];\n", 5, 14, "'->'"),
    ("measure-into-qubit", H + "qreg q[2];\nmeasure q[0] -> q[1];\n", 4, 17, "quantum register"),
    ("gate-on-creg", H + "qreg q[1];\ncreg c[1];\nx c[0];\n", 5, 3, "classical register"),
    ("if-on-qreg", H + "qreg q[1];\nif (q == 1) x q[0];\n", 4, 5, "quantum register"),
    ("if-undefined", H + "qreg q[1];\nif (c == 1) x q[0];\n", 4, 5, "undefined register 'c'"),
    ("if-missing-eq", H + "qreg q[1];\ncreg c[1];\nif (c = 1) x q[0];\n", 5, 7, "unexpected"),
    ("if-barrier", H + "qreg q[1];\ncreg c[1];\nif (c == 1) barrier q;\n", 5, 13, "cannot be"),
    ("if-negative", H + "qreg q[1];\ncreg c[1];\nif (c == -1) x q[0];\n", 5, 10, "integer"),
    ("duplicate-register", H + "qreg q[1];\ncreg q[2];\n", 4, 6, "already declared"),
    ("zero-size-register", H + "qreg q[0];\n", 3, 8, "at least one"),
    ("real-size-register", H + "qreg q[1.5];\n", 3, 8, "register size"),
    ("register-keyword", H + "qreg measure[2];\n", 3, 6, "reserved word"),
    ("negative-index", H + "qreg q[2];\nh q[-1];\n", 4, 5, "index"),
    ("undefined-identifier", H + "qreg q[1];\nrx(theta) q[0];\n", 4, 4, "undefined identifier"),
    ("division-by-zero", H + "qreg q[1];\nrx(1/0) q[0];\n", 4, 5, "division by zero"),
    ("sqrt-negative", H + "qreg q[1];\nrx(sqrt(-1)) q[0];\n", 4, 4, "cannot evaluate sqrt"),
    ("ln-zero", H + "qreg q[1];\nrx(ln(0)) q[0];\n", 4, 4, "cannot evaluate ln"),
    ("overflow", H + "qreg q[1];\nrx(exp(1000)) q[0];\n", 4, 4, "cannot evaluate exp"),
    ("infinite-literal", H + "qreg q[1];\nrx(1e999) q[0];\n", 4, 4, "not a finite"),
    ("unbalanced-paren", H + "qreg q[1];\nrx((1 + 2) q[0];\n", 4, 12, "expected ',' or ')'"),
    ("empty-expression", H + "qreg q[1];\nrx() q[0];\n", 4, 1, "takes 1 parameter"),
    ("dangling-operator", H + "qreg q[1];\nrx(1 +) q[0];\n", 4, 7, "expected an expression"),
    ("function-no-paren", H + "qreg q[1];\nrx(sin 1) q[0];\n", 4, 8, "'(' after the function"),
    (
        "deep-nesting",
        H + "qreg q[1];\nrx(" + "(" * 5000 + "1" + ")" * 5000 + ") q[0];\n",
        4,
        None,
        "nested",
    ),
    ("deep-unary", H + "qreg q[1];\nrx(" + "-" * 5000 + "1) q[0];\n", 4, None, "nested"),
    ("bad-character", H + "qreg q[1];\nh q[0]; $\n", 4, 9, "unexpected character '$'"),
    ("block-comment", H + "/* nope */\nqreg q[1];\n", 3, 1, "block comments"),
    ("unterminated-string", 'OPENQASM 2.0;\ninclude "qelib1.inc;\n', 2, 9, "unterminated string"),
    ("version-3", "OPENQASM 3.0;\nqreg q[1];\n", 1, 10, "only OpenQASM 2"),
    ("version-not-first", 'include "qelib1.inc";\nOPENQASM 2.0;\n', 2, 1, "first statement"),
    ("version-missing-number", "OPENQASM;\n", 1, 9, "version number"),
    ("missing-include", H + 'include "nowhere.inc";\n', 3, 9, "cannot read include file"),
    ("include-no-string", H + "include qelib1;\n", 3, 9, "file name in double quotes"),
    ("qelib1-missing", "OPENQASM 2.0;\nqreg q[1];\nh q[0];\n", 3, 1, 'include "qelib1.inc"'),
    ("gate-unclosed", H + "gate g a { x a;\nqreg q[1];\n", 4, 1, "not allowed inside a gate"),
    ("gate-eof", H + "gate g a { x a;\n", 3, 6, "not closed"),
    ("gate-undefined-qubit", H + "gate g a { x b; }\n", 3, 14, "not a qubit argument"),
    ("gate-undefined-param", H + "gate g(t) a { rx(s) a; }\n", 3, 18, "undefined parameter 's'"),
    ("gate-indexing", H + "gate g a { x a[0]; }\n", 3, 15, "indexing"),
    ("gate-measure", H + "gate g a { measure a -> c[0]; }\n", 3, 12, "not allowed inside"),
    ("gate-duplicate-qubit", H + "gate g a, a { x a; }\n", 3, 11, "declared twice"),
    ("gate-duplicate-param", H + "gate g(t, t) a { x a; }\n", 3, 11, "declared twice"),
    ("gate-param-is-qubit", H + "gate g(t) t { x t; }\n", 3, 11, "both a parameter"),
    ("gate-redefined", H + "gate g a { x a; }\ngate g a { y a; }\n", 4, 6, "already defined"),
    ("qelib1-incompatible", H + "gate cx a { x a; }\n", 3, 6, "already defined by qelib1"),
    ("gate-no-qubits", H + "gate g { }\n", 3, 8, "qubit argument name"),
    ("gate-same-qubit-in-body", H + "gate g a, b { cx a, a; }\n", 3, 15, "same qubit twice"),
    ("gate-recursive", H + "gate g a { g a; }\n", 3, 12, "undefined gate 'g'"),
    ("opaque-applied", H + "opaque magic a;\nqreg q[1];\nmagic q[0];\n", 5, 1, "opaque"),
    ("opaque-in-body", H + "opaque magic a;\ngate g a { magic a; }\n", 4, 12, "opaque"),
    ("statement-number", H + "qreg q[1];\n42;\n", 4, 1, "expected a statement"),
    ("reset-params", H + "qreg q[1];\nreset(1) q[0];\n", 4, 1, "no parameters"),
    ("barrier-duplicate", H + "qreg q[2];\nbarrier q, q[0];\n", 4, 1, "same qubit twice"),
    ("no-arguments", H + "qreg q[1];\nh;\n", 4, 2, "at least one qubit"),
    ("trailing-comma", H + "qreg q[2];\ncx q[0], ;\n", 4, 10, "register or register[index]"),
    ("missing-bracket", H + "qreg q[2];\nh q[0;\n", 4, 6, "expected ']'"),
    ("late-error-line", H + "qreg q[1];\n" + "h q[0];\n" * 5000 + "h r[0];\n", 5004, 3, "'r'"),
]


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [pytest.param(*case[1:], id=case[0]) for case in CORPUS],
)
def test_malformed_input_raises_qasm_error_at_the_place(
    text: str, line: int, column: int | None, fragment: str
) -> None:
    with pytest.raises(QasmError) as info:
        qasm2.loads(text)
    error = info.value
    assert fragment in error.message, error.message
    assert error.line == line, str(error)
    if column is not None:
        assert error.column == column, str(error)
    assert error.file is None
    assert str(error).startswith(f"<string>:{line}:")


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 40
    assert len({case[0] for case in CORPUS}) == len(CORPUS)


def test_an_error_inside_an_include_names_the_included_file(tmp_path: Path) -> None:
    (tmp_path / "lib.inc").write_text("gate g a {\n  x b;\n}\n")
    main = tmp_path / "main.qasm"
    main.write_text(H + 'include "lib.inc";\n')
    with pytest.raises(QasmError) as info:
        qasm2.load(main)
    assert info.value.file == str(tmp_path / "lib.inc")
    assert (info.value.line, info.value.column) == (2, 5)


def test_an_include_cycle_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.inc").write_text('include "b.inc";\n')
    (tmp_path / "b.inc").write_text('include "a.inc";\n')
    main = tmp_path / "main.qasm"
    main.write_text(H + 'include "a.inc";\n')
    with pytest.raises(QasmError, match="include cycle") as info:
        qasm2.load(main)
    assert info.value.file == str(tmp_path / "b.inc")


def test_a_binary_file_is_a_qasm_error(tmp_path: Path) -> None:
    path = tmp_path / "binary.qasm"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(QasmError, match="UTF-8") as info:
        qasm2.load(path)
    assert info.value.file == str(path)


def test_qasm_errors_survive_pickling() -> None:
    import pickle

    with pytest.raises(QasmError) as info:
        qasm2.loads(H + "qreg q[1];\nh r[0];\n", filename="x.qasm")
    copy = pickle.loads(pickle.dumps(info.value))
    assert (copy.file, copy.line, copy.column, copy.message) == (
        "x.qasm",
        4,
        3,
        "undefined register 'r'",
    )
