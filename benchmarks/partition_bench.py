"""Seconds each partitioner takes on the shared circuits (what the tests do not assert).

Usage (from the repository root)::

    python benchmarks/partition_bench.py                # every circuit in ../shared/circuits
    python benchmarks/partition_bench.py shor26 qft64   # some of them

Prints, per circuit, its operation count and the best of three runs of the forward
scan (``partition``), the reversed scan, the greedy partition (below its size limit)
and the commuting-pairs partition, each at ``k = 3``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from hpcq.ir.circuit import Circuit
from hpcq.passes.commutation_partition import commutation_partition
from hpcq.passes.greedy_partition import greedy_partition
from hpcq.passes.partition import partition
from hpcq.passes.reverse_partition import reverse_partition

SHARED = Path(__file__).resolve().parents[2] / "shared" / "circuits"
PARTITIONERS = (partition, reverse_partition, greedy_partition, commutation_partition)


def best_of(runs: int, fn: object, circuit: Circuit) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn(circuit, 3)  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main(names: list[str]) -> None:
    paths = [SHARED / f"{n}.qasm" for n in names] or sorted(SHARED.glob("*.qasm"))
    print(f"{'circuit':<18} {'ops':>7} " + " ".join(f"{p.__name__:>22}" for p in PARTITIONERS))
    for path in paths:
        circuit = Circuit.from_file(path).without_measurements()
        cells = [f"{best_of(3, p, circuit):>21.3f}s" for p in PARTITIONERS]
        print(f"{path.stem:<18} {len(circuit):>7} " + " ".join(cells), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
