"""Task functions of the runtime test scripts, importable on every rank.

Detached runtimes cannot unpickle functions defined in a client's ``__main__``; tasks
live in a module that the server side can import too (on its PYTHONPATH).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time

from hpcq.runtime import get_runtime, has_runtime


def square(x):
    return x * x


def nested(depth, fan):
    """Blocking waits: a task waits on a map of its children."""
    if depth == 0:
        return 1
    return sum(get_runtime().map(nested_item, [(depth - 1, fan)] * fan).result())


def nested_item(args):
    return nested(*args)


async def nested_async(depth, fan):
    """Coroutine tasks: `await` suspends the task while its worker runs others."""
    if depth == 0:
        return 1
    handle = get_runtime()
    futures = [handle.submit(nested_async, depth - 1, fan) for _ in range(fan)]
    results = await handle.wait(futures)
    return sum(results)


def collect_next(count):
    handle = get_runtime()
    future = handle.map(square, range(count))
    seen = {}
    while len(seen) < count:
        for index, value in handle.next(future).result():
            seen[index] = value
    return [seen[i] for i in range(count)]


def in_task_flags():
    return has_runtime(), get_runtime().num_workers


class Unpicklable(Exception):
    def __init__(self, a, b):
        super().__init__(a)
        self.lock = __import__("threading").Lock()


def fail(kind):
    if kind == "key":
        raise KeyError("missing thing")
    raise Unpicklable("x", "y")


def nested_fail():
    return get_runtime().submit(fail, "key").result()


def sleeper(seconds):
    time.sleep(seconds)
    return seconds


def waits_on_sleepers(count, seconds):
    return get_runtime().map(sleeper, [seconds] * count).result()


def chatter() -> tuple[bool, bool]:
    logging.getLogger("demo.chatty").debug("debug from a task")
    logging.getLogger("demo.quiet").warning("quiet warning that must not appear")
    logging.getLogger("demo.quiet").error("error from a task")
    logging.getLogger("demo.other").info("info below the root level")
    return (
        logging.getLogger("demo.chatty").isEnabledFor(logging.DEBUG),
        logging.getLogger("demo.quiet").isEnabledFor(logging.WARNING),
    )


def where(_: object) -> int:
    time.sleep(0.1)
    return os.getpid()


def spread(count: int) -> list[int]:
    """A map submitted from inside a task: which processes ran its items."""
    return get_runtime().map(where, range(count)).result()


def forever(how: str = "sleep") -> None:
    """A task that never ends by itself: only a cancel or the shutdown ends it.

    ``sleep`` blocks in one long sleep, ``spin`` computes in a loop, ``swallow`` catches
    every ``Exception`` around its sleep (a cancel must still end it).
    """
    while True:
        if how == "spin":
            sum(range(1000))
        elif how == "swallow":
            with contextlib.suppress(Exception):
                time.sleep(3600)
        else:
            time.sleep(3600)
