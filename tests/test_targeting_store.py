import os

import numpy as np
import pytest

from populace.errors import PopulaceError
from populace.targeting.store import embed_personas, store_path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


class CountingEmbedder:
    """Wraps the real MiniLM and counts the texts it embeds."""

    def __init__(self, inner):
        self.inner, self.seen = inner, []
        self.name, self.fingerprint = inner.name, inner.fingerprint

    def encode(self, texts, **kw):
        self.seen.extend(texts)
        return self.inner.encode(texts, **kw)


@pytest.fixture(scope="module")
def minilm():
    pytest.importorskip("sentence_transformers")
    from populace.targeting.embedder import load_embedder

    return load_embedder("minilm")


def test_embeddings_are_computed_once_and_extended(tmp_path, minilm):
    emb = CountingEmbedder(minilm)
    ids, texts = ["a", "b"], ["A nurse in Texas.", "A student in Toronto."]
    v1 = embed_personas(ids, texts, emb, tmp_path)
    assert emb.seen == texts and store_path(tmp_path, emb).exists()
    v2 = embed_personas(ids, texts, emb, tmp_path)
    assert emb.seen == texts  # nothing recomputed
    np.testing.assert_array_equal(v1, v2)
    v3 = embed_personas(
        ["b", "c", "a"], [texts[1], "A farmer in Iowa.", "A nurse in Ohio."], emb, tmp_path
    )
    assert emb.seen[2:] == ["A farmer in Iowa.", "A nurse in Ohio."]  # new and changed only
    np.testing.assert_array_equal(v3[0], v1[1])
    assert not np.allclose(v3[2], v1[0])


def test_bad_persona_inputs(tmp_path, minilm):
    with pytest.raises(PopulaceError, match="unique"):
        embed_personas(["a", "a"], ["x", "y"], minilm, tmp_path)
    with pytest.raises(PopulaceError, match="no text"):
        embed_personas(["a", "b"], ["x", "  "], minilm, tmp_path)
