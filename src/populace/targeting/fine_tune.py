"""Step 3 of ``train-embedder``: contrastive fine-tuning with optional epoch
selection on held-out personas, and the named training recipes.

Recipes (``recipe=`` of :func:`populace.targeting.train.train_embedder`,
``--recipe`` of ``populace train-embedder``; explicit settings override them):

==========  ======  =====================================  ======
recipe      epochs  batch (micro-batch x accumulation)     lr
==========  ======  =====================================  ======
``quick``   1       8 (8 x 1)                              2e-5
``paper``   2       32 (8 x 4, gradient accumulation)      6e-6
==========  ======  =====================================  ======

``paper`` is Table 8 of Hu et al. (arXiv:2509.10127); ``quick`` is the recipe
populace used before and stays the default: on benchmarks/target_retrieval.py
(472 mined personas, Qwen2.5-1.5B queries) it beats ``paper`` on held-out MRR
(0.903 vs 0.859) and metadata MRR (0.950 vs 0.654), beyond the paired
intervals; docs/targeting.md has the figures.
"""

from __future__ import annotations

from populace.errors import PopulaceError
from populace.targeting.contrastive import train_contrastive

RECIPES = {
    "quick": {"epochs": 1, "batch_size": 8, "grad_accum": 1, "lr": 2e-5},
    "paper": {"epochs": 2, "batch_size": 8, "grad_accum": 4, "lr": 6e-6},
}
DEFAULT_RECIPE = "quick"


def recipe_settings(recipe: str | None, **overrides) -> dict:
    """The recipe's settings with every override that is not None applied."""
    name = recipe or DEFAULT_RECIPE
    if name not in RECIPES:
        raise PopulaceError(f"unknown training recipe {name!r}; choose from {', '.join(RECIPES)}")
    out = dict(RECIPES[name])
    out.update({k: v for k, v in overrides.items() if v is not None})
    return out


def val_split(ids: list[str], fraction: float, seed: int) -> set[str]:
    """A seeded share ``fraction`` of ``ids`` (at least one when fraction > 0)."""
    if fraction <= 0:
        return set()
    import numpy as np

    n = max(1, int(round(fraction * len(ids))))
    order = np.random.default_rng([seed, 7919]).permutation(len(ids))
    return {ids[i] for i in order[:n]}


def mrr(emb, queries: list[str], owners: list[str], ids: list[str], texts: list[str]) -> float:
    """Mean reciprocal rank of each query's own persona among ``ids`` (current weights).

    A persona scored exactly as high as the owner is a tie broken at random: the
    reciprocal rank is its expectation over the tied positions. Counting ties for
    the owner would give a collapsed embedder (every text on one vector) a
    perfect MRR, and the epoch selection would keep it."""
    import numpy as np

    docs = emb.encode(texts)
    sims = emb.encode(queries) @ docs.T
    where = {p: i for i, p in enumerate(ids)}
    own = np.array([sims[k, where[o]] for k, o in enumerate(owners)])
    above = (sims > own[:, None]).sum(axis=1)
    tied = (sims == own[:, None]).sum(axis=1)  # the owner and the personas tied with it
    rr = [np.mean(1.0 / np.arange(a + 1, a + t + 1)) for a, t in zip(above, tied)]
    return float(np.mean(rr))


def fine_tune(
    emb,
    examples,
    val_q,
    ids,
    texts,
    *,
    epochs,
    batch_size,
    lr,
    temperature,
    seed,
    progress,
    grad_accum=1,
) -> tuple[list, list[float], int]:
    """Step 3: contrastive fine-tuning; with held-out queries, the weights of the
    epoch with the best MRR (0 = the base model) are kept.  Returns (losses,
    MRR by epoch, selected epoch)."""
    from populace.survey.progress import progress_bar

    val_mrr, best = [], {"epoch": 0, "state": None}

    def validate(epoch: int) -> None:
        if val_q.empty:
            return
        val_mrr.append(mrr(emb, val_q["query"].tolist(), val_q["persona_id"].tolist(), ids, texts))
        if val_mrr[-1] > max(val_mrr[:-1], default=float("-inf")):
            best["epoch"] = epoch  # epoch 0: the base model's own weights
            best["state"] = {k: v.detach().clone() for k, v in emb.model.state_dict().items()}

    validate(0)
    with progress_bar(
        epochs * len(examples), "train-embedder: fine-tuning", enabled=progress
    ) as adv:
        losses = train_contrastive(
            emb.model,
            examples,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            temperature=temperature,
            seed=seed,
            grad_accum=grad_accum,
            advance=adv,
            on_epoch=validate,
        )
    if val_mrr and best["epoch"] != epochs:
        emb.model.load_state_dict(best["state"])  # epoch 0: no epoch beat the base
    return losses, val_mrr, best["epoch"]
