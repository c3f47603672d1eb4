"""Cancel tasks that run forever, then check that new work still runs.

usage: cancel_running.py world | attached N

Starts one never-ending task per worker (sleeping, spinning, or swallowing exceptions
around its sleep), cancels them all, and prints ``cancel True``, then ``submit 49 IN S``
and ``map OK IN S`` (seconds from the cancel to each result), or ``TIMEOUT submit`` /
``TIMEOUT map``; then ``closed IN S`` and ``DONE``.
"""

from __future__ import annotations

import sys
import time

from rt_tasks import forever, square

from hpcq.runtime.client import RuntimeClient

LIMIT = 20.0
HOW = ("sleep", "spin", "swallow")


def main(argv: list[str]) -> None:
    client = RuntimeClient() if argv[0] == "world" else RuntimeClient(int(argv[1]))
    with client:
        print(f"workers {client.num_workers}", flush=True)
        stuck = [client.submit(forever, HOW[i % 3]) for i in range(max(3, client.num_workers))]
        time.sleep(1.0)  # let them start on their workers
        print("cancel", all([future.cancel() for future in stuck]), flush=True)
        start = time.monotonic()
        try:
            value = client.submit(square, 7).result(timeout=LIMIT)
            print(f"submit {value} IN {time.monotonic() - start:.3f}", flush=True)
        except TimeoutError:
            print("TIMEOUT submit", flush=True)
        start = time.monotonic()
        try:
            values = client.map(square, range(40)).result(timeout=LIMIT)
            ok = "OK" if values == [x * x for x in range(40)] else f"WRONG {values}"
            print(f"map {ok} IN {time.monotonic() - start:.3f}", flush=True)
        except TimeoutError:
            print("TIMEOUT map", flush=True)
        start = time.monotonic()
    print(f"closed IN {time.monotonic() - start:.3f}", flush=True)
    print("DONE", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
