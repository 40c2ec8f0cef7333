import os

import numpy as np
import pytest

from populace.errors import PopulaceError
from populace.targeting.index import EmbeddingIndex

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# A hand-checked pool: each query has one persona that clearly fits it best.
POOL = {
    "teen_skater": "Jake is 16 and a sophomore at a public high school in Ohio; he skateboards "
    "after class, plays video games with friends and dreads his chemistry exams.",
    "hk_banker": "Wing works long hours at an investment bank in Central, Hong Kong, takes the "
    "MTR home to Kowloon and spends weekends hiking Dragon's Back.",
    "retired_farmer": "Harold, 74, farmed corn in rural Iowa for fifty years; now retired, he "
    "fixes old tractors and goes to the Lutheran church every Sunday.",
    "berlin_artist": "Lena is a painter in Berlin-Kreuzberg who sells prints at flea markets, "
    "rides her bike everywhere and volunteers at a refugee centre.",
    "nurse_mom": "Maria is a night-shift ICU nurse in Texas and a mother of three who meal-preps "
    "on Sundays and worries about her hospital's staffing.",
    "cs_student": "Priya studies computer science at a university in Toronto, codes side "
    "projects at night and is anxious about landing an internship.",
}
QUERIES = {
    "US high-school students": "teen_skater",
    "residents of Hong Kong": "hk_banker",
    "elderly people in the rural Midwest": "retired_farmer",
    "artists living in Germany": "berlin_artist",
    "healthcare workers who are parents": "nurse_mom",
    "Canadian university students": "cs_student",
}


@pytest.fixture(scope="module")
def pool_index():
    pytest.importorskip("sentence_transformers")
    from populace.targeting.embedder import load_embedder

    emb = load_embedder("minilm")
    ids = list(POOL)
    return emb, EmbeddingIndex(emb.encode([POOL[i] for i in ids]), ids)


@pytest.mark.parametrize("query,expected", list(QUERIES.items()))
def test_queries_retrieve_the_expected_persona(pool_index, query, expected):
    emb, index = pool_index
    hits = index.search_ids(emb.encode([query]), k=3)
    assert hits[0][0] == expected, hits
    assert hits[0][1] > hits[1][1]


def test_exact_topk_matches_full_sort():
    rng = np.random.default_rng(0)
    v = rng.normal(size=(1000, 16)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    q = rng.normal(size=(7, 16)).astype(np.float32)
    idx = EmbeddingIndex(v, list(range(1000)))
    pos, scores = idx.search(q, 10, block=3)
    full = q @ v.T
    want = np.argsort(-full, axis=1)[:, :10]
    np.testing.assert_array_equal(pos, want)
    np.testing.assert_allclose(scores, np.take_along_axis(full, want, axis=1), rtol=1e-5)


def test_k_larger_than_pool_returns_all():
    v = np.eye(3, dtype=np.float32)
    pos, _ = EmbeddingIndex(v, ["a", "b", "c"]).search(v[:1], 10)
    assert sorted(pos[0].tolist()) == [0, 1, 2] and pos[0][0] == 0


@pytest.mark.parametrize(
    "make,needle",
    [
        (lambda: EmbeddingIndex(np.zeros((0, 4)), []), "empty"),
        (lambda: EmbeddingIndex(np.eye(2), ["a"]), "one vector per id"),
        (lambda: EmbeddingIndex(np.eye(2), ["a", "b"]).search(np.ones((1, 3)), 1), "dimension 3"),
        (lambda: EmbeddingIndex(np.eye(2), ["a", "b"]).search(np.ones((1, 2)), 0), "at least 1"),
        (lambda: EmbeddingIndex(np.eye(2), ["a", "b"], backend="annoy"), "unknown index backend"),
    ],
)
def test_bad_inputs(make, needle):
    with pytest.raises(PopulaceError, match=needle):
        make()


def test_faiss_backend_returns_what_numpy_returns():
    pytest.importorskip(
        "faiss", reason="faiss-cpu is not installed (pip install 'populace[faiss]')"
    )
    rng = np.random.default_rng(1)
    v = rng.normal(size=(2000, 24)).astype(np.float32)
    q = rng.normal(size=(9, 24)).astype(np.float32)
    ids = [f"p{i}" for i in range(2000)]
    a = EmbeddingIndex(v, ids, backend="numpy")
    b = EmbeddingIndex(v, ids, backend="faiss")
    assert b.backend == "faiss"
    pa, sa = a.search(q, 15)
    pb, sb = b.search(q, 15)
    np.testing.assert_array_equal(pa, pb)
    np.testing.assert_allclose(sa, sb, rtol=1e-4, atol=1e-5)


def test_auto_backend_uses_faiss_only_for_large_pools(monkeypatch):
    from populace.targeting import index as mod

    assert mod.resolve_backend("auto", 10) == "numpy"
    assert mod.resolve_backend("numpy", 10**6) == "numpy"
    have = True
    try:
        import faiss  # noqa: F401
    except ImportError:
        have = False
    assert mod.resolve_backend("auto", mod.FAISS_MIN) == ("faiss" if have else "numpy")
    monkeypatch.setitem(__import__("sys").modules, "faiss", None)  # as if not installed
    assert mod.resolve_backend("auto", mod.FAISS_MIN) == "numpy"
    with pytest.raises(PopulaceError, match="populace\\[faiss\\]"):
        EmbeddingIndex(np.eye(2), ["a", "b"], backend="faiss")
