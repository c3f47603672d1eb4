"""Circuit.from_qasm and Circuit.from_file pass the reader's resource limits on to the
reader the version line chooses (OpenQASM 2 or 3)."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from hpcq import Circuit, QasmError
from hpcq.ir import qasm2, qasm3

HEADERS = {
    2: 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\n',
    3: 'OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\n',
}


def four_gates(version: int) -> str:
    # Lines 4 to 7 hold one gate each.
    return HEADERS[version] + "h q[0];\ncx q[0], q[1];\nx q[1];\nh q[0];\n"


def chain(version: int, depth: int) -> str:
    """Gate definitions nested ``depth`` deep (line 4 onwards), applied on the last line."""
    lines = ["gate g0 a { h a; }"]
    lines += [f"gate g{i} a {{ g{i - 1} a; }}" for i in range(1, depth)]
    return HEADERS[version] + "\n".join(lines) + f"\ng{depth - 1} q[0];\n"


@pytest.mark.parametrize("method", [Circuit.from_qasm, Circuit.from_file])
@pytest.mark.parametrize("keyword", ["max_operations", "max_gate_depth"])
def test_limits_default_to_the_readers_constants(method: object, keyword: str) -> None:
    default = inspect.signature(method).parameters[keyword].default  # type: ignore[arg-type]
    constant = keyword.upper()
    assert default == getattr(qasm2, constant) == getattr(qasm3, constant)


@pytest.mark.parametrize("version", [2, 3])
def test_from_qasm_max_operations_stops_a_small_file_at_its_line(version: int) -> None:
    assert len(Circuit.from_qasm(four_gates(version))) == 4
    with pytest.raises(QasmError) as info:
        Circuit.from_qasm(four_gates(version), max_operations=3)
    # The fourth gate, on line 7, is one too many.
    assert (info.value.line, info.value.column) == (7, 1)
    assert "max_operations" in str(info.value)


@pytest.mark.parametrize("version", [2, 3])
def test_from_qasm_max_gate_depth_stops_the_deeper_definition(version: int) -> None:
    assert len(Circuit.from_qasm(chain(version, 3), max_gate_depth=3)) == 1
    with pytest.raises(QasmError) as info:
        Circuit.from_qasm(chain(version, 3), max_gate_depth=2)
    # g2, defined on line 6, is the third level.
    assert info.value.line == 6
    assert info.value.column is not None
    assert "max_gate_depth" in str(info.value)


@pytest.mark.parametrize("version", [2, 3])
def test_from_qasm_larger_depth_reads_deeper_definitions(version: int) -> None:
    text = chain(version, 100)
    with pytest.raises(QasmError, match="max_gate_depth"):
        Circuit.from_qasm(text)
    circuit = Circuit.from_qasm(text, max_gate_depth=100)
    assert len(circuit) == 1


@pytest.mark.parametrize("version", [2, 3])
def test_from_file_passes_both_limits(tmp_path: Path, version: int) -> None:
    path = tmp_path / "small.qasm"
    path.write_text(four_gates(version))
    with pytest.raises(QasmError) as info:
        Circuit.from_file(path, max_operations=2)
    assert (info.value.file, info.value.line, info.value.column) == (str(path), 6, 1)
    path.write_text(chain(version, 3))
    with pytest.raises(QasmError) as info:
        Circuit.from_file(path, max_gate_depth=1)
    assert (info.value.file, info.value.line) == (str(path), 5)
    assert len(Circuit.from_file(path, max_gate_depth=3, max_operations=1)) == 1


@pytest.mark.parametrize("version", [2, 3])
@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_limits_must_be_positive_integers(version: int, bad: object) -> None:
    with pytest.raises(ValueError, match="max_"):
        Circuit.from_qasm(four_gates(version), max_operations=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_"):
        Circuit.from_qasm(four_gates(version), max_gate_depth=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("version", [2, 3])
def test_a_depth_limit_past_the_recursion_limit_is_still_a_placed_error(version: int) -> None:
    # Raising the limit far beyond the default must not turn a deep program into a
    # RecursionError from inside the reader: it reads, or it is a QasmError with a place.
    text = chain(version, 3000)
    try:
        circuit = Circuit.from_qasm(text, max_gate_depth=10**6)
    except QasmError as exc:
        assert exc.line is not None and exc.column is not None
    else:
        assert len(circuit) == 1


@pytest.mark.parametrize("version", [2, 3])
def test_max_operations_counts_the_circuit_not_unused_definitions(version: int) -> None:
    text = HEADERS[version] + "gate three a { h a; x a; h a; }\nx q[0];\nx q[1];\n"
    assert len(Circuit.from_qasm(text, max_operations=2)) == 2
    with pytest.raises(QasmError) as info:
        Circuit.from_qasm(text + "three q[0];\n", max_operations=4)
    assert (info.value.line, info.value.column) == (7, 1)
