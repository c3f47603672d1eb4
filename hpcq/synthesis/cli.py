"""The ``hpcq warmup`` sub-command (imports nothing heavy until it runs)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    """Add ``hpcq warmup`` to the ``hpcq`` command."""
    parser = subparsers.add_parser(
        "warmup",
        help="compile the synthesis kernels once and fill numba's on-disk cache",
        description="Compile every numba kernel of hpcq's synthesis (or load it from the "
        "cache) so later runs start at once. The cache lives in __pycache__ beside the "
        "sources, or in NUMBA_CACHE_DIR when set: in batch jobs run this once per node "
        "with NUMBA_CACHE_DIR on storage the ranks share. HPCQ_NUMBA_CACHE=0 disables "
        "the cache.",
    )
    parser.set_defaults(func=_cmd_warmup)


def _cmd_warmup(args: argparse.Namespace) -> int:
    import os

    from hpcq import _config
    from hpcq.synthesis.warmup import warmup

    seconds = warmup()
    if _config.numba_cache():
        where = os.environ.get("NUMBA_CACHE_DIR") or "__pycache__ beside hpcq/synthesis"
        print(f"synthesis kernels ready in {seconds:.2f} s (cache: {where})")
    else:
        print(f"synthesis kernels compiled in {seconds:.2f} s (cache disabled)")
    return 0
