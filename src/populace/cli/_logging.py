"""Show the library's log messages (``logging``, logger ``populace``) on a rich console.

The library reports progress through :mod:`logging` and never prints; a
command that wants those lines on screen wraps its work in
``with echo_log(console): ...``, which prints each INFO (and higher)
message of the ``populace`` loggers as one plain line, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console


class _ConsoleHandler(logging.Handler):
    def __init__(self, console: Console):
        super().__init__(logging.INFO)
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.console.print(record.getMessage())
        except Exception:  # pragma: no cover - logging must never raise
            self.handleError(record)


@contextmanager
def echo_log(console: Console | None, name: str = "populace") -> Iterator[None]:
    """Print the INFO messages of logger ``name`` and its children on ``console``
    while the block runs (nothing when ``console`` is None)."""
    if console is None:
        yield
        return
    logger = logging.getLogger(name)
    handler = _ConsoleHandler(console)
    level = logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
