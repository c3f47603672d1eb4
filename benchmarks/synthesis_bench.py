"""Synthesis benchmark: hpcq's QSearch/LEAP beside BQSKit's passes, same run, same machine.

Usage (from the repository root)::

    python benchmarks/synthesis_bench.py              # everything, BQSKit with 2 workers
    python benchmarks/synthesis_bench.py --no-bqskit  # hpcq only
    python benchmarks/synthesis_bench.py --workers 2 --hpcq-workers 0

Prints one line per measurement: random 2-qubit, Toffoli (hpcq qsearch vs BQSKit
QSearchSynthesisPass), Haar-random 3-qubit seeds 0..4 (hpcq auto vs BQSKit
LEAPSynthesisPass, median wall time), a random 4-qubit unitary, one instantiation of
the 14-CX 3-qubit template, numba JIT time with a cold and a warm cache, and the peak
memory of the hpcq process.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def haar(dim: int, seed: int) -> np.ndarray:
    """A Haar-random unitary from ``numpy.random.default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    z = (rng.normal(size=(dim, dim)) + 1j * rng.normal(size=(dim, dim))) / np.sqrt(2)
    q, r = np.linalg.qr(z)
    return q * (np.diag(r) / np.abs(np.diag(r)))


def hpcq_run(
    target: np.ndarray, method: str, client: Any, seed: int = 1
) -> tuple[int, float, float]:
    from hpcq.ir import hilbert_schmidt_cost
    from hpcq.synthesis import synthesize

    begin = time.perf_counter()
    circuit = synthesize(target, method=method, seed=seed, compiler=client)
    seconds = time.perf_counter() - begin
    cost = hilbert_schmidt_cost(circuit.unitary(), target)
    return circuit.count_ops().get("cx", 0), seconds, cost


def bqskit_run(target: np.ndarray, which: str, compiler: Any) -> tuple[int, float, float]:
    from bqskit import Circuit as BCircuit
    from bqskit.ir.gates import CNOTGate
    from bqskit.passes import LEAPSynthesisPass, QSearchSynthesisPass

    pass_ = LEAPSynthesisPass() if which == "leap" else QSearchSynthesisPass()
    begin = time.perf_counter()
    out = compiler.compile(BCircuit.from_unitary(target), [pass_])
    seconds = time.perf_counter() - begin
    u = out.get_unitary().numpy
    cost = 1 - abs(np.vdot(target, u)) / target.shape[0]
    return out.count(CNOTGate()), seconds, cost


def instantiation_us(repeats: int) -> float:
    from hpcq.synthesis import cyclic_template, instantiate

    template = cyclic_template(3, 14)
    target = haar(8, 42)
    instantiate(template, target, seed=0, starts=1)
    times = []
    for seed in range(repeats):
        begin = time.perf_counter()
        result = instantiate(template, target, seed=seed, starts=1)
        times.append(time.perf_counter() - begin)
        assert result.cost <= 1e-8 or result.starts_run == 1
    return statistics.median(times) * 1e6


def jit_seconds() -> tuple[float, float]:
    code = "from hpcq.synthesis.warmup import warmup; print(warmup())"
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=str(ROOT))
        runs = []
        for _ in range(2):
            out = subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
            )
            runs.append(float(out.stdout.strip().splitlines()[-1]))
    return runs[0], runs[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="BQSKit workers (default 2)")
    parser.add_argument(
        "--hpcq-workers", type=int, default=0, help="hpcq runtime workers (0: serial, default)"
    )
    parser.add_argument("--no-bqskit", action="store_true", help="skip the BQSKit runs")
    parser.add_argument("--no-4q", action="store_true", help="skip the 4-qubit run")
    args = parser.parse_args()

    first, warm = jit_seconds()
    print(f"jit: cold cache {first:.2f} s, warm cache {warm:.2f} s (hpcq.synthesis.warmup)")
    print(f"instantiation of the 14-CX 3-qubit template: {instantiation_us(20):.0f} us (median)")

    client_cm: Any = nullcontext(None)
    if args.hpcq_workers > 0:
        from hpcq.runtime.client import RuntimeClient

        client_cm = RuntimeClient(num_workers=args.hpcq_workers)
    bq_cm: Any = nullcontext(None)
    if not args.no_bqskit:
        from bqskit.compiler import Compiler

        bq_cm = Compiler(num_workers=args.workers)
    from hpcq.ir import Circuit

    with client_cm as client, bq_cm as bq:
        label = f"hpcq({args.hpcq_workers or 'serial'})"
        for seed in range(3):
            cx, sec, cost = hpcq_run(haar(4, seed), "auto", client, seed)
            print(f"random 2q seed {seed}: {label} {cx} CX {sec:.3f} s cost {cost:.1e}")
        toffoli = Circuit(3).ccx(0, 1, 2).unitary()
        times = []
        for seed in range(3):
            cx, sec, cost = hpcq_run(toffoli, "qsearch", client, seed)
            times.append(sec)
            print(f"toffoli seed {seed}: {label} qsearch {cx} CX {sec:.3f} s cost {cost:.1e}")
        line = f"toffoli: {label} qsearch median {statistics.median(times):.3f} s"
        if bq is not None:
            bcx, bsec, bcost = bqskit_run(toffoli, "qsearch", bq)
            ratio = bsec / statistics.median(times)
            line += f"; BQSKit QSearch {bcx} CX {bsec:.2f} s (ratio {ratio:.0f}x)"
        print(line, flush=True)
        ours, theirs = [], []
        for seed in range(5):
            target = haar(8, seed)
            cx, sec, cost = hpcq_run(target, "auto", client, seed)
            ours.append(sec)
            line = f"random 3q seed {seed}: {label} {cx} CX {sec:.3f} s cost {cost:.1e}"
            if bq is not None:
                bcx, bsec, bcost = bqskit_run(target, "leap", bq)
                theirs.append(bsec)
                line += f"; BQSKit LEAP {bcx} CX {bsec:.2f} s cost {bcost:.1e}"
            print(line, flush=True)
        line = f"random 3q median: {label} {statistics.median(ours):.3f} s"
        if theirs:
            ratio = statistics.median(theirs) / statistics.median(ours)
            line += f"; BQSKit LEAP {statistics.median(theirs):.2f} s (ratio {ratio:.0f}x)"
        print(line, flush=True)
        if not args.no_4q:
            cx, sec, cost = hpcq_run(haar(16, 0), "auto", client, 0)
            print(f"random 4q: {label} {cx} CX {sec:.1f} s cost {cost:.1e}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:.0f} MiB (BQSKit workers not included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
