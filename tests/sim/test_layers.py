"""hpcq.sim is the one simulator: everything else that simulates forwards to it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import hpcq

PACKAGE = Path(hpcq.__file__).parent


def test_ir_and_the_verify_pass_use_the_one_simulator() -> None:
    import hpcq.ir
    import hpcq.ir.distance
    import hpcq.ir.simulate
    import hpcq.passes.verify
    import hpcq.sim

    assert hpcq.ir.equivalent is hpcq.sim.equivalent
    assert hpcq.ir.equivalent_on_states is hpcq.sim.equivalent_on_states
    assert hpcq.ir.hilbert_schmidt_distance is hpcq.sim.hilbert_schmidt_distance
    assert hpcq.ir.distance.hilbert_schmidt_cost is hpcq.sim.hilbert_schmidt_cost
    assert hpcq.ir.simulate.operations_statevector is hpcq.sim.operations_statevector
    assert hpcq.ir.simulate.operations_unitary is hpcq.sim.operations_unitary
    assert hpcq.passes.verify.verify is hpcq.sim.verify
    assert hpcq.passes.verify.error_bound is hpcq.sim.error_bound
    from hpcq.passes.partition import partition

    assert partition is hpcq.sim.partition


def test_importing_the_ir_does_not_import_the_simulator() -> None:
    code = (
        "import sys, hpcq.ir, hpcq.ir.simulate, hpcq.ir.distance\nprint('hpcq.sim' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "False"


def _hpcq_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "hpcq":
            names.update(f"hpcq.{a.name}" for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hpcq"):
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.startswith("hpcq"))
    return names


def test_the_simulator_sits_on_the_ir_only() -> None:
    allowed = ("hpcq.ir", "hpcq.sim", "hpcq._config", "hpcq.exceptions")
    for path in sorted((PACKAGE / "sim").glob("*.py")):
        for name in _hpcq_imports(path):
            assert name.startswith(allowed), f"{path.name} imports {name}"


def test_no_second_simulator_outside_hpcq_sim() -> None:
    # The kernels and the planner have one home; nothing reaches into its privates.
    assert not (PACKAGE / "passes" / "_stateplan.py").exists()
    assert not (PACKAGE / "passes" / "_statevector_kernels.py").exists()
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.parent.name != "sim":
            assert "hpcq.sim._kernels" not in _hpcq_imports(path), path
