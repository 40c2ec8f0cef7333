"""The progress bar every long stage shows: counts, rate and ETA; a no-op when off."""

from __future__ import annotations

from types import SimpleNamespace

from populace.survey.progress import RateColumn, progress_bar


def test_rate_column_shows_items_per_second_or_dashes_before_any():
    col = RateColumn()
    assert col.render(SimpleNamespace(finished_speed=None, speed=None)).plain == "-- items/s"
    assert col.render(SimpleNamespace(finished_speed=None, speed=4.666)).plain == "4.67 items/s"
    assert col.render(SimpleNamespace(finished_speed=2.0, speed=9.0)).plain == "2.00 items/s"


def test_disabled_bar_prints_nothing_and_accepts_advances(capsys):
    with progress_bar(10, "survey x", enabled=False) as advance:
        for _ in range(10):
            advance(1)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_enabled_bar_ends_with_the_count_and_description(capsys):
    with progress_bar(5, "survey ipip50 (sample)") as advance:
        advance(2)
        advance(3)
    text = capsys.readouterr()
    shown = text.out + text.err
    assert "survey ipip50 (sample)" in shown and "5/5" in shown and "items/s" in shown
