"""Exercise the runtime API; prints one 'OK <check>' line per passing check.

usage: api.py world | attached N | detached HOST:PORT TOKEN_FILE | serial
"""

from __future__ import annotations

import os
import pickle
import sys
import time

from rt_tasks import (
    collect_next,
    fail,
    in_task_flags,
    nested,
    nested_async,
    nested_fail,
    spread,
    square,
    waits_on_sleepers,
)

from hpcq.runtime import get_runtime, has_runtime
from hpcq.runtime.client import RuntimeClient
from hpcq.runtime.future import TaskCancelledError


def check(name, condition, detail=""):
    if not condition:
        print(f"FAIL {name} {detail}", flush=True)
        sys.exit(1)
    print(f"OK {name}", flush=True)


def main(argv):
    mode = argv[0]
    if mode == "world":
        client = RuntimeClient()
    elif mode == "attached":
        client = RuntimeClient(int(argv[1]))
    elif mode == "detached":
        client = RuntimeClient(address=argv[1], token_file=argv[2])
    else:
        client = RuntimeClient(0)
    with client:
        print(f"mode {client.mode} workers {client.num_workers}", flush=True)
        check("submit", client.submit(square, 7).result(timeout=30) == 49)
        check(
            "map-order",
            client.map(square, range(50)).result(timeout=30) == [x * x for x in range(50)],
        )
        check("map-empty", client.map(square, []).result(timeout=30) == [])
        try:
            pickle.dumps(client)
        except TypeError:
            check("client-not-picklable", True)
        check("client-handle", has_runtime() and get_runtime().map(square, [3]).result() == [9])
        flags = client.submit(in_task_flags).result(timeout=30)
        check("in-task-handle", flags == (True, client.num_workers), str(flags))
        check("nested-blocking", client.submit(nested, 3, 8).result(timeout=60) == 512)
        check("nested-async", client.submit(nested_async, 3, 8).result(timeout=60) == 512)
        # Checks that need the workers to themselves are left out when another client
        # shares the runtime (API_SHARED_RUNTIME=1).
        exclusive = os.environ.get("API_SHARED_RUNTIME") != "1"
        if client.num_workers and exclusive:
            pids = client.submit(spread, 8 * client.num_workers).result(timeout=60)
            used = len(set(pids))
            check(
                "every-worker-used", used == client.num_workers, f"{used} of {client.num_workers}"
            )
        check(
            "next",
            client.submit(collect_next, 40).result(timeout=30) == [x * x for x in range(40)],
        )
        try:
            client.submit(fail, "key").result(timeout=30)
        except KeyError as exc:
            cause = str(exc.__cause__)
            check("exception-type", "### Task" in cause and "missing thing" in cause, cause)
        else:
            check("exception-type", False, "no exception")
        try:
            client.submit(nested_fail).result(timeout=30)
        except KeyError:
            check("nested-exception", True)
        from hpcq.exceptions import RuntimeSystemError

        try:
            client.submit(fail, "unpicklable").result(timeout=30)
        except RuntimeSystemError as exc:
            check("unpicklable-exception", "Unpicklable" in str(exc), str(exc))
        check(
            "usable-after-errors",
            client.map(square, range(5)).result(timeout=30) == [0, 1, 4, 9, 16],
        )
        if client.num_workers == 0:
            print("DONE", flush=True)
            return
        start = time.monotonic()
        # Many short sleepers: cancellation drops unstarted map chunks (a running chunk
        # finishes), so the run must end well before all of them could have slept.
        future = client.submit(waits_on_sleepers, 200, 0.1)
        time.sleep(0.5)
        check("cancel-returns", future.cancel())
        try:
            future.result(timeout=10)
        except TaskCancelledError:
            check("cancelled-raises", True)
        check("usable-after-cancel", client.map(square, range(8)).result(timeout=30)[-1] == 49)
        elapsed = time.monotonic() - start
        budget = 200 * 0.1 / max(1, client.num_workers)
        if exclusive:
            check("cancel-drops-subtree", elapsed < budget, f"{elapsed:.2f}s vs {budget:.2f}s")
    print("DONE", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
