"""Run under ``mpiexec -n N``: pass managers mapped over the hpcq runtime (rank 0 runs this)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from toy_passes import (
    CountDigits,
    FailOn,
    RemoveFive,
    ToyPassManager,
    WherePassManager,
    more_than_six_digits,
)

from hpcq.passes import CancelCX, Fuse1Q, PassManager
from hpcq.passmanager import ConditionalController
from hpcq.runtime import has_runtime
from hpcq.runtime.client import RuntimeClient

circuits = [Path(p) for p in sys.argv[1:]]
serial = PassManager([Fuse1Q(), CancelCX()]).run(list(circuits))

with RuntimeClient(num_workers=1) as client:
    print("has_runtime", has_runtime())
    conditional = ConditionalController([RemoveFive()], condition=more_than_six_digits)
    pm = ToyPassManager([CountDigits(), conditional])
    print("toy", pm.run([123456789, 45654, 36785554]))
    where = WherePassManager([RemoveFive()]).run([15, 25, 35, 45])
    print("values", [value for value, _ in where])
    print("remote", any(pid != os.getpid() for _, pid in where))
    try:
        ToyPassManager([FailOn("2")]).run([1, 2, 3])
    except ZeroDivisionError as exc:
        print("error", exc, "|", *getattr(exc, "__notes__", []))
    parallel = PassManager([Fuse1Q(), CancelCX()]).run(list(circuits))
    print("circuits", len(parallel), parallel == serial)
