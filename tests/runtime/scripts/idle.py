"""Idle CPU per role: usage idle.py world|attached N SECONDS."""

from __future__ import annotations

import sys

from hpcq.runtime.client import RuntimeClient
from hpcq.runtime.cpu import cpu_percent

if __name__ == "__main__":
    mode, count, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    with RuntimeClient() if mode == "world" else RuntimeClient(count) as client:
        client.map(abs, range(100)).result()
        ranks = client.ranks
        usage = cpu_percent([pid for _, _, pid, _ in ranks], seconds)
        for rank, role, pid, _ in ranks:
            print(f"IDLE {role} rank {rank} {usage[pid]:.2f}%", flush=True)
