"""benchmarks/_state.py: a benchmark's LLM call state is committed in parts under
2 MB and loads back whole, also from a single file left by an older save."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import _state  # noqa: E402

from populace.llm.cache import CallCache  # noqa: E402


def _cache(path: Path, n: int, start: int = 0) -> Path:
    with CallCache(path) as c:
        c.put_many(
            [
                (f"k{i:04d}", "m", "choice", {"probs": [i / n, 1 - i / n]})
                for i in range(start, start + n)
            ]
        )
    return path


def test_save_splits_into_parts_and_load_restores_every_call(tmp_path):
    state = tmp_path / "state" / "bench.m.calls.jsonl.gz"
    src = _cache(tmp_path / "a.sqlite", 300)
    assert _state.save(src, state, part_bytes=4000) == 300
    files = _state.parts(state)
    assert len(files) > 3 and not state.exists()
    assert [f.name for f in files] == [
        f"bench.m.calls.part{i:02d}.jsonl.gz" for i in range(len(files))
    ]
    for f in files:  # no part over the budget, no line split
        with gzip.open(f, "rt") as fh:
            text = fh.read()
        assert len(text.encode()) <= 4000 and text.endswith("\n")
    assert not list(state.parent.glob("*.tmp"))
    assert _state.load(tmp_path / "b.sqlite", state) == 300
    with CallCache(tmp_path / "b.sqlite") as b:
        assert b.count() == 300 and b.get("k0123") == {"probs": [123 / 300, 1 - 123 / 300]}
    # a smaller cache saved over it leaves no stale part behind
    _state.save(_cache(tmp_path / "c.sqlite", 10), state, part_bytes=4000)
    assert len(_state.parts(state)) == 1


def test_load_reads_a_single_file_of_an_older_save_beside_parts(tmp_path):
    state = tmp_path / "bench.calls.jsonl.gz"
    with CallCache(_cache(tmp_path / "old.sqlite", 5)) as c:
        c.export_jsonl(state)  # the older single-file layout
    _state.save(_cache(tmp_path / "new.sqlite", 5, start=5), tmp_path / "other.calls.jsonl.gz")
    for f in _state.parts(tmp_path / "other.calls.jsonl.gz"):
        f.rename(tmp_path / f.name.replace("other", "bench"))
    assert [f.name for f in _state.parts(state)] == [
        "bench.calls.jsonl.gz",
        "bench.calls.part00.jsonl.gz",
    ]
    assert _state.load(tmp_path / "b.sqlite", state) == 10
    # the next save replaces both with parts
    _state.save(tmp_path / "b.sqlite", state)
    assert [f.name for f in _state.parts(state)] == ["bench.calls.part00.jsonl.gz"]


def test_sigterm_becomes_systemexit_so_the_final_save_runs(tmp_path):
    import os
    import signal

    before = signal.getsignal(signal.SIGTERM)
    saved = []
    try:
        _state.stop_on_sigterm()
        with pytest.raises(SystemExit, match="stopped by signal 15"):
            try:
                os.kill(os.getpid(), signal.SIGTERM)  # the handler runs before the next line
                saved.append("not reached")
            finally:
                saved.append("final save")  # what a run's finally does
    finally:
        signal.signal(signal.SIGTERM, before)
    assert saved == ["final save"]


def test_saves_from_two_threads_take_turns(tmp_path):
    """The periodic saver and a run's final save may overlap; both write the
    same temp names, so they must not run at once."""
    import threading

    src = _cache(tmp_path / "a.sqlite", 300)
    state = tmp_path / "state" / "run.calls.jsonl.gz"
    state.parent.mkdir()
    errors = []

    def go():
        try:
            _state.save(src, state, part_bytes=4000)
        except Exception as exc:  # a collision shows here (a temp file gone)
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _state.load(tmp_path / "b.sqlite", state) == 300
