import numpy as np
import pytest

from populace.align import align
from populace.align._kernel import mean_embedding
from populace.align.herding import herd
from populace.errors import PopulaceError
from populace.evaluate.metrics import mmd
from tests.align_data import parts  # noqa: F401


def _traits(table, idx=None, counts=None):
    s = table.trait_scores().to_numpy()
    s = s if idx is None else s[idx]
    return s if counts is None else np.repeat(s, counts, axis=0)


def test_herding_beats_random_on_a_biased_pool(parts):
    _, ref, biased = parts
    y = _traits(ref)
    h = align(biased, ref, n=200, method="herding", seed=0)
    r = align(biased, ref, n=200, method="random", seed=0, in_sample=False)
    d_h = mmd(_traits(biased, h.indices, h.counts), y)
    d_r = mmd(_traits(biased, r.indices), y)
    assert d_h < 0.5 * d_r
    ins = h.diagnostics["in_sample_metrics"]
    assert ins["after"]["mmd"] < ins["before"]["mmd"]
    assert h.params["space"] == "traits" and h.params["duplicates"] is True


def test_herding_without_duplicates_and_deterministic(parts):
    pool, ref, _ = parts
    a = align(pool, ref, n=150, method="herding", duplicates=False, seed=5, in_sample=False)
    b = align(pool, ref, n=150, method="herding", duplicates=False, seed=5, in_sample=False)
    assert a.indices.size == 150 and (a.counts == 1).all()
    assert np.array_equal(a.persona_ids, b.persona_ids)
    assert a.diagnostics["herding"]["swaps"] >= 0


def test_greedy_step_is_exact_mmd_descent():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(60, 3)), rng.normal(size=(80, 3))
    g = [0.5]
    mu = mean_embedding(X, Y, np.ones(80), g)
    picks, _ = herd(X, mu, 5, g)
    K = lambda A, B: np.exp(-0.5 * ((A[:, None] - B[None]) ** 2).sum(-1))  # noqa: E731

    def obj(S):
        return -2 * mu[S].mean() + K(X[S], X[S]).mean()

    best = min(range(60), key=lambda i: obj(list(picks[:4]) + [i]) if i not in picks[:4] else 9)
    assert best == picks[4]


def test_unknown_kernel(parts):
    pool, ref, _ = parts
    with pytest.raises(
        PopulaceError, match="kernel=.laplace. .method herding.: must be one of gaussian"
    ):
        align(pool, ref, n=10, method="herding", kernel="laplace")


def test_max_repeat_caps_counts(parts):
    _, ref, biased = parts
    capped = align(biased, ref, n=300, method="herding", seed=0, in_sample=False)
    assert capped.counts.max() <= 2 and capped.indices.size >= 150
    free = align(biased, ref, n=300, method="herding", seed=0, in_sample=False, max_repeat=None)
    assert free.k == 300
    with pytest.raises(
        PopulaceError, match="max_repeat=0 .method herding.: must be a whole number >= 1"
    ):
        align(biased, ref, n=10, method="herding", max_repeat=0)


def test_correlation_pass_lowers_corr_mae_on_a_compressed_pool(parts):
    """Real BIG5 answers, biased (few extraverts) and compressed toward the item
    means as LLM answers are: the correlation term in the swap passes brings the
    selection's trait correlations closer to the reference's at little MMD cost."""
    from populace.evaluate.metrics import corr_mae
    from populace.instruments import load_instrument

    _, ref, biased = parts
    ins = load_instrument("ipip50")
    items = biased.items.to_numpy(float)
    mean = ref.items.to_numpy(float).mean(0)
    pool = mean + 0.5 * (items - mean)
    y = _traits(ref)
    out = {}
    for w in (0.0, 10.0):
        res = align(pool, ref, n=300, method="herding", seed=0, in_sample=False, corr_weight=w)
        sel = np.repeat(ins.score(pool)[res.indices], res.counts, axis=0)
        out[w] = (corr_mae(sel, y), mmd(sel, y), res.diagnostics["herding"]["swaps"])
        diag = res.diagnostics["herding"]
    (c0, m0, _), (c1, m1, swaps) = out[0.0], out[10.0]
    assert c1 < 0.75 * c0, out
    assert m1 < 1.1 * m0 + 1e-4, out
    assert swaps > 0
    assert diag["corr_error_final"] < diag["corr_error_greedy"]


def test_corr_weight_checked(parts):
    pool, ref, _ = parts
    for bad in (-1, "abc", float("nan")):
        with pytest.raises(PopulaceError, match="corr_weight=.* must be a number >= 0"):
            align(pool, ref, n=10, method="herding", corr_weight=bad)
