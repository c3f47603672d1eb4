"""What ``compile`` promises: outputs equal to their input by every check users apply.

Every level's output passes :func:`hpcq.ir.equivalent` at its default tolerance and
Qiskit's ``Operator.equiv`` at its defaults, and ``error_bound`` really bounds the
Hilbert-Schmidt distance of output and input. Circuits with unbound parameters compile
at every level and are verified at random values of them.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from precision_circuits import CIRCUITS

import hpcq
from hpcq import Parameter
from hpcq.ir import Circuit, equivalent, hilbert_schmidt_cost, hilbert_schmidt_distance
from hpcq.synthesis import refit, synthesize

SHARED = Path(__file__).resolve().parents[3] / "shared" / "circuits"


def _distance_from_entries(u: np.ndarray, v: np.ndarray) -> float:
    """The Hilbert-Schmidt distance computed independently of hpcq (entrywise)."""
    trace = complex(np.vdot(v, u))
    diff = u - (trace / abs(trace)) * v
    cost = float(np.vdot(diff, diff).real) / (2 * u.shape[0])
    return math.sqrt(max(0.0, cost * (2 - cost)))


def _assert_exact(result: hpcq.CompileResult, original: Circuit) -> None:
    out = result.circuit.without_measurements()
    source = original.without_measurements()
    assert equivalent(out, source), "hpcq.ir.equivalent says the output differs"
    distance = _distance_from_entries(out.unitary(), source.unitary())
    # The error bound is a bound: never below the distance it vouches for (rounding
    # of the unitaries themselves aside).
    assert distance <= result.error_bound + 1e-13
    qiskit = pytest.importorskip("qiskit.quantum_info")
    from hpcq.ir.interop import to_qiskit

    assert qiskit.Operator(to_qiskit(out)).equiv(qiskit.Operator(to_qiskit(source)))


@pytest.mark.parametrize("level", [0, 1, 2, 3])
@pytest.mark.parametrize("name", sorted(CIRCUITS))
def test_small_circuits_are_equivalent_at_every_level(name: str, level: int) -> None:
    # Before the refit: qft4 -O3 at distance 9.9e-5, w4 -O3 7.5e-5; w4 -O2 at 4.0e-8
    # and mod5 -O3 at 2.2e-8 (Qiskit said not equivalent).
    original = Circuit.from_qasm(CIRCUITS[name])
    result = hpcq.compile(original, optimization_level=level, seed=1)
    _assert_exact(result, original)


@pytest.mark.slow
@pytest.mark.parametrize("level", [2, 3])
@pytest.mark.parametrize("name", ["tfim", "adder9"])
def test_shared_circuits_are_equivalent(name: str, level: int) -> None:
    # Before: tfim -O2 1.4e-4, -O3 1.5e-4; adder9 -O2 1.8e-4, -O3 9.7e-5.
    path = SHARED / f"{name}.qasm"
    if not path.exists():
        pytest.skip(f"{path} not found (../shared beside the checkout)")
    original = Circuit.from_file(path)
    _assert_exact(hpcq.compile(original, optimization_level=level, seed=1), original)


def test_distance_is_accurate_below_the_trace_noise_floor() -> None:
    # From the trace, 1 - t rounds to 0 below t ~ 1 - 1e-16: every distance under
    # 1e-8 read as 0 (or noise). From the entries it is measured.
    u = Circuit(2).h(0).cx(0, 1).unitary()
    for angle in (1e-9, 1e-11, 1e-13):
        v = Circuit(2).h(0).cx(0, 1).rz(angle, 1).unitary()
        expected = _distance_from_entries(u, v)
        assert hilbert_schmidt_distance(u, v) == pytest.approx(expected, rel=1e-6)
        assert hilbert_schmidt_cost(u, v) == pytest.approx(expected**2 / 2, rel=1e-5)
    assert hilbert_schmidt_distance(u, 1j * u) < 1e-15


def test_refit_brings_a_rough_circuit_to_rounding() -> None:
    target = Circuit(2).h(0).cx(0, 1).rz(0.3, 1).cx(1, 0).ry(0.7, 0).unitary()
    found = synthesize(target, seed=3)
    rough = found.copy_empty()
    rng = np.random.default_rng(0)
    for op in found:
        params = [p + rng.normal(scale=1e-4) for p in op.params]
        rough.append(op.gate, op.qubits, params)
    before = hilbert_schmidt_distance(rough.unitary(), target)
    fitted = refit(rough, target)
    assert [op.name for op in fitted] == [op.name for op in rough]
    assert before > 1e-5
    assert hilbert_schmidt_distance(fitted.unitary(), target) < 1e-13


def test_refit_never_moves_away_from_the_target() -> None:
    # One CX cannot make a SWAP: the refit stops at the nearest point it finds.
    swap = Circuit(2).swap(0, 1).unitary()
    start = Circuit(2).u3(0.1, 0.2, 0.3, 0).cx(0, 1).u3(0.4, 0.5, 0.6, 1)
    before = hilbert_schmidt_distance(start.unitary(), swap)
    after = hilbert_schmidt_distance(refit(start, swap).unitary(), swap)
    assert after <= before + 1e-15
    assert after > 0.1


def test_refit_refuses_other_gates() -> None:
    with pytest.raises(ValueError, match="u3 and cx gates only"):
        refit(Circuit(1).h(0), np.eye(2))
    with pytest.raises(ValueError, match="not the unitary of a 2-qubit circuit"):
        refit(Circuit(2).cx(0, 1), np.eye(2))


@pytest.mark.parametrize("num_qubits", [2, 3])
def test_synthesize_returns_circuits_within_rounding(num_qubits: int) -> None:
    rng = np.random.default_rng(num_qubits)
    z = rng.normal(size=(2**num_qubits,) * 2) + 1j * rng.normal(size=(2**num_qubits,) * 2)
    q, r = np.linalg.qr(z)
    target = q * (np.diag(r) / abs(np.diag(r)))
    out = synthesize(target, seed=1)
    assert hilbert_schmidt_distance(out.unitary(), target) < 1e-12
    assert equivalent(out.unitary(), target)


def test_synthesize_max_distance_is_checked() -> None:
    with pytest.raises(ValueError, match="max_distance"):
        synthesize(np.eye(4), max_distance=0.0)


def _parameterized() -> Circuit:
    th, ph = Parameter("th"), Parameter("ph")
    return (
        Circuit(3)
        .h(0).cx(0, 1).rz(th, 1).cx(0, 1).h(0).rx(0.3, 1).cx(1, 0).cx(1, 0)
        .rz(2 * th + 1, 0).ry(ph, 2).cx(2, 0).cx(0, 1).t(1).cx(0, 1).cx(1, 2).h(2).cx(1, 2)
    )  # fmt: skip


@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_parameterized_circuits_compile_and_verify(level: int) -> None:
    # Before: TypeError "expression th has unbound parameters: th" at every level.
    original = _parameterized()
    result = hpcq.compile(original, optimization_level=level, seed=1)
    out = result.circuit
    assert out.parameters == {"th", "ph"}
    report = result.stats["verify"]
    assert report["ok"] and report["bindings"] == 3
    for values in ({"th": 0.4, "ph": -1.1}, {"th": 2.5, "ph": 0.0}):
        assert equivalent(out.bind(values), original.bind(values))


def test_verify_with_parameters_finds_a_wrong_circuit() -> None:
    from hpcq.passes.verify import verify

    original = _parameterized()
    wrong = original.copy()
    wrong.rz(Parameter("th") * 1e-3, 2)
    report = verify(original, wrong)
    assert not report.ok and report.bindings == 3
    assert not equivalent(original, wrong)


def test_parameterized_output_reaches_qir_as_arguments() -> None:
    from hpcq.qir import emit

    result = hpcq.compile(_parameterized(), optimization_level=3, seed=1)
    text = emit(result.circuit)
    header = next(line for line in text.splitlines() if line.startswith("define"))
    assert header.count("double") == 2


def test_a_unitary_input_compiles_to_an_exact_circuit() -> None:
    rng = np.random.default_rng(5)
    z = rng.normal(size=(8, 8)) + 1j * rng.normal(size=(8, 8))
    q, r = np.linalg.qr(z)
    target = q * (np.diag(r) / abs(np.diag(r)))
    result = hpcq.compile(target, 2, seed=1)
    assert equivalent(result.circuit.unitary(), target)
    assert result.error_bound < 1e-12
