"""Fixtures for the QIR tests: a private runtime-library cache and helpers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session", autouse=True)
def _runtime_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Build the runtime library once per session into a private cache directory."""
    cache = tmp_path_factory.mktemp("hpcq-cache")
    old = os.environ.get("HPCQ_CACHE_DIR")
    os.environ["HPCQ_CACHE_DIR"] = str(cache)
    yield cache
    if old is None:
        os.environ.pop("HPCQ_CACHE_DIR", None)
    else:
        os.environ["HPCQ_CACHE_DIR"] = old
