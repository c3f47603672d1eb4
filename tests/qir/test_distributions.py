"""Emitted QIR runs the same in qir-runner and as an hpcq program, matching the exact
distribution from the state vector.

For every circuit: the module parses in pyqir, passes ``hpcq qir check``, runs in
qir-runner, and both samples pass a chi-square test against the exact probabilities
(bins expecting at least 5 shots, p > 1e-4 with fixed seeds), and a two-sample
homogeneity test against each other. The shared circuits carry no measurements, so
every qubit is measured at the end. Shared circuits with more than 12 qubits are left
out for time, though they fit the simulator: qir-runner's sparse simulator takes ~4 s
per shot on heisenberg-16-20 here (hpcq's runtime 0.17 s), hub18 is slower still, and
the others have 26-64 qubits. The ones that run: qft5, tfim, grover5, adder9, qaoa12.
"""

from __future__ import annotations

import math
from pathlib import Path

import pyqir
import pytest
import qirrunner
from qir_reference import exact_distribution, goodness_of_fit, homogeneity, measured

from hpcq.ir import Circuit
from hpcq.qir import check, emit
from hpcq.qir.execute import run
from hpcq.qir.output import counts as parse_counts

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "circuits"
MAX_QUBITS = 12
THRESHOLD = 1e-4

EXAMPLES = ["bell", "ghz5", "teleport"]
SHARED_FITTING = ["qft5", "tfim", "grover5", "adder9", "qaoa12"]


def qir_runner_counts(path: Path, shots: int, seed: int) -> dict[str, int]:
    handler = qirrunner.OutputHandler()
    qirrunner.run(str(path), shots=shots, rng_seed=seed, output_fn=handler.handle)
    return parse_counts(handler.get_output())


def check_circuit(circuit: Circuit, tmp_path: Path, shots: int, name: str) -> None:
    text = emit(circuit, name=name.replace("-", "_"))
    pyqir.Module.from_ir(pyqir.Context(), text, name).verify()
    assert check(text) == []
    path = tmp_path / f"{name}.ll"
    path.write_text(text)
    exact = exact_distribution(circuit)
    assert math.isclose(sum(exact.values()), 1.0, abs_tol=1e-9)
    ours = run(path, shots=shots, seed=11)
    theirs = qir_runner_counts(path, shots, seed=11)
    assert sum(ours.values()) == shots and sum(theirs.values()) == shots
    assert goodness_of_fit(ours, exact) > THRESHOLD, (ours, exact)
    assert goodness_of_fit(theirs, exact) > THRESHOLD, (theirs, exact)
    assert homogeneity(ours, theirs, exact) > THRESHOLD


@pytest.mark.parametrize("name", EXAMPLES)
def test_examples(name: str, tmp_path: Path) -> None:
    circuit = Circuit.from_file(ROOT / "examples" / f"{name}.qasm")
    check_circuit(circuit, tmp_path, 2000, name)


@pytest.mark.slow
@pytest.mark.parametrize("name", SHARED_FITTING)
def test_shared_circuits(name: str, tmp_path: Path) -> None:
    path = SHARED / f"{name}.qasm"
    circuit = Circuit.from_file(path)
    assert circuit.num_qubits <= MAX_QUBITS
    shots = 1000 if circuit.num_qubits <= 9 else 200
    check_circuit(measured(circuit), tmp_path, shots, name)


def test_the_fitting_list_is_every_shared_circuit_within_the_limit() -> None:
    small = sorted(
        p.stem for p in SHARED.glob("*.qasm") if Circuit.from_file(p).num_qubits <= MAX_QUBITS
    )
    assert small == sorted(SHARED_FITTING)


def test_mid_circuit_measurement_reset_and_conditions(tmp_path: Path) -> None:
    circuit = Circuit.with_registers([("q", 3)], [("a", 2), ("b", 1)])
    circuit.h(0).cx(0, 1).measure(0, 0).reset(0).rx(0.7, 0).measure(0, 1)
    circuit.x(2, condition=_condition([0, 1], 1)).cz(1, 2).h(1).measure(1, 2).ry(1.1, 1)
    circuit.measure(2, 0)
    check_circuit(circuit, tmp_path, 2000, "adaptive")


def _condition(bits: list[int], value: int):  # type: ignore[no-untyped-def]
    from hpcq.ir import Condition

    return Condition(tuple(bits), value)
