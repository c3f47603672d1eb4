"""List compiles through the runtime: attached workers and ``mpiexec -n 2/4``."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import hpcq
from hpcq.ir import Circuit, hilbert_schmidt_distance

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def _wide(num_qubits: int, layers: int, seed: int) -> Circuit:
    """A layered circuit wide enough for the random-state check (> 12 qubits)."""
    rng = np.random.default_rng(seed)
    c = Circuit(num_qubits)
    for layer in range(layers):
        for q in range(num_qubits):
            c.u3(*rng.uniform(-3, 3, 3), q)
        for q in range(layer % 2, num_qubits - 1, 2):
            c.cx(q, q + 1).cx(q, q + 1).cx(q, q + 1)
    return c


def _inputs() -> list[object]:
    return [
        str(EXAMPLES / "qft5.qasm"),
        _wide(14, 3, 1),
        (EXAMPLES / "tfim.qasm").read_text(),
        str(EXAMPLES / "ghz5.qasm"),
    ]


def _check(results: list[hpcq.CompileResult]) -> None:
    assert len(results) == 4
    assert results[0].name == str(EXAMPLES / "qft5.qasm")
    assert results[3].name == str(EXAMPLES / "ghz5.qasm")
    for i in (0, 2, 3):
        assert results[i].stats["verify"]["method"] == "unitary"
    wide = results[1]
    assert wide.stats["num_qubits"] == 14
    assert wide.stats["verify"]["method"] == "states" and wide.stats["verify"]["ok"]
    # each triple CX is one CX after fusion and cancellation
    assert wide.stats["after"]["cx"] == wide.stats["before"]["cx"] // 3
    for r in results:
        # a list item runs as one task among others: its check uses one thread
        assert r.stats["verify"]["threads"] == 1
    qft = Circuit.from_file(EXAMPLES / "qft5.qasm")
    assert hilbert_schmidt_distance(qft.unitary(), results[0].circuit.unitary()) < 1e-3


@pytest.mark.mpi
@pytest.mark.slow
def test_list_compile_on_two_attached_workers() -> None:
    with hpcq.Compiler(num_workers=2) as compiler:
        assert compiler.num_workers == 2
        results = hpcq.compile(_inputs(), 2, compiler=compiler, seed=3)
        _check(results)
        # the runtime stays up: a second list on the same compiler, and a single input
        again = compiler.compile(_inputs()[:2], 2, seed=3)
        single = compiler.compile(_wide(14, 3, 1), 2, seed=3)
    serial = hpcq.compile(_inputs(), 2, seed=3)
    for a, b in zip(results, serial, strict=True):
        assert a.stats["after"] == b.stats["after"]  # same seed, same circuits
    assert [r.stats["after"] for r in again] == [r.stats["after"] for r in results[:2]]
    # a single circuit's check runs on the client with one thread per idle worker
    assert single.stats["verify"]["method"] == "states"
    assert single.stats["verify"]["threads"] == 2


_SCRIPT = """
import json, sys
import numpy as np
import hpcq
sys.path.insert(0, {tests!r})
from test_scale_list import _check, _inputs

with hpcq.Compiler() as compiler:
    results = compiler.compile(_inputs(), 2, seed=3)
    _check(results)
    print(json.dumps({{"workers": compiler.num_workers,
                       "cx": [r.stats["after"]["cx"] for r in results]}}))
"""


@pytest.mark.mpi
@pytest.mark.slow
@pytest.mark.parametrize("n", [2, 4])
def test_list_compile_under_mpiexec(
    n: int, tmp_path: Path, run_mpi: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    script = tmp_path / "list_compile.py"
    script.write_text(_SCRIPT.format(tests=str(Path(__file__).parent)))
    proc = run_mpi(n, ["python", str(script)], timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["workers"] == n - 1
    serial = hpcq.compile(_inputs(), 2, seed=3)
    assert out["cx"] == [r.stats["after"]["cx"] for r in serial]


@pytest.mark.mpi
@pytest.mark.slow
@pytest.mark.parametrize("n", [2, 4])
def test_cli_list_under_mpiexec(
    n: int, tmp_path: Path, run_mpi: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    wide = tmp_path / "wide14.qasm"
    wide.write_text(_wide(14, 3, 2).to_qasm())
    out = tmp_path / "out"
    report = tmp_path / "report.json"
    proc = run_mpi(
        n,
        ["python", "-m", "hpcq", "compile", str(EXAMPLES / "qft5.qasm"), str(wide),
         "-O2", "-o", str(out), "--seed", "1", "--report", str(report)],
        timeout=300,
        cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["qft5.qasm", "wide14.qasm"]
    rows = json.loads(report.read_text())
    assert [r["verify"] for r in rows] == ["unitary", "states"]
    assert rows[1]["stats"]["verify"]["threads"] == min(n - 1, len(os.sched_getaffinity(0)))
    compiled = Circuit.from_file(out / "wide14.qasm")
    assert compiled.count_ops()["cx"] == rows[1]["cx_after"]
