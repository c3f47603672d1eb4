"""Fault scenarios for the runtime; usage: faults.py world|attached SCENARIO."""

from __future__ import annotations

import os
import sys
import time

from hpcq.runtime.client import RuntimeClient


def whoami() -> int:
    time.sleep(0.2)
    return os.getpid()


def nap(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def main(mode: str, scenario: str) -> None:
    client = RuntimeClient(2) if mode == "attached" else RuntimeClient()
    print(f"rank0 pid {os.getpid()} workers {client.num_workers}", flush=True)
    if scenario == "raise-main":
        client.submit(abs, -1).result()
        raise RuntimeError("boom on rank 0")
    if scenario == "task-exit":
        client.submit(sys.exit, 3).result(timeout=30)
    if scenario == "kill-worker":
        pid = client.submit(whoami).result(timeout=30)
        print(f"killing worker pid {pid}", flush=True)
        os.kill(pid, 9)
        try:
            client.map(nap, [0.5] * 8).result(timeout=30)
        except Exception as exc:
            print(f"client saw {type(exc).__name__}: {exc}", flush=True)
            client.close()
            sys.exit(7)
    if scenario == "wait":
        pids = " ".join(str(pid) for _, _, pid, _ in client.ranks)
        print(f"ranks {pids}", flush=True)
        print("waiting", flush=True)
        client.map(nap, [60.0] * 4).result()
    print("scenario finished without a fault", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
