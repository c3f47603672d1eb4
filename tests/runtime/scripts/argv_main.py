"""Reads its arguments at top level, as many scripts do: argv_main.py WORD."""

from __future__ import annotations

import sys

WORD = sys.argv[1]


def shout(times: int) -> str:
    return WORD.upper() * times


if __name__ == "__main__":
    from hpcq.runtime.client import RuntimeClient

    with RuntimeClient() as client:
        print("results", client.map(shout, [1, 2, 3]).result(), flush=True)
