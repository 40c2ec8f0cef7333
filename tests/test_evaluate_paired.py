"""Paired bootstrap of differences between sets of one pool (evaluate/paired.py),
on real IPIP-50 answers (openpsychometrics BIG5) standing in for a surveyed pool."""

from __future__ import annotations

import numpy as np
import pytest

from populace.errors import PopulaceError
from populace.evaluate import metrics as M
from populace.evaluate._resampling import bootstrap_ci
from populace.evaluate.paired import paired_bootstrap


@pytest.fixture(scope="module")
def data(big5):
    """Humans (3,000 rows), and a pool of 300 other humans plus 100 whose
    Extraversion is pushed to the top of the scale (a biased part of the pool)."""
    X, _, _ = big5.matrix("traits")
    Y = X[:3000]
    good = X[3000:3300]
    bad = X[3300:3400].copy()
    bad[:, 0] = 5.0
    pool = np.vstack([good, bad])
    n = len(pool)
    aligned = np.zeros(n)
    aligned[:100] = 1.0  # 100 unbiased personas
    aligned[:10] = 2.0  # some chosen twice (counts)
    rng = np.random.default_rng(5)
    random = np.zeros(n)
    random[rng.choice(n, 100, replace=False)] = 1.0
    sets = {"aligned": aligned, "raw": np.ones(n), "random": random}
    return pool, Y, sets


def test_estimates_are_each_sets_own_metrics(data):
    pool, Y, sets = data
    res = paired_bootstrap(
        pool, Y, sets, [("aligned", "raw"), ("aligned", "random")], n_boot=50, seed=3
    )
    for comp, base in (("aligned vs raw", "raw"), ("aligned vs random", "random")):
        for name, w in (("a", sets["aligned"]), ("b", sets[base])):
            keep = w > 0
            want = M.compute_all(pool[keep], Y, wx=w[keep], seed=3)
            for m, v in want.items():
                assert res[comp][m][name] == pytest.approx(v, rel=1e-9, abs=1e-12), (comp, m)
        for r in res[comp].values():
            assert r["difference"] == pytest.approx(r["a"] - r["b"])
            if r["b"] > 0:
                assert r["relative"] == pytest.approx(r["a"] / r["b"] - 1)


def test_a_better_set_has_a_difference_interval_below_zero(data):
    pool, Y, sets = data
    res = paired_bootstrap(pool, Y, sets, [("aligned", "raw")], n_boot=200, seed=0)
    r = res["aligned vs raw"]
    for m in ("amw", "fd", "sw"):
        assert r[m]["difference"] < 0
        assert r[m]["low"] <= r[m]["difference"] <= r[m]["high"] < 0
        assert r[m]["relative_low"] <= r[m]["relative"] <= r[m]["relative_high"] < 0
        assert r[m]["share_better"] > 0.95 and r[m]["n_boot"] == 200


def test_pairing_removes_the_shared_noise(data):
    """Sets sharing most rows: the paired interval of the difference is much
    narrower than what the two separate intervals would allow."""
    pool, Y, sets = data
    near = sets["raw"].copy()
    near[-20:] = 0.0  # the raw pool minus 20 of its biased rows
    res = paired_bootstrap(
        pool,
        Y,
        {"near": near, "raw": sets["raw"]},
        [("near", "raw")],
        metrics=["amw"],
        n_boot=200,
        seed=0,
    )["near vs raw"]["amw"]
    keep = near > 0
    a = bootstrap_ci(pool[keep], Y, metrics=["amw"], n_boot=200, seed=0)["amw"]
    b = bootstrap_ci(pool, Y, metrics=["amw"], n_boot=200, seed=0)["amw"]
    separate = (a["high"] - a["low"]) / 2 + (b["high"] - b["low"]) / 2
    assert res["high"] - res["low"] < 0.5 * separate
    assert res["high"] < 0  # dropping biased rows helps, and the pairing shows it


def test_identical_sets_differ_by_exactly_zero(data):
    pool, Y, sets = data
    res = paired_bootstrap(
        pool, Y, {"a": sets["random"], "b": sets["random"].copy()}, [("a", "b")], n_boot=30, seed=1
    )["a vs b"]
    for m, r in res.items():
        assert r["difference"] == 0 and r["low"] == 0 and r["high"] == 0, m
        assert r["share_better"] == 0


def test_errors(data):
    pool, Y, sets = data
    with pytest.raises(PopulaceError, match="no set 'nope'"):
        paired_bootstrap(pool, Y, sets, [("aligned", "nope")])
    with pytest.raises(PopulaceError, match="weights for 400 pool rows"):
        paired_bootstrap(pool, Y, {"aligned": np.ones(3), "raw": sets["raw"]}, [("aligned", "raw")])
    with pytest.raises(PopulaceError, match="all zero"):
        paired_bootstrap(
            pool, Y, {"aligned": np.zeros(400), "raw": sets["raw"]}, [("aligned", "raw")]
        )
    with pytest.raises(PopulaceError, match="same columns"):
        paired_bootstrap(pool[:, :2], Y, sets, [("aligned", "raw")])
    with pytest.raises(PopulaceError, match="n_boot"):
        paired_bootstrap(pool, Y, sets, [("aligned", "raw")], n_boot=1)


def test_replicates_without_any_row_of_a_small_set_are_dropped(data):
    pool, Y, sets = data
    tiny = np.zeros(len(pool))
    tiny[:3] = 1.0  # drawn not at all in about 1 replicate in 20
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = paired_bootstrap(
            pool,
            Y,
            {"tiny": tiny, "raw": sets["raw"]},
            [("tiny", "raw")],
            metrics=["amw"],
            n_boot=400,
            seed=0,
        )["tiny vs raw"]["amw"]
    assert 300 < r["n_boot"] < 400 and r["low"] <= r["high"]


def test_sets_with_their_own_rows_are_drawn_on_their_own(data):
    """A set outside the pool (e.g. the no-persona model) shares the humans' draw
    only: a copy of the aligned rows given as such a set differs by 0, with an
    interval around 0 that is not degenerate; the pool's pairs are unchanged."""
    pool, Y, sets = data
    keep = sets["aligned"] > 0
    others = {"copy": (pool[keep], sets["aligned"][keep]), "far": (pool[-50:], None)}
    pairs = [("aligned", "raw"), ("aligned", "copy"), ("aligned", "far")]
    res = paired_bootstrap(pool, Y, sets, pairs, others=others, n_boot=100, seed=2)
    alone = paired_bootstrap(pool, Y, sets, pairs[:1], n_boot=100, seed=2)
    assert res["aligned vs raw"] == alone["aligned vs raw"]
    for m, r in res["aligned vs copy"].items():
        assert r["difference"] == 0 and r["low"] < 0 < r["high"], m
    far = res["aligned vs far"]  # the biased rows alone: aligned is much closer
    for m in ("amw", "fd", "sw"):
        want = M.compute_all(pool[-50:], Y, seed=2)[m]
        assert far[m]["b"] == pytest.approx(want, rel=1e-9)
        assert far[m]["high"] < 0 and far[m]["share_better"] == 1.0
    with pytest.raises(PopulaceError, match="both a pool set"):
        paired_bootstrap(pool, Y, sets, pairs[:1], others={"raw": (pool, None)})
    with pytest.raises(PopulaceError, match="columns"):
        paired_bootstrap(pool, Y, sets, pairs[:1], others={"x": (pool[:, :2], None)})


def test_replicate_weights_are_used_as_given(data):
    """Given per-replicate weights replace the fixed set's draws: two sets with the
    same weights in every replicate differ by exactly 0 there, so the (bias-
    corrected) interval collapses to the full-data difference; the estimates
    still come from the fixed weights. (Not MMD: its bandwidth is each set's own.)"""
    pool, Y, sets = data
    kw = dict(metrics=["amw", "fd", "sw", "corr_mae"], n_boot=40, seed=4)
    fixed = paired_bootstrap(pool, Y, sets, [("aligned", "raw")], **kw)
    same = np.tile(sets["aligned"], (40, 1))
    res = paired_bootstrap(
        pool,
        Y,
        sets,
        [("aligned", "raw")],
        **kw,
        replicate_weights={"aligned": same, "raw": same.copy()},
    )
    for m, r in res["aligned vs raw"].items():
        f = fixed["aligned vs raw"][m]
        assert (r["a"], r["b"], r["difference"]) == (f["a"], f["b"], f["difference"]), m
        assert r["low"] == pytest.approx(r["difference"], abs=1e-12)
        assert r["high"] == pytest.approx(r["difference"], abs=1e-12)
        assert r["share_better"] == float(r["difference"] < 0), m


def test_a_redrawn_selection_widens_the_interval(data):
    """The selection rerun per replicate (here: 100 rows drawn anew from the pool
    each time, some of them biased) carries its own variability: the interval of
    aligned minus raw is wider than with the selection held fixed."""
    pool, Y, sets = data
    rng = np.random.default_rng(8)
    redrawn = np.zeros((200, len(pool)))
    for b in range(200):
        redrawn[b, rng.choice(len(pool), 100, replace=False)] = 1.0
    kw = dict(metrics=["amw", "sw"], n_boot=200, seed=0)
    fixed = paired_bootstrap(pool, Y, sets, [("aligned", "raw")], **kw)["aligned vs raw"]
    rerun = paired_bootstrap(
        pool, Y, sets, [("aligned", "raw")], replicate_weights={"aligned": redrawn}, **kw
    )["aligned vs raw"]
    for m in ("amw", "sw"):
        assert rerun[m]["difference"] == fixed[m]["difference"]
        assert rerun[m]["high"] - rerun[m]["low"] > 1.2 * (fixed[m]["high"] - fixed[m]["low"])


def test_replicate_weight_errors(data):
    pool, Y, sets = data
    with pytest.raises(PopulaceError, match="not a pool set"):
        paired_bootstrap(
            pool,
            Y,
            sets,
            [("aligned", "raw")],
            n_boot=5,
            replicate_weights={"nope": np.ones((5, len(pool)))},
        )
    with pytest.raises(PopulaceError, match=r"non-negative \(5, 400\) array"):
        paired_bootstrap(
            pool,
            Y,
            sets,
            [("aligned", "raw")],
            n_boot=5,
            replicate_weights={"aligned": np.ones((4, len(pool)))},
        )
    with pytest.raises(PopulaceError, match="non-negative"):
        paired_bootstrap(
            pool,
            Y,
            sets,
            [("aligned", "raw")],
            n_boot=5,
            replicate_weights={"aligned": -np.ones((5, len(pool)))},
        )
