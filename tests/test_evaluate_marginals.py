"""Per-item TV / W1 on option distributions, against hand computations and scipy,
on real YRBS answers for the blank handling and weights."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import wasserstein_distance

from populace.evaluate import marginals as M
from tests.conftest import shared


def test_item_distances_match_definitions_and_scipy():
    codes = np.array([1, 2, 3, 4])
    p, q = np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.4, 0.3, 0.2, 0.1])
    tv, w1 = M.item_distances(p, q, codes, nominal=False)
    assert tv == pytest.approx(0.4)
    assert w1 == pytest.approx(wasserstein_distance(codes, codes, p, q) / 3)
    assert M.item_distances(p, q, codes, nominal=True) == (pytest.approx(0.4), None)
    assert M.item_distances(p, p, codes, nominal=False) == (0.0, 0.0)
    with pytest.raises(ValueError, match="one entry per option"):
        M.item_distances(p[:3], q, codes, nominal=False)


def test_set_score_bootstrap_rows_and_mean_over_items():
    refs = {
        "a": (np.array([0, 1]), np.array([0.5, 0.5])),
        "b": (np.array([1, 2, 3]), np.array([1.0, 0.0, 0.0])),
    }
    probs = {"a": np.array([[1.0, 0.0], [0.0, 1.0]]), "b": np.array([[0, 0, 1.0], [1.0, 0, 0]])}
    tv, w1 = M.set_score(probs, refs, nominal={"a"})
    assert tv == pytest.approx((0.0 + 0.5) / 2)  # a: mean is (0.5, 0.5); b: (0.5, 0, 0.5)
    assert w1 == pytest.approx(0.5)  # only b is ordinal: half the mass at the far end
    tv1, w11 = M.set_score(probs, refs, nominal={"a"}, rows=[0, 0])
    assert tv1 == pytest.approx((0.5 + 1.0) / 2) and w11 == pytest.approx(1.0)


def test_shares_drop_blanks_and_honour_weights_on_real_yrbs():
    path = shared("yrbs") / "raw_yrbs_2019.csv"
    if not path.exists():
        pytest.skip(f"needs {path}")
    from populace.reference import load_reference

    t = load_reference(path, "yrbs2019", missing="keep", max_missing=0.99, weight_column="weight")
    x = t.items["Q2"].to_numpy(float)
    assert np.isnan(x).any()  # some students left sex blank
    s = M.shares(x, [1, 2], t.weights)
    ok = ~np.isnan(x)
    assert s.sum() == pytest.approx(1.0)
    assert s[0] == pytest.approx(t.weights[ok & (x == 1)].sum() / t.weights[ok].sum())
    assert not np.allclose(s, M.shares(x, [1, 2]))  # the survey weights change the shares
    rng = np.random.default_rng(0)
    refs = {"Q2": ([1, 2], s, x[ok], t.weights[ok])}
    small, big = (
        M.noise_floor(refs, {"Q2"}, 20, rng, 100),
        M.noise_floor(refs, {"Q2"}, 2000, rng, 100),
    )
    assert 0 < big[0] < small[0] < 0.3 and np.isnan(small[1])
    with pytest.raises(ValueError, match="no answers"):
        M.shares([np.nan, np.nan], [1, 2])


def test_item_metrics_match_the_point_cloud_metrics_on_samples():
    """On answers drawn in exact proportions, AMW/SW (1-D) and FD agree with
    populace.evaluate.metrics on the point clouds; MMD with the same kernel as the
    V-statistic of the two samples."""
    from populace.evaluate import metrics

    codes = np.array([1, 2, 3, 4, 5])
    p, q = np.array([0.1, 0.2, 0.4, 0.2, 0.1]), np.array([0.5, 0.2, 0.1, 0.1, 0.1])
    m = M.item_metrics(p, q, codes)
    x = (codes - 1) / 4
    X = np.repeat(x, (p * 100).round().astype(int))[:, None]
    Y = np.repeat(x, (q * 100).round().astype(int))[:, None]
    assert m["amw"] == pytest.approx(metrics.amw(X, Y)) and m["sw"] == m["amw"]
    assert m["sw"] == pytest.approx(metrics.sw(X, Y), rel=1e-6)
    # metrics.fd uses the Bessel-corrected covariance; the distributions' own is 1/N
    sx, sy = X.std(), Y.std()
    assert m["fd"] == pytest.approx((X.mean() - Y.mean()) ** 2 + (sx - sy) ** 2)
    h = M.bandwidth(q, codes)
    k = lambda a, b: np.exp(-((a - b.T) ** 2) / (2 * h * h))  # noqa: E731
    v = k(X, X).mean() + k(Y, Y).mean() - 2 * k(X, Y).mean()
    assert m["mmd"] == pytest.approx(v)
    same = M.item_metrics(q, q, codes)
    assert same == {"amw": 0.0, "fd": 0.0, "sw": 0.0, "mmd": 0.0}


def test_bandwidth_is_the_median_human_distance():
    codes = np.array([0, 1, 2])
    # answers 0 and 2 half each: distance 0 with weight 1/2, 1 with weight 1/2 -> 0 -> step
    assert M.bandwidth(np.array([0.5, 0.0, 0.5]), codes) == 0.5
    assert M.bandwidth(np.array([1.0, 0.0, 0.0]), codes) == 0.5  # one answer: the grid step
    assert M.bandwidth(np.array([0.2, 0.6, 0.2]), codes) == pytest.approx(0.5)


def test_set_scores_and_noise_floor_cover_all_four_metrics():
    refs = {
        "a": (np.array([1, 2, 3]), np.array([0.2, 0.5, 0.3]), np.array([1.0, 2, 2, 3]), None),
        "n": (np.array([1, 2]), np.array([0.5, 0.5]), np.array([1.0, 2.0]), None),
    }
    refs = {k: (c, q, x, np.ones(len(x))) for k, (c, q, x, _) in refs.items()}
    probs = {"a": np.array([[0.2, 0.5, 0.3]] * 3), "n": np.array([[1.0, 0.0]] * 3)}
    s = M.set_scores(probs, refs, {"n"})
    assert s[0] == pytest.approx(0.25) and np.allclose(s[1:], 0.0, atol=1e-12)
    tv, w1 = M.set_score(probs, refs, {"n"})
    assert (s[0], s[1]) == (pytest.approx(tv), pytest.approx(w1))
    boot = M.set_scores(probs, refs, {"n"}, rows=[0, 0, 1])
    assert boot.shape == (4,)
    nf = M.noise_floor_scores(refs, {"n"}, 2, np.random.default_rng(0), repeats=20)
    assert nf.shape == (4,) and (nf >= 0).all() and nf[0] > 0
    only_nominal = M.set_scores({"n": probs["n"]}, {"n": refs["n"]}, {"n"})
    assert np.isnan(only_nominal[1:]).all()
