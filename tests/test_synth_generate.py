"""SyncP personas: the reply parser, and real SmolLM2 writing personas (cached:
a second call repeats no model call)."""

from __future__ import annotations

import pytest

from populace.errors import PopulaceError
from populace.llm.cache import CallCache
from populace.synth import synthesize
from populace.synth.generate import parse_synth


def test_parse_synth():
    assert (
        parse_synth("PERSONA: A quiet baker who loves jazz.\n\nMore text", 100)
        == "A quiet baker who loves jazz."
    )
    assert parse_synth("persona: " + "word " * 200, 10) == " ".join(["word"] * 10)
    for bad in ("no label here", "PERSONA: <the persona>", "PERSONA:   ", None):
        with pytest.raises(ValueError):
            parse_synth(bad, 100)


def test_real_model_writes_personas_and_resumes(tmp_path):
    from tests._mining_helpers import smol

    b = smol()
    cache = tmp_path / "cache.sqlite"
    out = tmp_path / "synth.parquet"
    frame = synthesize(2, backend=b, out=out, cache=cache, max_tokens=48, progress=False)
    assert list(frame.columns) == ["persona_id", "persona", "status", "attempts", "error"]
    assert frame["persona_id"].tolist() == ["syncp-0000", "syncp-0001"]
    assert (frame["status"] == "ok").sum() >= 1
    ok = frame[frame["status"] == "ok"]
    assert ok["persona"].str.split().str.len().between(1, 100).all()
    assert len(set(ok["persona"])) == len(ok)  # temperature 1: distinct draws
    with CallCache(cache) as c:
        n_calls = c.count()
    assert n_calls == frame["attempts"].sum()
    again = synthesize(2, backend=b, out=out, cache=cache, max_tokens=48, progress=False)
    assert again.equals(frame)
    with CallCache(cache) as c:
        assert c.count() == n_calls


def test_bad_arguments():
    with pytest.raises(PopulaceError):
        synthesize(0, backend=None)
