"""External persona files: each named preset on a small local file written in
that data set's published layout (no downloads)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from populace.errors import DataError, PopulaceError
from populace.pipeline.external import PRESETS, load_external


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_personahub_jsonl(tmp_path):
    f = _jsonl(tmp_path / "persona.jsonl", [{"persona": "A chemist who bakes bread."},
                                            {"persona": "A nurse on night shifts."}])
    out = load_external(f, name="hub", preset="personahub")
    assert out["persona"].tolist() == ["A chemist who bakes bread.", "A nurse on night shifts."]
    assert out["persona_id"].tolist() == ["hub-0", "hub-1"]


def test_personachat_lists_joined_and_repeats_dropped(tmp_path):
    f = tmp_path / "pc.parquet"
    pd.DataFrame({"personality": [["I like dogs.", "I am a nurse."]] * 3
                  + [["I surf.", "I live by the sea."]],
                  "candidates": [["hi"]] * 4, "history": [["hello"]] * 4,
                  "conv_id": [0, 0, 0, 1], "utterance_idx": [0, 1, 2, 0]}).to_parquet(f)
    out = load_external(f, preset="personachat")
    assert out["persona"].tolist() == ["I like dogs. I am a nurse.", "I surf. I live by the sea."]
    assert out["persona_id"].tolist() == ["0", "1"]


def test_synthetic_persona_chat_both_users(tmp_path):
    f = tmp_path / "spc.csv"
    pd.DataFrame({"user 1 personas": ["I am a cook.\nI have two cats."],
                  "user 2 personas": ["I run marathons."],
                  "Best Generated Conversation": ["User 1: hi\nUser 2: hello"]}).to_csv(f,
                                                                                         index=False)
    out = load_external(f, name="spc", preset="synthetic_persona_chat")
    assert len(out) == 2 and out["persona"].iloc[1] == "I run marathons."
    assert out["persona_id"].is_unique


@pytest.mark.parametrize("preset, columns", [
    ("nemotron", {"uuid": ["u1", "u2"], "persona": ["A farmer in Iowa.", "A teacher in Ohio."],
                  "professional_persona": ["x", "y"], "age": [40, 31]}),
    ("tulu3", {"id": ["a", "b"], "prompt": ["Solve x", "Write y"],
               "persona": ["A math tutor.", "A poet."], "messages": [[], []]}),
    ("alignx", {"prompt": ["q1", "q2"], "chosen": ["c", "d"], "rejected": ["e", "f"],
                "Demographic Information": ["Female, 34, Spain.", "Male, 52, Kenya."]}),
])
def test_other_presets(tmp_path, preset, columns):
    f = tmp_path / f"{preset}.parquet"
    pd.DataFrame(columns).to_parquet(f)
    out = load_external(f, name=preset, preset=preset)
    assert len(out) == 2 and out["persona"].str.len().gt(3).all()
    assert preset in PRESETS


def test_text_column_override_limit_and_errors(tmp_path):
    f = tmp_path / "mine.csv"
    pd.DataFrame({"desc": [f"person {i}" for i in range(10)]}).to_csv(f, index=False)
    out = load_external(f, text_column="desc", limit=4, seed=1)
    assert len(out) == 4 and out["persona_id"].is_unique
    with pytest.raises(DataError, match="no persona text column"):
        load_external(f, preset="personahub")
    with pytest.raises(PopulaceError, match="unknown persona preset"):
        load_external(f, preset="nope")
    with pytest.raises(PopulaceError, match="does not exist"):
        load_external(tmp_path / "x.csv")
