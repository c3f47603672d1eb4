"""The runtime's deferred gates, gate fusion and shot cache give the right answers.

Every gate kind goes through the fused path (random circuits against the exact
distribution, and mirror circuits U U^-1 on more qubits than the diagonal pass's low
bits, whose outcome is certain); the shot cache is checked with gates that differ
between sessions (parameters) and between shots (teleportation's corrections, reset),
and its switch (``HPCQ_QIR_SHOT_CACHE=0``, ``--no-shot-cache``) must not change a byte
of the output, nor may the JIT.
"""

from __future__ import annotations

import math
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from qir_reference import exact_distribution, goodness_of_fit, measured

from hpcq import Circuit, Parameter
from hpcq.qir import build, emit, runtime_library
from hpcq.qir.execute import run, run_output
from hpcq.qir.output import counts

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
THRESHOLD = 1e-4

ONE_QUBIT = ["h", "x", "y", "z", "s", "sdg", "t", "tdg", "sx"]
ROTATIONS = ["rx", "ry", "rz"]
TWO_QUBIT = ["cx", "cy", "cz", "swap"]
PAIR_ROTATIONS = ["rxx", "ryy", "rzz"]


def random_circuit(n: int, size: int, seed: int) -> Circuit:
    """``size`` gates drawn from every kind the runtime implements."""
    rng = random.Random(seed)
    circuit = Circuit(n)
    for _ in range(size):
        kind = rng.choice(ONE_QUBIT + ROTATIONS + TWO_QUBIT + PAIR_ROTATIONS + ["ccx"])
        width = 3 if kind == "ccx" else 2 if kind in TWO_QUBIT + PAIR_ROTATIONS else 1
        qubits = rng.sample(range(n), width)
        params = [rng.uniform(-math.pi, math.pi)] if kind in ROTATIONS + PAIR_ROTATIONS else []
        circuit.append(kind, qubits, params)
    return circuit


def write_module(circuit: Circuit, tmp_path: Path, name: str) -> Path:
    """The circuit as a ``.ll`` file (run as it is: no optimization in between)."""
    path = tmp_path / f"{name}.ll"
    path.write_text(emit(circuit, name=name))
    return path


def program_output(program: Path, *args: str, cache: bool = True) -> str:
    command = [str(program), *args] + ([] if cache else ["--no-shot-cache"])
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_gate_kind_matches_the_exact_distribution(seed: int, tmp_path: Path) -> None:
    circuit = measured(random_circuit(4, 40, seed))
    path = write_module(circuit, tmp_path, f"random{seed}")
    output = run_output(path, shots=3000, seed=seed)
    assert goodness_of_fit(counts(output), exact_distribution(circuit)) > THRESHOLD
    program = build(path.read_text(), tmp_path / "random")
    assert program_output(program, "--shots", "300", "--seed", "4", cache=False) == (
        program_output(program, "--shots", "300", "--seed", "4")
    )


@pytest.mark.parametrize("seed", [5, 6])
def test_mirror_circuits_return_to_the_prepared_state(seed: int, tmp_path: Path) -> None:
    # 14 qubits: the grouped diagonal pass splits indices at bit 10, so terms on two
    # high qubits, on a high and a low one, and on two low ones all occur.
    n = 14
    forward = random_circuit(n, 150, seed)
    prepared = [q for q in range(n) if (seed >> (q % 3)) & 1 or q % 4 == 0]
    circuit = Circuit(n)
    for q in prepared:
        circuit.x(q)
    circuit.extend(forward)
    circuit.extend(forward.inverse())
    path = write_module(measured(circuit), tmp_path, f"mirror{seed}")
    expected = "".join("1" if q in prepared else "0" for q in reversed(range(n)))
    assert run(path, shots=40, seed=seed) == {expected: 40}
    assert run(path, shots=10, seed=seed, jit=True) == {expected: 10}


def rotation() -> Circuit:
    theta = Parameter("theta")
    return Circuit(2, 2).ry(theta, 0).rx(2 * theta, 1).measure(0, 0).measure(1, 1)


def test_parameters_change_the_gates_between_sessions(tmp_path: Path) -> None:
    # the JIT runs every session in this process: a stale cache would repeat the last
    path = write_module(rotation(), tmp_path, "rotation")
    assert run(path, shots=50, seed=1, params={"theta": math.pi}, jit=True) == {"01": 50}
    assert run(path, shots=50, seed=1, params={"theta": 0.0}, jit=True) == {"00": 50}
    angle = 1.1
    bound = rotation().bind({"theta": angle})
    exact = exact_distribution(bound)
    for jit in (True, False):
        got = run(path, shots=2000, seed=2, params={"theta": angle}, jit=jit)
        assert goodness_of_fit(got, exact) > THRESHOLD
    program = build(path.read_text(), tmp_path / "rotation")
    for theta in ("0", "3.141592653589793", "1.1"):
        args = ("--shots", "200", "--seed", "3", theta)
        assert program_output(program, *args) == program_output(program, *args, cache=False)
    assert set(counts(program_output(program, "--shots", "20", "--seed", "1", "0"))) == {"00"}


def reset_midway() -> Circuit:
    circuit = Circuit(2, 3).h(0).cx(0, 1).measure(0, 0)
    circuit.reset(0)
    return circuit.ry(0.7, 0).measure(0, 1).measure(1, 2)


@pytest.mark.parametrize("name", ["teleport", "reset"])
def test_gates_that_differ_between_shots(name: str, tmp_path: Path) -> None:
    # the cached prefix ends at the first measurement; the corrections that follow
    # depend on it, so the later gates differ from shot to shot
    if name == "teleport":
        circuit = Circuit.from_file(ROOT / "examples" / "teleport.qasm")
    else:
        circuit = reset_midway()
    path = write_module(circuit, tmp_path, name)
    output = run_output(path, shots=3000, seed=8)
    assert goodness_of_fit(counts(output), exact_distribution(circuit)) > THRESHOLD
    assert run_output(path, shots=3000, seed=8, jit=True) == output
    program = build(path.read_text(), tmp_path / name)
    assert program_output(program, "--shots", "3000", "--seed", "8", cache=False) == output


def ghz(n: int) -> Circuit:
    circuit = Circuit(n, n).h(0)
    for q in range(n - 1):
        circuit.cx(q, q + 1)
    return circuit.measure_all()


def test_the_switch_changes_no_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    circuit = measured(random_circuit(12, 120, 9))
    for name, source in (("ghz", ghz(12)), ("mixed", circuit)):
        path = write_module(source, tmp_path, name)
        cached = run_output(path, shots=500, seed=21)
        jit = run_output(path, shots=500, seed=21, jit=True)
        monkeypatch.setenv("HPCQ_QIR_SHOT_CACHE", "0")
        uncached = run_output(path, shots=500, seed=21)
        uncached_jit = run_output(path, shots=500, seed=21, jit=True)
        monkeypatch.delenv("HPCQ_QIR_SHOT_CACHE")
        assert cached == jit == uncached == uncached_jit
        assert cached.count("START") == 500
    assert set(counts(run_output(write_module(ghz(12), tmp_path, "g"), shots=200, seed=1))) == {
        "0" * 12,
        "1" * 12,
    }


def test_help_mentions_the_switch(tmp_path: Path) -> None:
    program = build(emit(ghz(3), name="ghz"), tmp_path / "ghz")
    done = subprocess.run([str(program), "--help"], capture_output=True, text=True, check=True)
    assert "--no-shot-cache" in done.stdout


def test_calls_that_differ_in_one_detail_are_not_confused(tmp_path: Path) -> None:
    runtime = runtime_library()
    host = tmp_path / "cache_host"
    command = [*runtime.compiler, "-std=c99", f"-I{runtime.directory}", str(HERE / "cache_host.c")]
    done = subprocess.run(
        [*command, str(runtime.static), "-lm", "-o", str(host)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    ran = subprocess.run([str(host), "50"], capture_output=True, text=True, timeout=60)
    assert ran.stdout.split() == ["calls", "350", "wrong", "0"], ran.stderr
    assert ran.returncode == 0
    off = subprocess.run(
        [str(host), "50"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HPCQ_QIR_SHOT_CACHE": "0"},
    )
    assert off.stdout == ran.stdout


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_cache_and_fusion_are_leak_free_under_valgrind(tmp_path: Path) -> None:
    mixed = build(emit(measured(random_circuit(11, 60, 4)), name="mixed"), tmp_path / "mixed")
    runtime = runtime_library()
    host = tmp_path / "cache_host"
    compile_host = [*runtime.compiler, "-std=c99", f"-I{runtime.directory}"]
    subprocess.run(
        [*compile_host, str(HERE / "cache_host.c"), str(runtime.static), "-lm", "-o", str(host)],
        check=True,
    )
    for command in (
        [str(mixed), "--shots", "30", "--seed", "1"],
        [str(mixed), "--shots", "3", "--seed", "1", "--no-shot-cache"],
        [str(host), "5"],
    ):
        done = subprocess.run(
            [
                "valgrind",
                "--leak-check=full",
                "--show-leak-kinds=all",
                "--errors-for-leak-kinds=all",
                "--error-exitcode=99",
                *command,
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        assert "All heap blocks were freed -- no leaks are possible" in done.stderr
