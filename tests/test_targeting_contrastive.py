import numpy as np

from populace.targeting import load_embedder
from populace.targeting.contrastive import Example, train_contrastive


def test_training_pulls_the_positive_closer_than_its_negatives():
    emb = load_embedder("minilm")
    ex = [
        Example(
            "zzq people",
            "A person who likes quiet evenings at home.",
            ["A loud person who throws parties.", "A sailor at sea."],
        )
    ] * 8
    before = emb.encode(["zzq people", ex[0].positive] + ex[0].negatives)
    losses = train_contrastive(emb.model, ex, epochs=3, batch_size=4, lr=1e-4)
    after = emb.encode(["zzq people", ex[0].positive] + ex[0].negatives)
    margin = lambda v: float(v[1] @ v[0] - max(v[2] @ v[0], v[3] @ v[0]))  # noqa: E731
    assert margin(after) > margin(before)
    assert losses[-1] < losses[0] and all(np.isfinite(losses))
