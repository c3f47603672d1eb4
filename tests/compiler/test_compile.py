"""hpcq.compile and hpcq.Compiler: each level keeps the unitary; lists; unitaries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import hpcq
from hpcq.compiler import circuit_stats
from hpcq.ir import Circuit, hilbert_schmidt_distance

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _distance(a: Circuit, b: Circuit) -> float:
    return hilbert_schmidt_distance(
        a.without_measurements().unitary(), b.without_measurements().unitary()
    )


@pytest.mark.parametrize("level", [0, 1, 2])
@pytest.mark.parametrize("name", ["qft5", "tfim", "ghz5", "teleport"])
def test_levels_preserve_the_unitary(name: str, level: int) -> None:
    path = EXAMPLES / f"{name}.qasm"
    original = Circuit.from_file(path)
    result = hpcq.compile(path, level, seed=1)
    out = result.circuit
    assert set(out.count_ops()) <= {"u3", "cx", "measure", "barrier", "reset"}
    assert result.stats["after"]["cx"] <= result.stats["before"]["cx"] or level == 0
    if any(op.condition is not None or op.name == "reset" for op in original):
        assert result.stats["verify"]["method"] == "skipped"
        return
    assert result.stats["verify"]["ok"]
    assert _distance(original, out) <= max(1e-5, 10 * result.error_bound)
    assert out.count_ops().get("measure", 0) == original.count_ops().get("measure", 0)


@pytest.mark.slow
def test_level3_on_adder9_beats_qiskit(shared_dir: Path) -> None:
    original = Circuit.from_file(shared_dir / "adder9.qasm")
    result = hpcq.compile(original, 3, seed=1)
    assert result.stats["after"]["cx"] < 93  # Qiskit O3 gives 93
    assert result.stats["verify"]["method"] == "unitary" and result.stats["verify"]["ok"]
    assert _distance(original, result.circuit) <= max(1e-5, 10 * result.error_bound)


def test_level1_cancels_and_fuses() -> None:
    c = Circuit(2).h(0).h(0).cx(0, 1).cx(0, 1).t(1).t(1)
    result = hpcq.compile(c, 1)
    assert result.stats["after"] == circuit_stats(result.circuit)
    assert result.stats["after"]["cx"] == 0 and result.stats["after"]["1q"] == 1
    assert {"Unroll", "Rebase(u3)", "Fuse1Q", "CancelCX"} <= set(result.stats["passes"])
    assert set(result.stats["stages"]) == {"init", "optimization", "finalize"}


def test_qasm_text_and_list_input() -> None:
    text = (EXAMPLES / "ghz5.qasm").read_text()
    results = hpcq.compile([text, Circuit(1).x(0).x(0)], 1)
    assert isinstance(results, list) and len(results) == 2
    assert results[1].circuit.count_ops() == {}


def test_unitary_input_is_synthesized() -> None:
    target = Circuit(2).h(0).cx(0, 1).rz(0.4, 1).cx(0, 1).unitary()
    result = hpcq.compile(target, 2, seed=3)
    assert hilbert_schmidt_distance(result.circuit.unitary(), target) < 1e-3
    assert result.stats["after"]["cx"] <= 2


def test_compiler_serial_keeps_working_between_calls() -> None:
    with hpcq.Compiler(num_workers=0) as compiler:
        a = compiler.compile(EXAMPLES / "qft5.qasm", 2, seed=1)
        b = compiler.compile(EXAMPLES / "qft5.qasm", 2, seed=1)
        assert compiler.map(abs, [-1, 2]).result() == [1, 2]
    assert a.circuit == b.circuit  # same seed, same circuit


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="optimization_level"):
        hpcq.compile(Circuit(1), 5)
    with pytest.raises(ValueError, match="max_block_size"):
        hpcq.compile(Circuit(1), 2, max_block_size=9)
    with pytest.raises(TypeError):
        hpcq.compile(3.5, 1)  # type: ignore[arg-type]
    with pytest.raises(hpcq.QasmError):
        hpcq.compile("OPENQASM 2.0;\nqreg q[1];\nfoo q[0];\n", 1)
    with pytest.raises(ValueError):
        hpcq.compile(np.ones((3, 3)), 1)
