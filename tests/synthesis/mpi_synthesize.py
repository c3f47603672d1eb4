"""Run under mpiexec: synthesize through a RuntimeClient and print what came out."""

from __future__ import annotations

import sys

import numpy as np

from hpcq.ir import Circuit, hilbert_schmidt_cost
from hpcq.runtime.client import RuntimeClient
from hpcq.synthesis import synthesize


def main() -> int:
    rng = np.random.default_rng(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    z = rng.normal(size=(8, 8)) + 1j * rng.normal(size=(8, 8))
    q, r = np.linalg.qr(z)
    random3 = q * (np.diag(r) / np.abs(np.diag(r)))
    toffoli = Circuit(3).ccx(0, 1, 2).unitary()
    with RuntimeClient() as client:
        workers = client.num_workers
        for name, target, method in (
            ("random3", random3, "auto"),
            ("toffoli", toffoli, "qsearch"),
        ):
            parallel = synthesize(target, method=method, seed=3, compiler=client)
            cost = hilbert_schmidt_cost(parallel.unitary(), target)
            serial = synthesize(target, method=method, seed=3)
            print(
                f"{name} workers={workers} cx={parallel.count_ops()['cx']} "
                f"ok={cost <= 1e-8} same={parallel == serial}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
