"""Progress of long loops: the rich bar on a terminal, plain log lines with count,
rate and ETA where there is none (nohup, a scheduler, a pipe), nothing when off."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from rich.console import Console

from populace.survey import progress as P


def test_rate_column_shows_items_per_second_or_dashes_before_any():
    col = P.RateColumn()
    assert col.render(SimpleNamespace(finished_speed=None, speed=None)).plain == "-- items/s"
    assert col.render(SimpleNamespace(finished_speed=None, speed=4.666)).plain == "4.67 items/s"
    assert col.render(SimpleNamespace(finished_speed=2.0, speed=9.0)).plain == "2.00 items/s"


def test_disabled_bar_prints_and_logs_nothing(capsys, caplog):
    caplog.set_level(logging.INFO, "populace.progress")
    with P.progress_bar(10, "survey x", enabled=False) as advance:
        for _ in range(10):
            advance(1)
    out = capsys.readouterr()
    assert out.out == "" and out.err == "" and caplog.records == []


def test_lines_come_at_most_once_per_interval_with_rate_and_eta(caplog):
    caplog.set_level(logging.INFO, "populace.progress")
    now = [100.0]
    lines = P.ProgressLines(1000, "survey ipip50 (sample)", seconds=60, clock=lambda: now[0])
    for _ in range(10):  # 100 items every 30 s: a line at 60 s, 120 s, ...
        now[0] += 30
        lines.advance(100)
    lines.close()
    msgs = [r.getMessage() for r in caplog.records]
    assert msgs[0] == (
        "survey ipip50 (sample): 200/1,000 (20.0%), 3.33 items/s, elapsed 0:01:00, ETA 0:04:00"
    )
    assert len(msgs) == 5  # at 60, 120, 180 and 240 s (300 s is the end), then the last line
    assert msgs[-1] == "survey ipip50 (sample): done at 1,000/1,000 after 0:05:00 (3.33 items/s)"


def test_the_rate_is_a_recent_one_not_the_average_since_the_start(caplog):
    """A resumed loop answers its first items from the cache in a second: the
    later lines give the current rate and an ETA at that rate."""
    caplog.set_level(logging.INFO, "populace.progress")
    now = [0.0]
    lines = P.ProgressLines(600, "qc (authors)", seconds=60, clock=lambda: now[0])
    now[0] = 1.0
    lines.advance(240)  # cached
    for _ in range(4):  # then one author every 45 s
        now[0] += 45
        lines.advance(1)
    msgs = [r.getMessage() for r in caplog.records]
    # the rate is over the last 60 s and more, back to the end of the cached burst
    assert msgs[0] == "qc (authors): 242/600 (40.3%), 45.0 s/item, elapsed 0:01:31, ETA 4:28:30"
    assert msgs[1] == "qc (authors): 244/600 (40.7%), 45.0 s/item, elapsed 0:03:01, ETA 4:27:00"


def test_a_loop_that_stops_early_says_so(caplog):
    caplog.set_level(logging.INFO, "populace.progress")
    now = [0.0]
    lines = P.ProgressLines(50, "qc", seconds=60, clock=lambda: now[0])
    assert lines.line(0.0) == "qc: 0/50 (0.0%), -- items/s, elapsed 0:00:00, ETA -:--:--"
    now[0] = 10.0
    lines.advance(5)
    lines.close()
    assert [r.getMessage() for r in caplog.records] == [
        "qc: stopped at 5/50 after 0:00:10 (2.0 s/item)"
    ]


def test_without_a_terminal_the_bar_is_log_lines(caplog, monkeypatch):
    caplog.set_level(logging.INFO, "populace.progress")
    monkeypatch.setattr(P, "interactive", lambda console=None: False)
    monkeypatch.setenv("POPULACE_PROGRESS_SECONDS", "0")
    with P.progress_bar(3, "persona") as advance:
        advance(1)
        advance(2)
    msgs = [r.getMessage() for r in caplog.records]
    assert msgs[0].startswith("persona: 1/3 (33.3%), ")
    assert msgs[-1].startswith("persona: done at 3/3 after ")


@pytest.mark.parametrize("terminal", [True, False])
def test_on_a_terminal_or_with_no_log_handler_it_is_the_rich_bar(
    capsys, caplog, monkeypatch, terminal
):
    caplog.set_level(logging.INFO, "populace.progress")
    monkeypatch.setattr(P, "interactive", lambda console=None: terminal)
    if not terminal:  # a script that configured no logging would see nothing otherwise
        monkeypatch.setattr(P.log, "hasHandlers", lambda: False)
    with P.progress_bar(5, "survey ipip50 (sample)") as advance:
        advance(2)
        advance(3)
    shown = "".join(capsys.readouterr())
    assert "survey ipip50 (sample)" in shown and "5/5" in shown and "items/s" in shown
    assert caplog.records == []


@pytest.mark.parametrize("raw, seconds", [("", 60.0), ("15", 15.0), ("-3", 0.0), ("soon", 60.0)])
def test_the_interval_comes_from_the_environment(monkeypatch, raw, seconds):
    monkeypatch.setenv("POPULACE_PROGRESS_SECONDS", raw)
    assert P._seconds() == seconds


def test_a_file_is_not_interactive_and_a_forced_terminal_is(tmp_path):
    with open(tmp_path / "log.txt", "w") as fh:
        assert not P.interactive(Console(file=fh))
        assert P.interactive(Console(file=fh, force_terminal=True))


def test_the_eta_holds_still_when_items_take_unequal_times(caplog):
    """Mining: authors take 20 s or 70 s in turn. A rate over the last minute
    alone saw one or two of them and swung the ETA by hours from line to line;
    over the last advances it stays at the 45 s mean."""
    caplog.set_level(logging.INFO, "populace.progress")
    now = [0.0]
    lines = P.ProgressLines(554, "qc (authors)", seconds=60, clock=lambda: now[0])
    now[0] = 1.0
    lines.advance(330)  # cached
    for k in range(40):
        now[0] += 20 if k % 2 else 70
        lines.advance(1)
    msgs = [r.getMessage() for r in caplog.records]
    rates = [float(m.split(", ")[1].split()[0]) for m in msgs]
    assert rates[0] == 70.0 and all(45.0 <= r <= 70.0 for r in rates)
    assert rates == sorted(rates, reverse=True)  # settles, never swings back
    filled = rates[10:]  # once the window holds 20 authors
    assert len(filled) > 5 and set(filled) == {45.0}


def test_no_rate_before_the_first_item():
    now = [0.0]
    lines = P.ProgressLines(10, "x", seconds=60, clock=lambda: now[0])
    now[0] = 61.0
    assert "-- items/s" in lines.line(now[0]) and "ETA -:--:--" in lines.line(now[0])
