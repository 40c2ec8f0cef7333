"""External persona files: the presets on the real public persona files in
../shared/data/persona_sets (counts of distinct profiles as its README gives
them), and each preset on a small local file written in its published layout."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from populace.errors import DataError, PopulaceError
from populace.persona_sets import PRESETS, load_external, profile_key, sentences
from tests.conftest import shared


@pytest.mark.parametrize(
    "parts, preset, n",
    [
        (("personahub", "tool.jsonl"), "personahub", 5_000),
        (
            ("synthetic_persona_chat", "Synthetic-Persona-Chat_valid.csv"),
            "synthetic_persona_chat",
            541,
        ),
        (
            ("synthetic_persona_chat", "Synthetic-Persona-Chat_test.csv"),
            "synthetic_persona_chat",
            524,
        ),
        (("personachat", "En_persona_test.json"), "personachat", 680),
    ],
)
def test_real_public_sets_distinct_profiles(parts, preset, n):
    f = shared("persona_sets", *parts)
    out = load_external(f, name=preset, preset=preset)
    assert len(out) == n and out["persona_id"].is_unique and out.attrs["profiles"] == n
    assert out["persona"].str.len().gt(3).all()  # a few PersonaHub personas are short Chinese ones
    assert not out["persona"].str.contains("\n").any()  # sentences joined by spaces
    again = load_external(f, name=preset, preset=preset, limit=100, seed=3)
    assert len(again) == 100 and set(again["persona"]) <= set(out["persona"])
    assert again.attrs["profiles"] == n
    assert again.equals(load_external(f, name=preset, preset=preset, limit=100, seed=3))
    assert not again.equals(load_external(f, name=preset, preset=preset, limit=100, seed=4))


def test_real_sets_profile_text_and_ids():
    spc = load_external(
        shared("persona_sets", "synthetic_persona_chat", "Synthetic-Persona-Chat_valid.csv"),
        name="spc",
        preset="synthetic_persona_chat",
    )
    # row 0's two users, their newline-separated sentences joined
    assert spc["persona_id"].tolist()[:2] == ["spc-0-1", "spc-0-2"]
    assert spc["persona"].iloc[0] == (
        "I love to bake cookies. I have a dogs. The county wide "
        "bake sale is where i feel most at home. Knitting is my "
        "passion."
    )
    pc = load_external(
        shared("persona_sets", "personachat", "En_persona_test.json"),
        name="pc",
        preset="personachat",
    )
    assert pc["persona"].iloc[0].startswith("i read twenty books a year. i'm a stunt double")
    assert pc["persona_id"].iloc[0] == "pc-0"


def test_a_profile_is_its_sentence_set():
    a = sentences("I cook.\n  I have  two cats.\n", lines=True)
    assert a == ["I cook.", "I have two cats."]
    assert profile_key(a) == profile_key(["i have two cats.", "I cook."])
    assert sentences(["x", " ", "y"]) == ["x", "y"] and sentences(float("nan")) == []


def test_file_without_the_fields_names_them(tmp_path):
    f = _jsonl(tmp_path / "other.jsonl", [{"name": "Ann", "bio": "A cook."}])
    with pytest.raises(DataError) as e:
        load_external(f, preset="personachat")
    msg = str(e.value)
    assert str(f) in msg and "'name', 'bio'" in msg and "'persona'" in msg
    j = tmp_path / "d.json"
    j.write_text(json.dumps([{"dialogue": [["hi", "hello"]]}]))
    with pytest.raises(DataError, match="the file has 'dialogue'"):
        load_external(j, preset="personachat")


def test_tulu3_without_a_persona_column_says_why(tmp_path):
    f = tmp_path / "tulu.parquet"
    pd.DataFrame(
        {"id": ["a", "b"], "prompt": ["A chemist asks x", "Write y"], "messages": [[], []]}
    ).to_parquet(f)
    with pytest.raises(DataError, match="store the prompts written from a persona"):
        load_external(f, preset="tulu3")
    out = load_external(f, preset="tulu3", text_column="prompt")
    assert out["persona"].tolist() == ["A chemist asks x", "Write y"]
    assert out["persona_id"].tolist() == ["a", "b"]


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_personahub_jsonl(tmp_path):
    f = _jsonl(
        tmp_path / "persona.jsonl",
        [{"persona": "A chemist who bakes bread."}, {"persona": "A nurse on night shifts."}],
    )
    out = load_external(f, name="hub", preset="personahub")
    assert out["persona"].tolist() == ["A chemist who bakes bread.", "A nurse on night shifts."]
    assert out["persona_id"].tolist() == ["hub-0", "hub-1"]


def test_personachat_lists_joined_and_repeats_dropped(tmp_path):
    f = tmp_path / "pc.parquet"
    pd.DataFrame(
        {
            "personality": [["I like dogs.", "I am a nurse."]] * 3
            + [["I surf.", "I live by the sea."]],
            "candidates": [["hi"]] * 4,
            "history": [["hello"]] * 4,
            "conv_id": [0, 0, 0, 1],
            "utterance_idx": [0, 1, 2, 0],
        }
    ).to_parquet(f)
    out = load_external(f, preset="personachat")
    assert out["persona"].tolist() == ["I like dogs. I am a nurse.", "I surf. I live by the sea."]
    assert out["persona_id"].tolist() == ["0", "1"]


def test_synthetic_persona_chat_both_users(tmp_path):
    f = tmp_path / "spc.csv"
    pd.DataFrame(
        {
            "user 1 personas": ["I am a cook.\nI have two cats."],
            "user 2 personas": ["I run marathons."],
            "Best Generated Conversation": ["User 1: hi\nUser 2: hello"],
        }
    ).to_csv(f, index=False)
    out = load_external(f, name="spc", preset="synthetic_persona_chat")
    assert len(out) == 2 and out["persona"].iloc[1] == "I run marathons."
    assert out["persona_id"].is_unique


@pytest.mark.parametrize(
    "preset, columns",
    [
        (
            "nemotron",
            {
                "uuid": ["u1", "u2"],
                "persona": ["A farmer in Iowa.", "A teacher in Ohio."],
                "professional_persona": ["x", "y"],
                "age": [40, 31],
            },
        ),
        (
            "tulu3",
            {
                "id": ["a", "b"],
                "prompt": ["Solve x", "Write y"],
                "persona": ["A math tutor.", "A poet."],
                "messages": [[], []],
            },
        ),
        (
            "alignx",
            {
                "prompt": ["q1", "q2"],
                "chosen": ["c", "d"],
                "rejected": ["e", "f"],
                "Demographic Information": ["Female, 34, Spain.", "Male, 52, Kenya."],
            },
        ),
    ],
)
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
