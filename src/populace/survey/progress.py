"""Progress of long loops: a rich bar with rate (items/s) and ETA on a terminal,
plain log lines elsewhere.

A run started with ``nohup``, under a batch scheduler or with its output piped
to a file has no terminal: rich would print the bar once, when the loop ends,
and hours of work would show nothing. There ``progress_bar`` logs one line
(logger ``populace.progress``, INFO) every ``POPULACE_PROGRESS_SECONDS``
seconds (default 60) with the count, share, rate, elapsed time and ETA, and one
line when the loop ends. The CLI shows these lines (``cli/_logging.py``); a
script shows them once it configures logging (``logging.basicConfig(level=
logging.INFO)``). Without any logging handler, and in Jupyter, the rich bar
stays.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Callable
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

log = logging.getLogger("populace.progress")

#: seconds between two progress lines when there is no terminal
DEFAULT_SECONDS = 60.0
#: advances the line's rate is measured over (see ProgressLines._recent_rate)
WINDOW = 20


class RateColumn(ProgressColumn):
    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("-- items/s" if speed is None else f"{speed:.2f} items/s")


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "-:--:--"
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _speed(rate: float | None) -> str:
    """items/s, or s/item when slower than one a second (mining: 45 s/item)."""
    if rate is None:
        return "-- items/s"
    return f"{rate:.2f} items/s" if rate >= 1 else f"{1 / rate:.1f} s/item"


class ProgressLines:
    """The plain-line reporter: ``advance(n)`` logs at most one line per
    ``seconds``; ``close()`` logs the last one."""

    def __init__(
        self,
        total: int,
        description: str,
        seconds: float = DEFAULT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.total, self.description, self.seconds, self.clock = total, description, seconds, clock
        self.done = 0
        self.t0 = self.last = clock()
        # (time, count) after each of the last advances: the window the rate is
        # measured over (see _recent_rate)
        self.samples: deque[tuple[float, int]] = deque([(self.t0, 0)], maxlen=WINDOW + 1)

    def _rate(self, now: float) -> float | None:
        el = now - self.t0
        return self.done / el if el > 0 and self.done else None

    def _recent_rate(self) -> float | None:
        """Items per second over the last ``WINDOW`` advances, leaving out the
        advances more than 10 times faster than the median one. Not the average
        since the start: a resumed loop answers its first items from the cache
        at once (that burst is what the filter drops), which would promise too
        early an end. Not the last minute alone either: at 30-60 s an item
        (mining), a minute holds one or two items and the ETA swung by hours
        from line to line."""
        pts = list(self.samples)
        steps = [(t1 - t0, d1 - d0) for (t0, d0), (t1, d1) in zip(pts, pts[1:]) if d1 > d0]
        if not steps:
            return None
        per_item = sorted(dt / dn for dt, dn in steps)
        median = per_item[len(per_item) // 2]
        kept = [(dt, dn) for dt, dn in steps if dt / dn >= median / 10]
        secs, items = sum(dt for dt, _ in kept), sum(dn for _, dn in kept)
        return items / secs if secs > 0 else None

    def line(self, now: float) -> str:
        """The count and share, the recent rate and the ETA at that rate."""
        rate = self._recent_rate()
        share = f" ({100 * self.done / self.total:.1f}%)" if self.total else ""
        eta = (self.total - self.done) / rate if rate else None
        return (
            f"{self.description}: {self.done:,}/{self.total:,}{share}, {_speed(rate)}, "
            f"elapsed {_clock(now - self.t0)}, ETA {_clock(eta)}"
        )

    def advance(self, n: int) -> None:
        self.done += n
        now = self.clock()
        self.samples.append((now, self.done))
        if now - self.last >= self.seconds and self.done < self.total:
            log.info(self.line(now))
            self.last = now

    def close(self) -> None:
        now = self.clock()
        rate = self._rate(now)  # the whole loop's average
        how = "done" if self.done >= self.total else "stopped"
        r = "" if rate is None else f" ({_speed(rate)})"
        log.info(
            f"{self.description}: {how} at {self.done:,}/{self.total:,} "
            f"after {_clock(now - self.t0)}{r}"
        )


def _seconds() -> float:
    raw = os.environ.get("POPULACE_PROGRESS_SECONDS", "")
    try:
        return max(0.0, float(raw)) if raw.strip() else DEFAULT_SECONDS
    except ValueError:
        return DEFAULT_SECONDS


def interactive(console: Console | None = None) -> bool:
    """Whether a rich bar can redraw itself: a terminal or Jupyter."""
    c = console or Console()
    return bool(c.is_terminal or c.is_jupyter)


@contextmanager
def progress_bar(total: int, description: str, *, enabled: bool = True):
    """Yields ``advance(n)``; a no-op when disabled (see the module doc)."""
    if not enabled:
        yield lambda n: None
        return
    if not interactive() and log.hasHandlers():
        lines = ProgressLines(total, description, _seconds())
        try:
            yield lines.advance
        finally:
            lines.close()
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        transient=False,
    ) as prog:
        task = prog.add_task(description, total=total)
        yield lambda n: prog.advance(task, n)
