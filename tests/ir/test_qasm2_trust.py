"""OpenQASM 2 input that used to give a wrong circuit, a hang or a raw traceback."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from hpcq import Circuit, QasmError
from hpcq.ir import STANDARD_GATES, CompositeGate, qasm2

H = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'  # two lines: errors below are on line 3+


def _error(text: str, **limits: int) -> QasmError:
    with pytest.raises(QasmError) as info:
        qasm2.loads(text, **limits)
    return info.value


# --- a gate inside a comment -------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    ["measure q[0] -> c[0];", "measure q -> c;", "barrier q;", "h q;", "if (c == 1) x q[0];"],
)
@pytest.mark.parametrize("comment", ["// x q[0];", "// u3(0.1,0.2,0.3) q[0];", "//x q[0];"])
def test_a_gate_in_a_comment_is_not_applied(comment: str, statement: str) -> None:
    circuit = qasm2.loads(H + "qreg q[1];\ncreg c[1];\n" + comment + "\n" + statement + "\n")
    expected = qasm2.loads(H + "qreg q[1];\ncreg c[1];\n" + statement + "\n")
    assert circuit == expected


def test_a_commented_gate_before_barrier_does_not_break_a_valid_file() -> None:
    circuit = qasm2.loads(H + "qreg q[1];\n// rz(0.5) q[0];\nbarrier q;\n")
    assert [op.name for op in circuit] == ["barrier"]


def test_comments_between_tokens_and_after_statements() -> None:
    text = H + "qreg q[2]; // two\ncx q[0], // first\n   q[1]; // done\n// x q[1];"
    assert [op.name for op in qasm2.loads(text)] == ["cx"]


# --- names ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "name"), [("xq[0];", "xq"), ("hq[0], q[1];", "hq")])
def test_a_name_glued_to_its_argument_is_one_undefined_name(text: str, name: str) -> None:
    error = _error(H + "qreg q[2];\n" + text + "\n")
    assert f"undefined gate '{name}'" in error.message
    assert (error.line, error.column) == (4, 1)


# --- definitions ---------------------------------------------------------------------

_OWN_DEFINITIONS = {
    # Each deliberately differs from hpcq's gate of the same name.
    "ccz": ("gate ccz a, b, c { x c; }", "ccz q[0], q[1], q[2];"),
    "ryy": ("gate ryy(t) a, b { rz(t) a; }", "ryy(0.5) q[0], q[1];"),
    "csx": ("gate csx a, b { h b; }", "csx q[0], q[1];"),
    "c3x": ("gate c3x a, b, c, d { x a; }", "c3x q[0], q[1], q[2], q[3];"),
    "swap": ("gate swap a, b { cx a, b; }", "swap q[0], q[1];"),
    "rccx": ("gate rccx a, b, c { x b; }", "rccx q[0], q[1], q[2];"),
}


@pytest.mark.parametrize("name", sorted(_OWN_DEFINITIONS))
def test_a_file_defining_an_hpcq_extension_gets_its_own_definition(name: str) -> None:
    definition, use = _OWN_DEFINITIONS[name]
    circuit = qasm2.loads(H + definition + "\nqreg q[4];\n" + use + "\n")
    gate = circuit[0].gate
    assert isinstance(gate, CompositeGate) and gate.name == name
    renamed = definition.replace(f"gate {name}", "gate mine") + "\n" + use.replace(name, "mine")
    expected = qasm2.loads(H + renamed.replace("\n", "\nqreg q[4];\n", 1) + "\n")
    assert np.allclose(circuit.unitary(), expected.unitary())


def test_a_definition_equal_to_the_builtin_keeps_the_builtin() -> None:
    text = (
        "OPENQASM 2.0;\n"
        "gate u3(theta,phi,lambda) q { U(theta,phi,lambda) q; }\n"
        "gate cx c,t { CX c,t; }\n"
        "gate h a { u3(pi/2,0,pi) a; }\n"
        "gate ccz a, b, c { h c; ccx a, b, c; h c; }\n"
        "qreg q[3];\n"
        "h q[0]; cx q[0], q[1]; u3(1,2,3) q[1];\n"
    )
    circuit = qasm2.loads(text.replace("gate ccz a, b, c { h c; ccx a, b, c; h c; }\n", ""))
    for op in circuit:
        assert op.gate is STANDARD_GATES[op.name]
    with_include = qasm2.loads(H + "gate ccz a, b, c { h c; ccx a, b, c; h c; }\n"
                               "qreg q[3];\nccz q[0], q[1], q[2];\n")  # fmt: skip
    assert with_include[0].gate is STANDARD_GATES["ccz"]


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        (H + "gate h a { x a; }\n", 3, 6, "already defined by qelib1.inc"),
        (H + "gate cx a, b { CX a, b; }\n", 3, 6, "already defined by qelib1.inc"),
        ("OPENQASM 2.0;\ngate U a { }\n", 2, 6, "already defined"),
        (H + "gate g a { x a; }\ngate g a { y a; }\n", 4, 6, "already defined"),
        (H + "gate ccz a,b,c { x a; }\ngate ccz a,b,c { x b; }\n", 4, 6, "already defined"),
        (H + "opaque g a;\ngate g a { y a; }\n", 4, 6, "already defined"),
        ('OPENQASM 2.0;\ngate h a { U(0,0,0) a; }\ninclude "qelib1.inc";\n', 3, 9, "'h'"),
        (H + "qreg q[3];\nccz q[0],q[1],q[2];\ngate ccz a,b,c { x a; }\n", 5, 6, "used"),
    ],
)
def test_redefining_a_gate_is_an_error_at_that_line(
    text: str, line: int, column: int, fragment: str
) -> None:
    error = _error(text)
    assert (error.line, error.column) == (line, column)
    assert fragment in error.message


# --- resource limits -----------------------------------------------------------------


def _doubling(levels: int) -> str:
    lines = [H, "gate g0 a { x a; }\n"]
    lines += [f"gate g{k} a {{ g{k - 1} a; g{k - 1} a; }}\n" for k in range(1, levels)]
    lines.append(f"qreg q[1];\ng{levels - 1} q[0];\n")
    return "".join(lines)


def test_an_exponential_expansion_stops_at_the_operation_limit() -> None:
    error = _error(_doubling(40))
    assert error.line == 44 and error.column == 1
    assert "max_operations" in error.message


def test_the_operation_limit_is_adjustable() -> None:
    text = _doubling(11)  # 1024 operations once expanded
    assert len(qasm2.loads(text)) == 1
    error = _error(text, max_operations=1000)
    assert error.line == 15 and "1024" in error.message
    assert len(qasm2.loads(text, max_operations=1024)) == 1


def test_broadcast_counts_toward_the_operation_limit() -> None:
    error = _error(H + "qreg q[2000];\nh q;\n", max_operations=1000)
    assert (error.line, error.column) == (4, 1)


def test_gate_nesting_stops_at_the_depth_limit() -> None:
    lines = [H, "gate g0 a { x a; }\n"]
    lines += [f"gate g{k} a {{ g{k - 1} a; }}\n" for k in range(1, 200)]
    error = _error("".join(lines))
    depth = qasm2.MAX_GATE_DEPTH
    assert error.line == 3 + depth and "max_gate_depth" in error.message
    shallow = "".join(lines[:12]) + "qreg q[1];\ng10 q[0];\n"
    assert len(qasm2.loads(shallow)) == 1
    assert _error(shallow, max_gate_depth=5).line == 8


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        (H + "qreg q[100000000000];\nh q;\n", 3, 8),
        (H + "qreg q[10000000000000000000];\nbarrier q;\n", 3, 8),
        (H + "qreg q[" + "7" * 5000 + "];\n", 3, 8),
        (H + "qreg q[2];\nh q[" + "9" * 5000 + "];\n", 4, 5),
        (H + "qreg q[2];\nh q[" + "9" * 30 + "];\n", 4, 5),
        (H + "qreg q[2];\ncreg c[2];\nif (c == " + "1" * 5000 + ") x q[0];\n", 5, 10),
        (H + "qreg q[1];\nrx(" + "1" * 5000 + ") q[0];\n", 4, 4),
        (H + 'include "a\x00b";\n', 3, 9),
    ],
)
def test_huge_numbers_and_nul_are_qasm_errors_with_a_place(
    text: str, line: int, column: int
) -> None:
    error = _error(text)
    assert (error.line, error.column) == (line, column), error


def test_an_invalid_utf8_file_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.qasm"
    path.write_bytes(H.encode() + b"qreg q[1];\nh q[0]; // caf\xe9\n")
    with pytest.raises(QasmError) as info:
        Circuit.from_file(path)
    assert (info.value.file, info.value.line, info.value.column) == (str(path), 4, 15)


def test_an_invalid_utf8_include_names_its_place(tmp_path: Path) -> None:
    (tmp_path / "bad.inc").write_bytes(b"\n\n  \xff\n")
    main = tmp_path / "main.qasm"
    main.write_text(H + 'include "bad.inc";\n')
    with pytest.raises(QasmError) as info:
        qasm2.load(main)
    assert info.value.file == str((tmp_path / "bad.inc").resolve())
    assert (info.value.line, info.value.column) == (3, 3)


def test_a_byte_order_mark_and_crlf_are_read() -> None:
    text = "\ufeff" + (H + "qreg q[2];\r\n// x q[0];\r\ncx q[0], q[1];\r\n").replace("\n", "\r\n")
    assert [op.name for op in qasm2.loads(text)] == ["cx"]


# --- errors inside gate bodies -----------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [("rz(1/a) b;", "division by zero"), ("rz(ln(a)) b;", "ln"), ("rz(a^-1) b;", "")],
)
def test_a_gate_body_that_cannot_be_evaluated_is_an_error_at_the_application(
    body: str, reason: str
) -> None:
    text = H + f"gate g(a) b {{ {body} }}\nqreg q[1];\nh q[0];\ng(0) q[0];\n"
    error = _error(text)
    assert (error.line, error.column) == (6, 1)
    assert "'g'" in error.message and reason in error.message
    assert "line 3" in error.message  # where the offending body operation is


def test_a_nested_gate_body_error_names_the_application() -> None:
    text = H + (
        "gate inner(t) b { rx(1/t) b; }\n"
        "gate outer(s) b { inner(s - 1) b; }\n"
        "qreg q[1];\nouter(2) q[0];\nouter(1) q[0];\n"
    )
    error = _error(text)
    assert (error.line, error.column) == (7, 1) and "'inner'" in error.message


def test_a_gate_body_overflowing_to_infinity_is_an_error() -> None:
    text = H + "gate g(a) b { rz(a*1e308) b; }\nqreg q[1];\ng(10) q[0];\n"
    assert _error(text).line == 5


# --- linear time ---------------------------------------------------------------------

_PATHOLOGICAL = """
import sys
from hpcq.exceptions import QasmError
from hpcq.ir import qasm2
H = 'OPENQASM 2.0;\\ninclude "qelib1.inc";\\nqreg q[1];\\ncreg c[1];\\n'
texts = [
    H + "\\n" * 26 + "measure q -> c;\\n",
    H + " " * 26 + "barrier q;\\n",
    H + "\\t" * 26 + "h q;\\n",
    H + "//" + "x" * 800 + "\\nmeasure q -> c;\\n",
    H + "\\n" * 100000 + "measure q -> c;\\n",
    H + "//" + "x" * 100000 + "\\nmeasure q -> c;\\n",
    H + "h" * 100000 + " q[0];\\n",
    H + "h q[0], " * 20000 + "\\n",
]
for text in texts:
    try:
        qasm2.loads(text)
    except QasmError:
        pass
print("done")
"""


def test_pathological_whitespace_and_comments_do_not_hang() -> None:
    # Each of these took from seconds to forever when reading backtracked; now they
    # take milliseconds. The guard is generous: only a hang fails it.
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_PATHOLOGICAL)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip() == "done", done.stderr


# --- what other readers accept -------------------------------------------------------


def test_empty_statements_and_a_bare_barrier_read_as_qiskit_reads_them() -> None:
    text = H + "qreg q[2];;\nqreg r[1];\ngate g a, b { ; barrier; }\n;\nbarrier;\ng q[0], r[0];\n"
    circuit = qasm2.loads(text)
    assert [(op.name, op.qubits) for op in circuit] == [("barrier", (0, 1, 2)), ("g", (0, 2))]
    gate = circuit[1].gate
    assert isinstance(gate, CompositeGate) and gate.body[0].qubits == (0, 1)
