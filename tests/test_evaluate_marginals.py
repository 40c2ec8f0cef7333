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
