"""Base-profile QIR of other producers read into a Circuit, optimized, and written back.

The written module records the same outputs (labels and all): qir-runner's counts on it
are within total variation distance 0.05 of its counts on the original at 2000 shots
(equal for deterministic programs), unchanged and after ``hpcq.compile`` at -O3.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import qirrunner
from producers import DETERMINISTIC, PROGRAMS, module_text, total_variation

from hpcq import QirError, compile
from hpcq.qir import check
from hpcq.qir.circuits import read_circuit
from hpcq.qir.execute import run
from hpcq.qir.output import counts as parse_counts

SHOTS = 2000
BASE = sorted(n for n, p in PROGRAMS.items() if p[2].lower() == "base")
ADAPTIVE = sorted(set(PROGRAMS) - set(BASE))


def qir_runner_counts(path: Path, seed: int) -> dict[str, int]:
    handler = qirrunner.OutputHandler()
    qirrunner.run(str(path), shots=SHOTS, rng_seed=seed, output_fn=handler.handle)
    return parse_counts(handler.get_output())


#: CX gates needed for each multi-qubit gate of the readers' gate set
CX_COST = {"cx": 1, "cy": 1, "cz": 1, "ch": 2, "cu1": 2, "rxx": 2, "ryy": 2, "rzz": 2}
CX_COST |= {"swap": 3, "ccx": 6}


def cx_count(circuit: object) -> int:
    """The CX gates of ``circuit`` once its multi-qubit gates are written with CX."""
    return sum(CX_COST.get(op.name, 0) for op in circuit)  # type: ignore[attr-defined]


def _same_outputs(name: str, original: Path, written: str, tmp_path: Path) -> float:
    assert [v for v in check(written) if not v.warning] == []
    path = tmp_path / "written.ll"
    path.write_text(written)
    before = qir_runner_counts(original, seed=5)
    after = qir_runner_counts(path, seed=6)
    ours = run(path, shots=SHOTS, seed=7)
    if name in DETERMINISTIC:
        assert before == after == ours
        return 0.0
    assert total_variation(ours, after) < 0.05
    distance = total_variation(before, after)
    assert distance < 0.05, (before, after)
    return distance


@pytest.mark.parametrize("name", BASE)
def test_read_and_written_back_unchanged(name: str, tmp_path: Path) -> None:
    original = tmp_path / "original.ll"
    original.write_text(module_text(name))
    read = read_circuit(module_text(name), str(original))
    assert any(op.name == "measure" for op in read.circuit)  # type: ignore[attr-defined]
    _same_outputs(name, original, read.write(), tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("name", BASE)
def test_optimized_at_o3_records_the_same_outputs(name: str, tmp_path: Path) -> None:
    original = tmp_path / "original.ll"
    original.write_text(module_text(name))
    read = read_circuit(module_text(name), str(original))
    optimized = compile(read.circuit, optimization_level=3).circuit
    assert cx_count(optimized) <= cx_count(read.circuit)
    _same_outputs(name, original, read.write(optimized), tmp_path)


@pytest.mark.parametrize("name", ADAPTIVE)
def test_adaptive_modules_are_refused_naming_the_construct(name: str) -> None:
    with pytest.raises(
        QirError, match=r"@\S+: .*(conditional branch|classical computation|result read)"
    ):
        read_circuit(module_text(name), name)


def test_a_call_to_a_classical_function_is_named() -> None:
    text = (
        module_text("pytket-bell-base")
        .replace(
            "  call void @__quantum__qis__h__body(ptr null)\n",
            "  call void @__quantum__qis__h__body(ptr null)\n  call void @helper()\n",
        )
        .replace(
            "declare void @__quantum__qis__h__body(ptr)",
            "declare void @__quantum__qis__h__body(ptr)\ndeclare void @helper()",
        )
    )
    with pytest.raises(QirError, match="a call to @helper, which is not a quantum instruction"):
        read_circuit(text, "prog.ll")
