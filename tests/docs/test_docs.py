"""The documentation: every Python example runs, and the site builds without warnings.

Each page's ```python blocks run in order in one namespace (later blocks may use
names from earlier ones), from the repository root, as a reader would paste them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

# A fence of three or more backticks (or tildes) whose info string is exactly
# "python"; MyST directives ({code-block}, {eval-rst}) are not examples.
_FENCE = re.compile(r"^(?P<indent>[ ]{0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")


def python_blocks(text: str) -> list[tuple[int, str]]:
    """The (first line number, source) of every ```python block of a Markdown text."""
    blocks: list[tuple[int, str]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        fence = match["fence"]
        info = match["info"].strip().split()
        start = i + 1
        i += 1
        body: list[str] = []
        while i < len(lines) and not (
            lines[i].strip().startswith(fence[0] * len(fence))
            and lines[i].strip().strip(fence[0]) == ""
        ):
            body.append(lines[i])
            i += 1
        i += 1  # the closing fence
        if info and info[0] == "python":
            blocks.append((start + 1, "\n".join(body) + "\n"))
    return blocks


def pages() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


def pages_with_examples() -> list[Path]:
    return [page for page in pages() if python_blocks(page.read_text(encoding="utf-8"))]


def test_block_extraction_follows_fences() -> None:
    text = (
        "intro\n```python\nx = 1\n```\n\n````markdown\n```python\nnot = code\n```\n````\n"
        "```{code-block} python\nalso_not = 1\n```\n```python\ny = x + 1\n```\n"
    )
    assert python_blocks(text) == [(3, "x = 1\n"), (15, "y = x + 1\n")]


def test_the_guide_has_examples() -> None:
    names = {page.name for page in pages_with_examples()}
    assert "quickstart.md" in names, f"pages with examples: {sorted(names)}"


@pytest.mark.parametrize("page", pages_with_examples(), ids=lambda page: page.name)
def test_page_examples_run(page: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("HPCQ_THREADS", "1")
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for line, source in python_blocks(page.read_text(encoding="utf-8")):
        code = compile(source, f"{page.relative_to(ROOT)}:{line}", "exec")
        try:
            exec(code, namespace)
        except Exception as exc:
            raise AssertionError(
                f"the example at {page.relative_to(ROOT)}:{line} failed: "
                f"{type(exc).__name__}: {exc}"
            ) from exc


@pytest.mark.slow
def test_docs_build_without_warnings(tmp_path: Path) -> None:
    pytest.importorskip("sphinx", reason="sphinx is not installed (pip install '.[docs]')")
    pytest.importorskip(
        "myst_parser", reason="myst-parser is not installed (pip install '.[docs]')"
    )
    env = {**os.environ, "HPCQ_THREADS": "1", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "-d",
            str(tmp_path / "doctrees"),
            str(DOCS),
            str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, f"sphinx failed:\n{result.stdout}\n{result.stderr}"
    for page in pages():
        assert (tmp_path / "html" / f"{page.stem}.html").is_file(), page.name
    cli = (tmp_path / "html" / "cli.html").read_text(encoding="utf-8")
    assert "hpcq stats" in cli and "usage: hpcq" in cli
