"""CPU time of local processes from ``/proc`` (idle-CPU measurements of the ranks)."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds ``pid`` has used (all its threads)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # fields[11] and fields[12] are utime and stime (stat fields 14 and 15)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_percent(pids: Sequence[int], seconds: float = 5.0) -> dict[int, float]:
    """Percent of one core each process used over the next ``seconds``."""
    before = {pid: cpu_seconds(pid) for pid in pids}
    start = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - start
    return {pid: 100.0 * (cpu_seconds(pid) - before[pid]) / elapsed for pid in pids}
