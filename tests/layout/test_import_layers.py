"""The package's layers only point down, and private modules stay in their package.

DESIGN: ir, sim, passmanager and runtime at the bottom; synthesis above them; passes
above those; the compiler above passes; qir beside the compiler (it takes circuits and
never calls the compiler); the command line at the top. The imports are read from the
source (every ``import`` statement, at module level or inside a function).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "hpcq"

# Packages that must not reach up to the compiler or the command line.
LOWER = ("ir", "sim", "passmanager", "runtime", "synthesis", "passes", "qir")
TOP = ("hpcq.compiler", "hpcq.presets", "hpcq.cli", "hpcq.compiler_cli", "hpcq.qir_cli")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> list[tuple[str, str, int]]:
    """``(importing module, imported name, line)`` for every hpcq import."""
    found: list[tuple[str, str, int]] = []
    for path in sorted(ROOT.rglob("*.py")):
        module = _module_name(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            found.extend((module, n, node.lineno) for n in names if n.startswith("hpcq"))
    return found


def _package(module: str) -> str:
    """``hpcq.passes.cancel_cx`` -> ``hpcq.passes``; a top-level module -> ``hpcq``."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 or (ROOT / parts[-1]).is_dir() else "hpcq"


def test_lower_layers_import_neither_the_compiler_nor_the_command_line() -> None:
    wrong = [
        f"{module}:{line} imports {name}"
        for module, name, line in _imports()
        if module.split(".")[1:2]
        and module.split(".")[1] in LOWER
        and any(name == top or name.startswith(top + ".") for top in TOP)
    ]
    assert not wrong, "\n".join(wrong)


def test_no_module_imports_a_private_module_of_another_package() -> None:
    wrong = []
    for module, name, line in _imports():
        parts = name.split(".")
        for depth, part in enumerate(parts[1:], start=1):
            if part.startswith("_") and not part.startswith("__"):
                owner = ".".join(parts[:depth])  # the package the private name is in
                # hpcq's own private modules (hpcq._config, hpcq._version) serve all of it
                if owner != "hpcq" and _package(owner) != _package(module):
                    wrong.append(f"{module}:{line} imports {name}")
                break
    assert not wrong, "\n".join(wrong)


def test_the_walk_sees_the_imports() -> None:
    # a guard against a walk that finds nothing and so passes vacuously
    found = {(module, name) for module, name, _ in _imports()}
    assert ("hpcq.compiler", "hpcq.presets") in found
    assert ("hpcq.qir_cli", "hpcq.compiler.compile") in found
