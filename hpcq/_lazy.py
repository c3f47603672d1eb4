"""Module attributes loaded on first use (PEP 562), for names whose modules are heavy.

A module declares ``__getattr__, __dir__ = lazy_attributes(__name__, {name: module})``:
the first ``module.name`` imports ``module`` and caches the value in the module's
globals, and ``dir()`` lists the lazy names with the rest.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(
    module_name: str, names: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for the module ``module_name``.

    Args:
        module_name: The importing module's ``__name__``.
        names: Each lazy name and the module that defines it.
    """

    def __getattr__(name: str) -> Any:
        source = names.get(name)
        if source is None:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(source), name)
        setattr(sys.modules[module_name], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[module_name])) | set(names))

    return __getattr__, __dir__
