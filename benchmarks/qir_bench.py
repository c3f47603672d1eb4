"""hpcq's executable against qir-runner on the same QIR modules: shots per second.

Usage::

    python benchmarks/qir_bench.py [--qubits 20] [--seconds 3]

Two 20-qubit circuits, every qubit measured: a GHZ state (h + a cx chain) and the
quantum Fourier transform applied to a basis state prepared with x gates (controlled
phases written as rz/cx). Both are emitted once by ``hpcq.qir.emit``; hpcq's side is
the program ``hpcq.qir.build`` links with the C runtime (run as a subprocess, wall time
including start-up, output written to a pipe), qir-runner's side is ``qirrunner.run``
in this process (output collected by its ``OutputHandler``). The shot count is
calibrated on qir-runner to take about ``--seconds``, and hpcq runs the same count; the
ratio is hpcq's shots per second over qir-runner's. ``--no-shot-cache`` runs hpcq's
program with its shot cache off (every shot simulated from ``|0...0>``).
"""

from __future__ import annotations

import argparse
import math
import subprocess
import tempfile
import time
from pathlib import Path

import qirrunner

from hpcq import Circuit
from hpcq.qir import build, emit


def ghz(n: int) -> Circuit:
    circuit = Circuit(n, n).h(0)
    for q in range(n - 1):
        circuit.cx(q, q + 1)
    return circuit.measure_all()


def qft(n: int) -> Circuit:
    circuit = Circuit(n, n)
    for q in range(0, n, 3):
        circuit.x(q)
    for target in reversed(range(n)):
        circuit.h(target)
        for control in reversed(range(target)):
            angle = math.pi / 2 ** (target - control)
            # controlled phase(angle) = rz(a/2) c; cx; rz(-a/2) t; cx; rz(a/2) t
            circuit.rz(angle / 2, control).cx(control, target)
            circuit.rz(-angle / 2, target).cx(control, target).rz(angle / 2, target)
    for q in range(n // 2):
        circuit.swap(q, n - 1 - q)
    return circuit.measure_all()


def time_hpcq(program: Path, shots: int, *extra: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [str(program), "--shots", str(shots), "--seed", "1", *extra],
        check=True,
        stdout=subprocess.PIPE,
    )
    return time.perf_counter() - start


def time_qir_runner(module: Path, shots: int) -> float:
    handler = qirrunner.OutputHandler()
    start = time.perf_counter()
    qirrunner.run(str(module), shots=shots, rng_seed=1, output_fn=handler.handle)
    return time.perf_counter() - start


def calibrate(module: Path, seconds: float) -> int:
    """The number of shots qir-runner runs in about ``seconds``."""
    shots = 1
    while True:
        elapsed = time_qir_runner(module, shots)
        if elapsed >= seconds / 4 or shots >= 1_000_000:
            break
        shots *= 4 if elapsed < seconds / 16 else 2
    return max(1, int(shots * seconds / max(elapsed, 1e-9)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qubits", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--no-shot-cache", action="store_true")
    args = parser.parse_args()
    extra = ("--no-shot-cache",) if args.no_shot_cache else ()
    print(f"{'circuit':<10} {'hpcq shots/s':>14} {'qir-runner shots/s':>20} {'ratio':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, circuit in (("ghz", ghz(args.qubits)), ("qft", qft(args.qubits))):
            module = Path(tmp) / f"{name}.ll"
            module.write_text(emit(circuit, name=name))
            program = build(module.read_text(), Path(tmp) / name)
            shots = calibrate(module, args.seconds)
            theirs = shots / time_qir_runner(module, shots)
            ours = shots / time_hpcq(program, shots, *extra)
            label = f"{name}{args.qubits}"
            print(
                f"{label:<10} {ours:>14.1f} {theirs:>20.1f} {ours / theirs:>8.2f}"
                f"   ({shots} shots each)"
            )


if __name__ == "__main__":
    main()
