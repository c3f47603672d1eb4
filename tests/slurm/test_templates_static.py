"""What every Slurm template must say, checked without a Slurm (runs everywhere).

The end-to-end runs are in test_slurm.py; these catch a template edited into one that
would silently misbehave on a cluster: a plain ``srun`` (N one-rank worlds), several
threads per rank, no kernel warm-up, no ``--resume`` after a requeue.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SLURM = ROOT / "slurm"
TEMPLATES = sorted(SLURM.glob("*.sbatch"))
COMPILE_TEMPLATES = [t for t in TEMPLATES if t.name != "serve.sbatch"]


def test_the_four_templates_exist() -> None:
    assert [t.name for t in TEMPLATES] == [
        "array.sbatch",
        "multi-node.sbatch",
        "serve.sbatch",
        "single-node.sbatch",
    ]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.name)
def test_template_is_valid_bash(template: Path) -> None:
    bash = shutil.which("bash")
    assert bash is not None
    result = subprocess.run([bash, "-n", str(template)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.name)
def test_template_settings(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    assert text.startswith("#!/bin/bash\n")
    # Every srun names its MPI plugin (warm-up runs one rank per node: --mpi=none).
    joined = text.replace("\\\n", " ")
    commands = re.findall(r"^\s*(?:world=\$\()?srun\b.*$", joined, flags=re.M)
    assert len(commands) >= 3, commands
    for line in commands:
        assert "--mpi=" in line, f"{template.name}: srun without --mpi: {line.strip()}"
        if "hpcq warmup" not in line:
            assert '--mpi="$mpi_plugin"' in line, line
    assert "mpi_plugin=${HPCQ_SRUN_MPI:-pmi2}" in text
    assert "--ntasks-per-node=1" in text and "hpcq warmup" in text
    assert "export HPCQ_THREADS=" in text and "export OMP_NUM_THREADS=" in text
    assert "export NUMBA_CACHE_DIR=" in text
    for variable in ("HPCQ_VENV", "HPCQ_OUTPUT_DIR", "HPCQ_MODULES", "HPCQ_SRUN_MPI"):
        assert f"${{{variable}" in text, f"{template.name} does not read {variable}"
        assert f"#   {variable}" in text, f"{template.name} does not document {variable}"
    # The world-size guard stops the job before any work.
    assert 'if [ "$world" != "$SLURM_NTASKS" ]; then' in text
    assert "#SBATCH --partition" not in text.replace("##SBATCH --partition", "")


@pytest.mark.parametrize("template", COMPILE_TEMPLATES, ids=lambda t: t.name)
def test_compile_templates_resume_after_requeue(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    assert "#SBATCH --requeue" in text
    assert re.search(r"hpcq compile .* --resume", text)
    assert "${HPCQ_INPUTS" in text and "#   HPCQ_INPUTS" in text


def test_readme_describes_every_template_and_variable() -> None:
    readme = (SLURM / "README.md").read_text(encoding="utf-8")
    for template in TEMPLATES:
        assert f"`{template.name}`" in readme
    variables = set()
    for template in TEMPLATES:
        variables.update(
            re.findall(r"^#   (HPCQ_[A-Z_]+|NUMBA_CACHE_DIR)", template.read_text(), re.M)
        )
    for variable in sorted(variables):
        assert f"`{variable}`" in readme, f"slurm/README.md does not document {variable}"
