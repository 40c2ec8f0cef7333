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
