"""The group-adapting revision (targeting/revision.py): the template chosen from the
query, the context seeds of Eq. 15, and the prompts the LLM receives."""

import pytest

import populace
from populace.errors import PopulaceError
from populace.targeting import load_embedder
from populace.targeting.prompts import Templates
from populace.targeting.revision import (
    choose_template,
    context_text,
    resolve_template,
    revise_tasks,
)
from tests._target_helpers import make_run
from tests._target_standin import Scripted


@pytest.mark.parametrize(
    "query,expected",
    [
        ("US high-school students", "youth"),
        ("teenagers in high school", "youth"),
        ("young people aged 16 to 24", "youth"),
        ("residents of East Asia", "region"),
        ("people living in Mexico", "region"),
        ("Germany", "region"),
        ("Hong Kong", "region"),
        ("Europeans", "region"),
        ("nurses who work night shifts", "generic"),
        ("people who suffer from anxiety", "generic"),
        ("retired farmers", "generic"),
    ],
)
def test_template_chosen_from_the_query(query, expected):
    assert choose_template(query) == expected
    assert resolve_template("auto", query) == expected


def test_explicit_template_wins_and_unknown_fails():
    assert resolve_template("minimal", "US high-school students") == "minimal"
    assert resolve_template("generic", "residents of Japan") == "generic"
    with pytest.raises(PopulaceError, match="unknown revision template 'fancy'"):
        resolve_template("fancy", "teens")


def test_context_is_the_next_seeds_never_the_seed_itself():
    texts = ["a " * 5, "b b", "c c", "d d"]
    positions = [2, 0, 3]  # pool positions in similarity order
    assert context_text(texts, positions, 0, 2, 60) == "Person 1: a a a a a\nPerson 2: d d"
    assert context_text(texts, positions, 2, 2, 60) == "Person 1: c c\nPerson 2: a a a a a"
    assert context_text(texts, positions, 1, 5, 60) == "Person 1: d d\nPerson 2: c c"
    assert context_text(texts, positions, 1, 1, 3).endswith("d d")
    assert context_text(texts, [2, 0], 0, 1, 3) == "Person 1: a a a ..."  # cut to 3 words
    assert context_text(texts, [1], 0, 2, 60) == "(none)"
    assert context_text(texts, positions, 0, 0, 60) == "(none)"


def test_prompts_show_seed_context_and_query_minimal_shows_no_context():
    t = Templates.load()
    texts = ["I am a quiet baker in Lyon.", "I race bikes.", "I teach piano."]
    hits = [(0, 0.9), (2, 0.8), (1, 0.7)]
    plan = [(0, 0.9, 0), (2, 0.8, 0), (0, 0.9, 1)]
    tasks = revise_tasks(
        t,
        "region",
        texts,
        hits,
        plan,
        "residents of France",
        max_words=50,
        variant_temperature=0.8,
        context_seeds=1,
    )
    user = tasks[0].messages[-1].content
    assert "I am a quiet baker in Lyon." in user and "residents of France" in user
    assert "Person 1: I teach piano." in user and "I race bikes." not in user  # next seed only
    assert "typical resident" in user and "temperament" in user
    assert [x.temperature for x in tasks] == [0.0, 0.0, 0.8]
    assert [x.sample_index for x in tasks] == [0, 0, 1]
    mini = revise_tasks(
        t,
        "minimal",
        texts,
        hits,
        plan,
        "residents of France",
        max_words=50,
        variant_temperature=0.8,
    )
    m = mini[0].messages[-1].content
    assert "I teach piano." not in m and "Make only the changes the group needs" in m
    youth = (
        revise_tasks(
            t,
            "youth",
            texts,
            hits,
            plan[:1],
            "US high-school students",
            max_words=50,
            variant_temperature=0.8,
        )[0]
        .messages[-1]
        .content
    )
    assert "school and grade" in youth and "I race bikes." in youth  # 2 context seeds


def test_target_records_the_template_and_old_and_new_prompts_differ(tmp_path):
    r = make_run(tmp_path / "run")
    emb = load_embedder("minilm")
    b = Scripted()
    new = populace.target(
        r,
        "US high-school students",
        2,
        top_k=2,
        backend=b,
        embedder=emb,
        progress=False,
        out=tmp_path / "new.parquet",
    )
    assert new.info["template"] == "youth" and new.info["context_seeds"] == 2
    calls = b.calls
    old = populace.target(
        r,
        "US high-school students",
        2,
        top_k=2,
        backend=b,
        embedder=emb,
        progress=False,
        template="minimal",
        out=tmp_path / "old.parquet",
    )
    assert old.info["template"] == "minimal" and old.info["context_seeds"] == 0
    assert b.calls == calls + 2  # a different prompt: new calls, not the cached ones
    assert old.personas["seed_persona_id"].tolist() == new.personas["seed_persona_id"].tolist()
    ret = populace.target(
        r,
        "US high-school students",
        2,
        revise=False,
        embedder=emb,
        progress=False,
        out=tmp_path / "ret.parquet",
    )
    assert ret.info["template"] is None
    with pytest.raises(PopulaceError, match="context_seeds"):
        populace.target(r, "teens", 2, backend=b, embedder=emb, context_seeds=-1)
