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


def _no_dropout(emb):
    import torch

    for m in emb.model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
    return emb


def _params(emb):
    return {k: v.detach().clone() for k, v in emb.model.state_dict().items()}


def test_gradient_accumulation_takes_the_step_of_the_whole_batch():
    """8 queries as 4 x 2 (or 2 x 4) accumulated micro-batches give the optimiser step of
    one batch of 8; two steps of 4 (no accumulation) do not."""
    ex = [
        Example(f"people who like thing {i}", f"I like thing {i} a lot.", [f"I hate thing {i}."])
        for i in range(8)
    ]
    before = _params(_no_dropout(load_embedder("minilm")))
    moved = {}
    for name, bs, acc in (("8x1", 8, 1), ("4x2", 4, 2), ("2x4", 2, 4), ("4x1", 4, 1)):
        emb = _no_dropout(load_embedder("minilm"))
        losses = train_contrastive(emb.model, ex, batch_size=bs, grad_accum=acc, lr=1e-4)
        after = _params(emb)
        moved[name] = (after, losses[0])
    ref, ref_loss = moved["8x1"]

    def dist(a, b):  # L2 norm over all weights
        return sum(float(((a[k] - b[k]).double() ** 2).sum()) for k in ref) ** 0.5

    change = dist(ref, before)
    assert change > 1e-4  # the step moved the weights
    for name in ("4x2", "2x4"):
        p, loss = moved[name]
        # AdamW's first step is about lr * sign(gradient): float noise (padding to other
        # lengths) flips the sign of a few near-zero gradients, nothing more
        assert dist(p, ref) < 0.05 * change, (name, dist(p, ref), change)
        assert abs(loss - ref_loss) < 1e-4  # the same mean loss per query
    p, _ = moved["4x1"]
    assert dist(p, ref) > 0.3 * change, (dist(p, ref), change)


def test_grad_accum_must_be_positive():
    import pytest

    with pytest.raises(ValueError, match="grad_accum"):
        train_contrastive(load_embedder("minilm").model, [], grad_accum=0)
