"""Retrieval on a hand-checked pool (tests/_target_helpers.py) with real MiniLM."""

import pytest

from populace.errors import PopulaceError
from populace.targeting import load_embedder, load_pool, retrieve
from populace.targeting.pool import pool_vectors
from tests._target_helpers import POOL, QUERIES, make_run


@pytest.fixture(scope="module")
def minilm():
    return load_embedder("minilm")


def test_every_query_finds_its_hand_checked_persona_first(tmp_path, minilm):
    r = make_run(tmp_path / "run")
    pool = load_pool(r)
    assert pool.source == "personas" and len(pool) == len(POOL)
    vecs = pool_vectors(r, pool, minilm)
    for query, expected in QUERIES.items():
        hits = retrieve(query, pool, vecs, minilm, 3)
        assert pool.ids[hits[0][0]] == expected, (query, [pool.ids[p] for p, _ in hits])
        assert hits[0][1] > hits[1][1] >= hits[2][1]
    assert list((tmp_path / "run" / "embeddings").glob("minilm-*.npz"))


def test_aligned_set_is_the_pool_where_present(tmp_path, minilm):
    r = make_run(tmp_path / "run", aligned=[("h02", 1.0), ("h04", 2.0), ("h02", 1.0)])
    pool = load_pool(r)
    assert pool.source == "aligned" and pool.ids == ["h02", "h04"]
    assert list(pool.weights) == [2.0, 2.0]
    hits = retrieve("teenagers in high school", pool, pool_vectors(r, pool, minilm), minilm, 2)
    assert {pool.ids[p] for p, _ in hits} == {"h02", "h04"}  # never outside the aligned set


def test_pool_errors(tmp_path):
    from populace.run import Run

    with pytest.raises(PopulaceError, match="personas.parquet does not exist"):
        load_pool(Run(tmp_path / "empty"))
    r = make_run(tmp_path / "run", aligned=[("h02", 1.0), ("nobody", 1.0)])
    with pytest.raises(PopulaceError, match="not in"):
        load_pool(r)


def test_pool_from_a_persona_file_a_preset_and_another_run(tmp_path, minilm):
    import json

    import pandas as pd

    from populace.targeting import load_pool_file

    f = tmp_path / "people.csv"
    pd.DataFrame(POOL, columns=["persona_id", "persona"]).to_csv(f, index=False)
    pool = load_pool_file(f)
    assert pool.source == "file:people.csv" and pool.ids == [p for p, _ in POOL]
    hub = tmp_path / "tool.jsonl"
    hub.write_text(
        "\n".join(json.dumps({"input persona": t, "synthesized text": "x"}) for _, t in POOL)
    )
    ph = load_pool_file(hub, preset="personahub", limit=5, seed=1)
    assert len(ph) == 5 and ph.source == "preset:personahub:tool.jsonl"
    assert set(ph.texts) <= {t for _, t in POOL}
    r = make_run(tmp_path / "other", aligned=[("h02", 1.0), ("h04", 2.0)])
    assert load_pool_file(r.path).ids == ["h02", "h04"]  # a run directory: its aligned set
    with pytest.raises(PopulaceError, match="run directory"):
        load_pool_file(r.path, preset="personahub")
    with pytest.raises(PopulaceError, match="does not exist"):
        load_pool_file(tmp_path / "nope.jsonl", preset="personahub")
    with pytest.raises(PopulaceError, match="unknown persona preset"):
        load_pool_file(hub, preset="nope")
    with pytest.raises(PopulaceError, match="no persona text column"):
        load_pool_file(hub)  # no persona/text column without the preset


def test_personahub_pool_of_the_shared_data(tmp_path, minilm):
    from pathlib import Path

    import populace
    from populace.targeting import load_pool_file

    f = (
        Path(__file__).resolve().parents[1].parent
        / "shared/data/persona_sets/personahub/tool.jsonl"
    )
    if not f.exists():
        pytest.skip(f"needs PersonaHub's tool subset at {f}")
    pool = load_pool_file(f, preset="personahub", limit=300)
    assert len(pool) == 300
    res = populace.target(
        tmp_path / "run",
        "high-school students",
        5,
        pool=pool,
        revise=False,
        embedder=minilm,
        progress=False,
    )
    assert res.info["pool_source"] == "preset:personahub:tool.jsonl" and len(res.personas) == 5
    text = " ".join(res.personas["persona"]).lower()
    assert any(w in text for w in ("student", "school", "teen", "teacher"))
