"""hpcq's runtime beside BQSKit's, measured in the same run (attached mode, 2 workers).

    python benchmarks/runtime_bench.py [--tasks 10000] [--repeat 3] [--idle 5]

Prints one table: no-op task throughput (a map of --tasks no-op calls inside one root
task), attached start-up plus shutdown, the round trip of an empty task, the latency of
one small task, and the idle CPU of each process (from /proc over --idle seconds), with
the ratio hpcq / BQSKit (or BQSKit / hpcq for times, so > 1 always means hpcq is better).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


# ------------------------------------------------------------ tasks (both runtimes)


def noop(x: Any = None) -> None:
    return None


def small(n: int = 2000) -> int:
    return sum(i * i for i in range(n))


def hpcq_root_map(count: int) -> int:
    from hpcq.runtime import get_runtime

    return len(get_runtime().map(noop, range(count)).result())


def _bqskit_passes() -> tuple[type, type, type]:
    from bqskit.compiler.basepass import BasePass
    from bqskit.runtime import get_runtime

    class NoopMapPass(BasePass):  # type: ignore[misc]
        def __init__(self, count: int) -> None:
            self.count = count

        async def run(self, circuit: Any, data: Any) -> None:
            await get_runtime().map(noop, range(self.count))

    class SmallTaskPass(BasePass):  # type: ignore[misc]
        async def run(self, circuit: Any, data: Any) -> None:
            await get_runtime().submit(small)

    class EmptyPass(BasePass):  # type: ignore[misc]
        async def run(self, circuit: Any, data: Any) -> None:
            return None

    return NoopMapPass, SmallTaskPass, EmptyPass


# ------------------------------------------------------------------ measurement


def timed(fn: Callable[[], Any], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def bench_hpcq(args: argparse.Namespace) -> dict[str, Any]:
    import runtime_bench as tasks

    from hpcq.runtime.client import RuntimeClient
    from hpcq.runtime.cpu import cpu_percent

    out: dict[str, Any] = {}

    def start_stop() -> None:
        with RuntimeClient(2) as client:
            client.submit(tasks.noop).result()

    start_stop()  # warm the file-system caches of the spawned interpreters
    out["startup"] = timed(start_stop, args.repeat)
    with RuntimeClient(2) as client:
        client.map(tasks.noop, range(100)).result()
        elapsed = timed(lambda: client.submit(tasks.hpcq_root_map, args.tasks).result(), 3)
        out["throughput"] = args.tasks / elapsed
        out["roundtrip"] = timed(lambda: client.submit(tasks.noop).result(), 20)
        out["latency"] = timed(lambda: client.submit(tasks.small).result(), 20)
        time.sleep(0.5)
        ranks = client.ranks
        usage = cpu_percent([pid for _, _, pid, _ in ranks], args.idle)
        out["idle"] = [(f"{role} (rank {rank})", usage[pid]) for rank, role, pid, _ in ranks]
    return out


def bench_bqskit(args: argparse.Namespace) -> dict[str, Any]:
    from bqskit.compiler import Compiler
    from bqskit.ir import Circuit

    from hpcq.runtime.cpu import cpu_percent

    noop_map, small_task, empty = _bqskit_passes()
    out: dict[str, Any] = {}
    circuit = Circuit(1)

    def start_stop() -> None:
        with Compiler(num_workers=2) as compiler:
            compiler.compile(circuit, [empty()])

    start_stop()
    out["startup"] = timed(start_stop, args.repeat)
    with Compiler(num_workers=2) as compiler:
        compiler.compile(circuit, [noop_map(100)])
        elapsed = timed(lambda: compiler.compile(circuit, [noop_map(args.tasks)]), 3)
        out["throughput"] = args.tasks / elapsed
        out["roundtrip"] = timed(lambda: compiler.compile(circuit, [empty()]), 20)
        out["latency"] = timed(lambda: compiler.compile(circuit, [small_task()]), 20)
        time.sleep(0.5)
        assert compiler.p is not None
        pids = [compiler.p.pid, *descendants(compiler.p.pid)]
        usage = cpu_percent(pids, args.idle)
        names = ["server"] + ["worker"] * (len(pids) - 1)
        out["idle"] = [
            (f"{name} (pid {pid})", usage[pid]) for name, pid in zip(names, pids, strict=True)
        ]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--idle", type=float, default=5.0)
    args = parser.parse_args()
    # both runtimes' workers import this file's tasks as the module `runtime_bench`
    sys.path.insert(0, str(HERE))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(HERE), os.environ.get("PYTHONPATH")])
    )
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    hpcq = bench_hpcq(args)
    bqskit = bench_bqskit(args)
    print(f"{'measure':<34}{'hpcq':>14}{'BQSKit':>14}{'ratio':>9}")
    rows = [
        ("no-op throughput (tasks/s)", "throughput", "{:,.0f}", False),
        ("attached start-up+shutdown (s)", "startup", "{:.3f}", True),
        ("empty task round trip (ms)", "roundtrip", "{:.2f}", True),
        ("one small task latency (ms)", "latency", "{:.2f}", True),
    ]
    for label, key, fmt, lower_is_better in rows:
        a, b = hpcq[key], bqskit[key]
        scale = 1000.0 if "(ms)" in label else 1.0
        ratio = b / a if lower_is_better else a / b
        print(f"{label:<34}{fmt.format(a * scale):>14}{fmt.format(b * scale):>14}{ratio:>8.2f}x")
    print(f"idle CPU over {args.idle:.0f} s (% of one core):")
    for name, pct in hpcq["idle"]:
        print(f"  hpcq   {name:<26}{pct:6.2f}%")
    for name, pct in bqskit["idle"]:
        print(f"  BQSKit {name:<26}{pct:6.2f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
