"""Sphinx configuration for the hpcq user guide (MyST Markdown pages).

Build with warnings as errors, as CI does (``.ci/docs.sh``)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "_ext"))

from hpcq._version import __version__  # noqa: E402

project = "hpcq"
author = "the hpcq developers"
copyright = "the hpcq developers, BSD-3-Clause"
version = release = __version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "hpcq_cli",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

html_theme = "alabaster"
html_theme_options = {"description": "MPI-parallel quantum circuit compiler"}
html_static_path: list[str] = []

# API reference: signatures keep the source's (postponed) annotations as written.
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
# Docstrings name types informally (``np.ndarray``, ``Circuit``): resolve what can be
# resolved, do not fail the build on the rest.
nitpicky = False

# A name re-exported from ``hpcq`` is documented once, under ``hpcq``; the subpackage
# sections list the rest. Autodoc reports each module before its members, which is how
# the handlers below know which module is being documented.
_current_module: list[str] = [""]


def _note_module(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    if what == "module":
        _current_module[0] = name


def _skip_reexported(
    app: Any, what: str, name: str, obj: Any, skip: bool, options: Any
) -> bool | None:
    import hpcq

    module = _current_module[0]
    if module and module != "hpcq" and name in hpcq.__all__:
        try:
            if getattr(hpcq, name) is obj:
                return True
        except (AttributeError, ImportError):
            return None
    return None


def setup(app: Any) -> dict[str, Any]:
    app.connect("autodoc-process-docstring", _note_module)
    app.connect("autodoc-skip-member", _skip_reexported)
    return {"parallel_read_safe": False}
