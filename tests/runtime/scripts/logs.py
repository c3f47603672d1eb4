"""Log forwarding: usage logs.py world|attached N|detached ADDR TOKEN."""

from __future__ import annotations

import logging
import sys

from rt_tasks import chatter

from hpcq.runtime.client import RuntimeClient


class Show(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        rank = getattr(record, "rank", "local")
        print(
            f"LOG {record.name} {record.levelname} rank={rank} {record.getMessage()}", flush=True
        )


def main(argv: list[str]) -> None:
    logging.getLogger().addHandler(Show())
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("demo.chatty").setLevel(logging.DEBUG)
    logging.getLogger("demo.quiet").setLevel(logging.ERROR)
    if argv[0] == "world":
        client = RuntimeClient()
    elif argv[0] == "attached":
        client = RuntimeClient(int(argv[1]))
    else:
        client = RuntimeClient(address=argv[1], token_file=argv[2])
    with client:
        print("levels on the worker", client.submit(chatter).result(timeout=30), flush=True)
    print("DONE", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
