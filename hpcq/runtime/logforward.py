"""Logging across ranks: the client's levels applied everywhere, records shipped to rank 0.

The client captures the levels it configured (:func:`capture_levels`); every rank applies
them (:func:`apply_levels`) before running that client's tasks, so a record below the
client's levels is never even created there. Records that pass are turned into plain
dicts (:func:`record_to_dict`), travel upward, and are handled by the client's own
loggers (:func:`handle_remote`), tagged with their rank.
"""

from __future__ import annotations

import logging
from collections.abc import Callable


def capture_levels() -> dict[str, int]:
    """The explicitly set levels of this process's loggers (``""`` is the root)."""
    levels = {"": logging.getLogger().level}
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and logger.level != logging.NOTSET:
            levels[name] = logger.level
    return levels


def apply_levels(levels: dict[str, int], previous: dict[str, int] | None = None) -> None:
    """Set these levels, undoing the ones ``previous`` set that ``levels`` does not name."""
    for name in previous or {}:
        if name not in levels:
            logging.getLogger(name or None).setLevel(logging.NOTSET if name else logging.WARNING)
    for name, level in levels.items():
        logging.getLogger(name or None).setLevel(level)


def record_to_dict(record: logging.LogRecord, rank: int) -> dict[str, object]:
    """A picklable copy of ``record`` with its message formatted and ``rank`` attached."""
    exc_text = record.exc_text
    if record.exc_info and not exc_text:
        exc_text = logging.Formatter().formatException(record.exc_info)
    return {
        "name": record.name,
        "levelno": record.levelno,
        "levelname": record.levelname,
        "msg": f"[rank {rank}] {record.getMessage()}",
        "args": None,
        "pathname": record.pathname,
        "filename": record.filename,
        "module": record.module,
        "lineno": record.lineno,
        "funcName": record.funcName,
        "created": record.created,
        "msecs": record.msecs,
        "relativeCreated": record.relativeCreated,
        "exc_text": exc_text,
        "stack_info": record.stack_info,
        "process": record.process,
        "processName": record.processName,
        "thread": record.thread,
        "threadName": record.threadName,
        "rank": rank,
    }


def handle_remote(data: dict[str, object]) -> None:
    """Let this process's logger of the same name handle a shipped record."""
    record = logging.makeLogRecord(data)
    logger = logging.getLogger(record.name)
    if logger.isEnabledFor(record.levelno):
        logger.handle(record)


class ForwardingHandler(logging.Handler):
    """Hands every record it receives to ``sink`` as a dict (installed on worker ranks)."""

    def __init__(self, rank: int, sink: Callable[[dict[str, object]], None]) -> None:
        super().__init__(logging.NOTSET)
        self._rank = rank
        self._sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._sink(record_to_dict(record, self._rank))
        except Exception:
            self.handleError(record)


def install_forwarding(rank: int, sink: Callable[[dict[str, object]], None]) -> None:
    """Replace the root logger's handlers with one that forwards to ``sink``."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(ForwardingHandler(rank, sink))
