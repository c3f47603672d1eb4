"""Helpers shared by the tests: paths, the MPI launcher and its environment.

Import it as ``from testsupport import ...`` (pytest puts tests/ on ``sys.path`` when it
loads tests/conftest.py). It is not called conftest so that the conftest.py files of
sub-folders cannot shadow it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED_CIRCUITS = ROOT.parent / "shared" / "circuits"
EXAMPLES = ROOT / "examples"


def shared_circuits() -> list[Path]:
    """Every ``.qasm`` file in ``../shared/circuits`` (empty when it is absent)."""
    return sorted(SHARED_CIRCUITS.glob("*.qasm")) if SHARED_CIRCUITS.is_dir() else []


def find_mpiexec() -> str | None:
    """``mpiexec`` beside this Python (the mpich wheel puts it there), else on PATH."""
    beside = Path(sys.executable).parent / "mpiexec"
    if beside.exists():
        return str(beside)
    return shutil.which("mpiexec")


def mpi_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """An environment for child processes: one thread, hpcq importable, no inherited MPI."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "PMIX_", "HYDRA_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("HPCQ_THREADS", "1")
    env["PYTHONUNBUFFERED"] = "1"
    if extra:
        env.update(extra)
    return env


RunMpi = Callable[..., subprocess.CompletedProcess[str]]


def random_u3_cx_circuit(num_qubits: int, depth: int, seed: int) -> Any:
    """``depth`` layers of a random ``u3`` and a CX on a random pair (an hpcq Circuit)."""
    import numpy as np

    from hpcq.ir.circuit import Circuit

    rng = np.random.default_rng(seed)
    circuit = Circuit(num_qubits)
    for _ in range(depth):
        a, b = rng.choice(num_qubits, size=2, replace=False)
        circuit.append("u3", (int(a),), [float(x) for x in rng.uniform(0, 6.28, 3)])
        circuit.cx(int(a), int(b))
    return circuit
