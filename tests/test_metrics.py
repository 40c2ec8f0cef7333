"""Tests for populace.evaluate.metrics: reference implementations, properties, real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import ot
import pytest
import scipy.linalg
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import pdist

from populace.errors import PopulaceError
from populace.evaluate import _core, _mmd, _resampling, _wasserstein
from populace.evaluate import metrics as M

BIG5_PATH = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "data"
    / "openpsychometrics"
    / "BIG5"
    / "data.csv"
)
ITEMS = [f"{t}{i}" for t in "ENACO" for i in range(1, 11)]
NAMES = ["amw", "fd", "sw", "mmd", "corr_mae"]


def likert(rng, n, d, p=None):
    """Item-like data: integers 1..5 (lots of ties)."""
    return rng.choice(np.arange(1.0, 6.0), size=(n, d), p=p)


@pytest.fixture
def rng():
    return np.random.default_rng(20250910)


# -- against independent reference implementations ----------------------------


@pytest.mark.parametrize("weighted", [False, True])
def test_amw_matches_scipy_per_column(rng, weighted):
    X = np.column_stack([likert(rng, 60, 3), rng.normal(size=(60, 2))])
    Y = np.column_stack(
        [likert(rng, 85, 3, p=[0.1, 0.1, 0.2, 0.3, 0.3]), rng.normal(0.4, 2, (85, 2))]
    )
    wx = rng.gamma(1.0, size=60) if weighted else None
    wy = rng.uniform(0, 3, size=85) if weighted else None
    expected = np.mean(
        [scipy.stats.wasserstein_distance(X[:, j], Y[:, j], wx, wy) for j in range(5)]
    )
    assert M.amw(X, Y, wx, wy) == pytest.approx(expected, abs=1e-10)


@pytest.mark.parametrize("method", ["merge", "quantile"])
@pytest.mark.parametrize("weighted", [False, True])
def test_both_w1_paths_match_scipy(rng, method, weighted):
    # the quantile path is what 1M-row references use; check it on data scipy can do
    U = np.vstack([likert(rng, 1, 40)[0], rng.normal(size=40), rng.exponential(size=40)])
    V = np.vstack([likert(rng, 1, 700)[0], rng.normal(0.3, 1, 700), rng.exponential(2, 700)])
    wu = rng.uniform(0, 2, size=40) if weighted else None
    got = _wasserstein.w1_rows(U, V, None if wu is None else wu[None], None, method=method)[0]
    expected = [scipy.stats.wasserstein_distance(U[r], V[r], wu) for r in range(3)]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 25), m=st.integers(1, 25), seed=st.integers(0, 10**6), weighted=st.booleans()
)
def test_amw_matches_scipy_property(n, m, seed, weighted):
    r = np.random.default_rng(seed)
    X, Y = likert(r, n, 2), np.round(r.normal(3, 1, (m, 2)), 1)
    wx = r.uniform(0.01, 1, n) if weighted else None
    expected = np.mean([scipy.stats.wasserstein_distance(X[:, j], Y[:, j], wx) for j in range(2)])
    assert M.amw(X, Y, wx) == pytest.approx(expected, abs=1e-10)


@pytest.mark.parametrize("weighted", [False, True])
def test_sw_matches_pot_with_same_projections(rng, weighted):
    X, Y = rng.normal(size=(70, 6)), rng.normal(0.5, 1.5, size=(90, 6))
    wx = rng.uniform(0.1, 2, 70) if weighted else None
    wy = rng.uniform(0.1, 2, 90) if weighted else None
    P = M.sw_directions(6, 200, seed=7)
    assert P.shape == (6, 200)
    np.testing.assert_allclose(np.linalg.norm(P, axis=0), 1.0)
    a = None if wx is None else wx / wx.sum()
    b = None if wy is None else wy / wy.sum()
    expected = ot.sliced_wasserstein_distance(X, Y, a, b, projections=P, p=1)
    assert M.sw(X, Y, wx, wy, seed=7) == pytest.approx(expected, abs=1e-10)
    assert M.sw(X, Y, wx, wy, projections=P) == pytest.approx(expected, abs=1e-10)


def test_sw_matches_pot_on_quantile_path(rng):
    # n + m >= 10,000 and a uniform side: the merge-free path is used
    X, Y = likert(rng, 600, 5), likert(rng, 9500, 5, p=[0.3, 0.2, 0.2, 0.2, 0.1])
    wx = rng.uniform(0.1, 2, 600)
    P = M.sw_directions(5, 40, seed=1)
    expected = ot.sliced_wasserstein_distance(X, Y, wx / wx.sum(), None, projections=P, p=1)
    assert M.sw(X, Y, wx, n_projections=40, seed=1) == pytest.approx(expected, abs=1e-10)


def fd_sqrtm(X, Y, wx=None, wy=None):
    """FID-style formula: ||dmu||^2 + tr(S1 + S2 - 2 sqrtm(S1 S2)), via scipy.linalg.sqrtm."""
    mu1, mu2 = np.average(X, axis=0, weights=wx), np.average(Y, axis=0, weights=wy)
    S1, S2 = np.cov(X.T, aweights=wx), np.cov(Y.T, aweights=wy)
    cross = np.real(scipy.linalg.sqrtm(S1 @ S2))
    return float((mu1 - mu2) @ (mu1 - mu2) + np.trace(S1 + S2 - 2 * cross))


@pytest.mark.parametrize("weighted", [False, True])
def test_fd_matches_sqrtm_formula(rng, weighted):
    A = rng.normal(size=(4, 4))
    X = rng.normal(size=(300, 4)) @ A
    Y = rng.normal(1, 1, size=(250, 4)) @ rng.normal(size=(4, 4))
    wx = rng.uniform(0.2, 3, 300) if weighted else None
    wy = rng.uniform(0.2, 3, 250) if weighted else None
    assert M.fd(X, Y, wx, wy) == pytest.approx(fd_sqrtm(X, Y, wx, wy), rel=1e-9, abs=1e-10)


def exact_moments(rng, n, mu, var):
    """A sample whose mean is exactly mu and whose np.cov is exactly diag(var)."""
    Z = rng.normal(size=(n, len(mu)))
    Z -= Z.mean(axis=0)
    Z = Z @ np.linalg.inv(np.linalg.cholesky(np.cov(Z.T)).T)
    return mu + Z * np.sqrt(var)


def test_fd_gaussian_closed_form(rng):
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([0.5, 1.0, 1.0])
    s1, s2 = np.array([1.0, 4.0, 0.25]), np.array([2.0, 1.0, 0.25])
    X, Y = exact_moments(rng, 500, mu1, s1), exact_moments(rng, 400, mu2, s2)
    np.testing.assert_allclose(np.cov(X.T), np.diag(s1), atol=1e-10)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(s1) - np.sqrt(s2)) ** 2)
    assert M.fd(X, Y) == pytest.approx(expected, rel=1e-9)
    # a joint rotation changes nothing
    Q = np.linalg.qr(rng.normal(size=(3, 3)))[0]
    assert M.fd(X @ Q, Y @ Q) == pytest.approx(expected, rel=1e-9)


def mmd_naive(X, Y, h, wx=None, wy=None):
    """Unbiased weighted squared MMD by explicit loops."""
    wx = np.ones(len(X)) if wx is None else wx
    wy = np.ones(len(Y)) if wy is None else wy

    def k(a, b):
        return np.exp(-np.sum((a - b) ** 2) / (2 * h * h))

    def within(A, w):
        num = den = 0.0
        for i in range(len(A)):
            for j in range(len(A)):
                if i != j:
                    num += w[i] * w[j] * k(A[i], A[j])
                    den += w[i] * w[j]
        return num / den

    cross = sum(wx[i] * wy[j] * k(X[i], Y[j]) for i in range(len(X)) for j in range(len(Y)))
    return within(X, wx) + within(Y, wy) - 2 * cross / (wx.sum() * wy.sum())


@pytest.mark.parametrize("weighted", [False, True])
def test_mmd_matches_naive_loops(rng, weighted):
    X, Y = rng.normal(size=(25, 3)), rng.normal(0.3, 1.2, size=(31, 3))
    wx = rng.uniform(0.1, 2, 25) if weighted else None
    wy = rng.uniform(0.1, 2, 31) if weighted else None
    h = np.median(pdist(np.vstack([X, Y])))  # median heuristic on all pooled rows (< 2,000)
    assert M.mmd_bandwidth(X, Y, wx, wy) == pytest.approx(h, rel=1e-12)
    assert M.mmd(X, Y, wx, wy) == pytest.approx(mmd_naive(X, Y, h, wx, wy), rel=1e-9, abs=1e-12)
    assert M.mmd(X, Y, wx, wy, bandwidth=0.7) == pytest.approx(
        mmd_naive(X, Y, 0.7, wx, wy), rel=1e-9, abs=1e-12
    )


def test_mmd_increases_with_mean_shift(rng):
    Z1, Z2 = rng.normal(size=(400, 5)), rng.normal(size=(400, 5))
    shifts = [0.0, 0.25, 0.5, 1.0, 2.0]
    values = [M.mmd(Z1, Z2 + np.eye(5)[0] * delta) for delta in shifts]
    assert abs(values[0]) < 0.01
    assert all(a < b for a, b in zip(values, values[1:])), values


@pytest.mark.parametrize("weighted", [False, True])
def test_corr_mae_matches_corrcoef(rng, weighted):
    X = rng.normal(size=(200, 4)) @ rng.normal(size=(4, 4))
    Y = likert(rng, 150, 4)
    wx = rng.uniform(0.1, 2, 200) if weighted else None

    def corr(A, w):
        if w is None:
            return np.corrcoef(A.T)
        C = np.cov(A.T, aweights=w)
        return C / np.sqrt(np.outer(np.diag(C), np.diag(C)))

    iu = np.triu_indices(4, k=1)
    expected = np.mean(np.abs(corr(X, wx)[iu] - corr(Y, None)[iu]))
    assert M.corr_mae(X, Y, wx) == pytest.approx(expected, abs=1e-12)


def test_corr_mae_constant_column_counts_as_zero(rng):
    X = rng.normal(size=(100, 3))
    X[:, 1] = 3.7  # constant
    Y = rng.normal(size=(120, 3))
    RY = np.corrcoef(Y.T)
    expected = np.mean(
        [abs(0 - RY[0, 1]), abs(np.corrcoef(X[:, 0], X[:, 2])[0, 1] - RY[0, 2]), abs(0 - RY[1, 2])]
    )
    value = M.corr_mae(X, Y)
    assert np.isfinite(value) and value == pytest.approx(expected, abs=1e-12)
    # constant among the rows that carry weight is constant too
    X2 = X.copy()
    X2[0, 1] = 99.0
    w = np.ones(100)
    w[0] = 0.0
    assert M.corr_mae(X2, Y, w) == pytest.approx(M.corr_mae(X2[1:], Y), abs=1e-12)


# -- properties ------------------------------------------------------------------


def test_identical_sets(rng):
    X = np.column_stack([likert(rng, 300, 4), rng.normal(size=(300, 2))])
    assert M.amw(X, X) == 0.0
    assert M.sw(X, X) == 0.0
    assert M.corr_mae(X, X) == 0.0
    assert abs(M.fd(X, X)) < 1e-10
    # unbiased MMD of a set with itself is (2/n)(mean off-diagonal kernel - 1): in [-2/n, 0]
    assert -2 / 300 <= M.mmd(X, X) <= 0
    w = rng.uniform(0.1, 1, 300)
    assert M.amw(X, X, w, w) < 1e-12 and M.sw(X, X, w, w) < 1e-12
    assert M.corr_mae(X, X, w, w) < 1e-12 and M.fd(X, X, w, w) < 1e-10


def test_same_distribution_gives_near_zero_mmd(rng):
    values = [M.mmd(rng.normal(size=(300, 4)), rng.normal(size=(300, 4)), seed=s) for s in range(5)]
    assert max(abs(v) for v in values) < 0.01
    assert abs(np.mean(values)) < 0.005


@pytest.mark.parametrize("name", NAMES)
def test_symmetry(rng, name):
    X, Y = likert(rng, 80, 4), rng.normal(3, 1, size=(110, 4))
    wx, wy = rng.uniform(0.1, 2, 80), rng.uniform(0.1, 2, 110)
    f = M.METRICS[name]
    assert f(X, Y) == pytest.approx(f(Y, X), abs=1e-10)
    assert f(X, Y, wx, wy) == pytest.approx(f(Y, X, wy, wx), abs=1e-10)


@pytest.mark.parametrize("name", ["amw", "sw", "corr_mae"])
def test_count_weights_equal_duplicated_rows(rng, name):
    X, Y = rng.normal(size=(60, 4)), likert(rng, 70, 4)
    counts = rng.integers(1, 5, size=60)
    f = M.METRICS[name]
    assert f(X, Y, counts) == pytest.approx(f(np.repeat(X, counts, axis=0), Y), abs=1e-10)
    assert f(Y, X, None, counts) == pytest.approx(f(Y, np.repeat(X, counts, axis=0)), abs=1e-10)


def test_fd_count_weights_equal_duplicated_rows_up_to_bessel_factor(rng):
    X, Y = rng.normal(size=(60, 4)) @ rng.normal(size=(4, 4)), likert(rng, 70, 4)
    counts = rng.integers(1, 5, size=60)
    D = np.repeat(X, counts, axis=0)
    N = counts.sum()
    # reliability weights: cov = scatter / (N - sum c^2 / N) instead of / (N - 1)
    factor = (N - 1) / (N - (counts**2).sum() / N)
    mu, S = D.mean(axis=0), np.cov(D.T) * factor
    muy, Sy = Y.mean(axis=0), np.cov(Y.T)
    expected = (mu - muy) @ (mu - muy) + np.trace(S + Sy - 2 * np.real(scipy.linalg.sqrtm(S @ Sy)))
    assert M.fd(X, Y, counts) == pytest.approx(expected, rel=1e-9)
    assert M.fd(X, Y, counts) == pytest.approx(M.fd(D, Y), rel=0.05)  # close, not equal


@pytest.mark.parametrize("name", NAMES)
def test_weights_are_relative_and_zero_weight_rows_drop_out(rng, name):
    X, Y = rng.normal(size=(50, 3)), rng.normal(0.2, 1, size=(40, 3))
    w = rng.uniform(0.1, 2, 50)
    f = M.METRICS[name]
    assert f(X, Y, w) == pytest.approx(f(X, Y, 7.5 * w), abs=1e-10)
    w0 = w.copy()
    w0[::3] = 0.0
    keep = w0 > 0
    assert f(X, Y, w0) == pytest.approx(f(X[keep], Y, w0[keep]), abs=1e-10)
    assert f(X, Y, np.full(50, 3.0)) == f(X, Y)  # equal weights are uniform


def test_compute_all_order_subset_and_single_column(rng):
    X, Y = rng.normal(size=(40, 3)), rng.normal(size=(50, 3))
    out = M.compute_all(X, Y, seed=3)
    assert list(out) == list(M.METRICS) == NAMES
    assert out["sw"] == M.sw(X, Y, seed=3) and out["mmd"] == M.mmd(X, Y, seed=3)
    assert M.compute_all(X, Y, metrics=["fd"]) == {"fd": M.fd(X, Y)}
    assert list(M.compute_all(X[:, :1], Y[:, :1])) == ["amw", "fd", "sw", "mmd"]


def test_chunked_paths_agree_with_unchunked(rng, monkeypatch):
    X, Y = likert(rng, 90, 6), rng.normal(3, 1, size=(120, 6))
    wx = rng.uniform(0.1, 2, 90)
    before = M.compute_all(X, Y, wx)
    monkeypatch.setattr(_wasserstein, "BUDGET_BYTES", 2000)
    monkeypatch.setattr(_mmd, "MAX_KERNEL_ENTRIES", 300)
    monkeypatch.setattr("populace.evaluate._moments._BLOCK_BYTES", 500)
    monkeypatch.setattr("populace.weighted._BLOCK_BYTES", 500)
    after = M.compute_all(X, Y, wx)
    for name in NAMES:
        assert after[name] == pytest.approx(before[name], abs=1e-12)


def test_mmd_caps_big_sides(rng):
    X, Y = rng.normal(size=(120, 3)), rng.normal(size=(3000, 3))
    capped = M.mmd(X, Y, max_n=100, seed=4)
    # same as explicitly using the seeded subsample: rng draws X's cap, then Y's cap
    r = np.random.default_rng(4)
    xi = np.sort(r.choice(120, 100, replace=False))
    yi = np.sort(r.choice(3000, 100, replace=False))
    assert capped == pytest.approx(
        M.mmd(X[xi], Y[yi], bandwidth=M.mmd_bandwidth(X, Y, max_n=100, seed=4)), abs=1e-12
    )


@pytest.mark.parametrize("name", NAMES)
def test_replicate_weights_evaluated_together_match_one_by_one(rng, name):
    X, Y = likert(rng, 40, 3), rng.normal(3, 1, size=(55, 3))
    WX = rng.multinomial(40, np.full(40, 1 / 40), size=6).astype(float)
    WY = rng.multinomial(55, np.full(55, 1 / 55), size=6) * rng.uniform(0.5, 2, 55)
    together = _core.evaluate(name, X, Y, WX, WY, seed=2, bandwidth=1.3)
    one = [
        _core.evaluate(name, X, Y, WX[r : r + 1], WY[r : r + 1], seed=2, bandwidth=1.3)[0]
        for r in range(6)
    ]
    np.testing.assert_allclose(together, one, rtol=1e-10, atol=1e-12)


def test_effective_sample_size():
    assert M.effective_sample_size(None, n=12) == 12.0
    assert M.effective_sample_size(np.ones(8)) == 8.0
    assert M.effective_sample_size([1, 1, 0, 0]) == pytest.approx(2.0)
    assert M.effective_sample_size([3, 1]) == pytest.approx(16 / 10)
    with pytest.raises(PopulaceError):
        M.effective_sample_size(None)


def test_weighted_draw_without_replacement():
    w = np.r_[np.zeros(50), np.ones(40), np.full(10, 20.0)]
    hits = np.zeros(100)
    r = np.random.default_rng(0)
    for _ in range(200):
        idx = _resampling._disjoint_draw(100, 20, w, r)
        assert len(set(idx)) == 20
        hits[idx] += 1
    assert hits[:50].sum() == 0
    assert hits[90:].mean() > 0.95 * 200  # weight 20 rows are nearly always drawn
    assert hits[50:90].mean() < 0.35 * 200  # the other 10 of 20 slots go to 40 rows


def test_noise_floor_uses_halves_when_reference_is_small(rng):
    Y = rng.normal(size=(30, 3))
    out = M.noise_floor(Y, 20, repeats=4, seed=1)
    assert out["halves"] and out["n"] == 15 and "halves" in out["note"]
    assert out["repeats"] == 4 and set(out["mean"]) == set(NAMES)
    assert all(len(v) == 4 for v in out["values"].values())
    assert out["sd"]["amw"] == pytest.approx(np.std(out["values"]["amw"], ddof=1))
    big = M.noise_floor(rng.normal(size=(100, 3)), 20, repeats=3, metrics=["amw"])
    assert (
        not big["halves"]
        and big["n"] == 20
        and big["note"] is None
        and list(big["mean"]) == ["amw"]
    )


def test_weighted_noise_floor_draws_by_weight(rng):
    # half the rows sit far away with weight 0: a weighted floor never sees them
    Y = np.vstack([rng.normal(size=(200, 2)), rng.normal(50, 1, size=(200, 2))])
    w = np.r_[np.ones(200), np.zeros(200)]
    weighted = M.noise_floor(Y, 50, w, metrics=["amw"], repeats=5)
    plain = M.noise_floor(Y, 50, metrics=["amw"], repeats=5)
    assert weighted["mean"]["amw"] < 0.5 and plain["mean"]["amw"] > 2
    assert not weighted["halves"] and weighted["n"] == 50


# -- bad inputs ---------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_bad_inputs_raise_populace_error(rng, name):
    f = M.METRICS[name]
    X, Y = rng.normal(size=(20, 3)), rng.normal(size=(25, 3))
    Xnan = X.copy()
    Xnan[4, 1] = np.nan
    with pytest.raises(PopulaceError, match="NaN"):
        f(Xnan, Y)
    with pytest.raises(PopulaceError, match="same columns"):
        f(X, Y[:, :2])
    with pytest.raises(PopulaceError, match="negative"):
        f(X, Y, -np.ones(20))
    with pytest.raises(PopulaceError, match="one weight per row"):
        f(X, Y, np.ones(19))
    with pytest.raises(PopulaceError, match="all zero"):
        f(X, Y, None, np.zeros(25))
    with pytest.raises(PopulaceError, match="NaN or infinite"):
        f(X, Y, np.r_[np.inf, np.ones(19)])
    with pytest.raises(PopulaceError, match="2-D"):
        f(X[:, 0], Y[:, 0])
    with pytest.raises(PopulaceError, match="empty"):
        f(X[:0], Y)
    with pytest.raises(PopulaceError, match="numeric"):
        f([["a", "b", "c"]], Y)


def test_metric_specific_errors(rng):
    X, Y = rng.normal(size=(20, 3)), rng.normal(size=(25, 3))
    with pytest.raises(PopulaceError, match="2 columns"):
        M.corr_mae(X[:, :1], Y[:, :1])
    with pytest.raises(PopulaceError, match="at least 2 rows"):
        M.fd(X[:1], Y)
    with pytest.raises(PopulaceError, match="at least 2 rows"):
        M.mmd(X, Y, np.r_[1.0, np.zeros(19)])
    with pytest.raises(PopulaceError, match="unknown metric"):
        M.compute_all(X, Y, metrics=["amw", "emd"])
    with pytest.raises(PopulaceError, match="infinite"):
        M.amw(np.r_[X, [[np.inf, 0, 0]]], Y)


# -- real data: BIG5 item space (50 items) -----------------------------------------


@pytest.fixture(scope="module")
def big5():
    if not BIG5_PATH.exists():
        pytest.skip(
            f"real data not available: {BIG5_PATH} is missing "
            "(../shared/data must sit beside the repository)"
        )
    import pandas as pd

    df = pd.read_csv(BIG5_PATH, sep="\t", usecols=ITEMS)[ITEMS]
    return df[(df != 0).all(axis=1)].to_numpy(np.float64)


def extraversion_sum(A):
    E = A[:, :10].copy()
    E[:, 1::2] = 6 - E[:, 1::2]  # E2, E4, ..., E10 are reverse-keyed
    return E.sum(axis=1)


def selections(A, kind, size=3000):
    r = np.random.default_rng(5)
    if kind == "top_extraversion":
        chosen = np.argsort(-extraversion_sum(A), kind="stable")[:size]
    elif kind == "steep_in_E1":
        p = np.exp(2.5 * (A[:, 0] - 5))
        chosen = r.choice(len(A), size, replace=False, p=p / p.sum())
    else:
        chosen = r.choice(len(A), size, replace=False)
    rest = np.setdiff1d(np.arange(len(A)), chosen)
    return A[chosen], A[rest]


def test_big5_random_halves_are_close(big5):
    assert big5.shape[1] == 50 and len(big5) > 15000
    perm = np.random.default_rng(1).permutation(len(big5))
    half = len(big5) // 2
    out = M.compute_all(big5[perm[:half]], big5[perm[half:]])
    bounds = {"amw": 0.04, "fd": 0.4, "sw": 0.05, "mmd": 5e-4, "corr_mae": 0.025}
    for name, bound in bounds.items():
        assert abs(out[name]) < bound, (name, out[name])


@pytest.fixture(scope="module")
def big5_random_vs_rest(big5):
    return M.compute_all(*selections(big5, "random"))


@pytest.fixture(scope="module")
def big5_top_e_vs_rest(big5):
    return M.compute_all(*selections(big5, "top_extraversion"))


@pytest.mark.parametrize("kind", ["top_extraversion", "steep_in_E1"])
def test_big5_biased_subsample_is_clearly_farther(
    big5, big5_random_vs_rest, big5_top_e_vs_rest, kind
):
    biased = (
        big5_top_e_vs_rest if kind == "top_extraversion" else M.compute_all(*selections(big5, kind))
    )
    for name in NAMES:
        rand = big5_random_vs_rest[name]
        if name == "mmd":  # unbiased: about 0 for the random subsample
            assert abs(rand) < 2e-4 and biased[name] > 0.01, (biased[name], rand)
        else:
            assert biased[name] > 1.8 * rand, (name, biased[name], rand)


def test_big5_noise_floor_is_below_biased_distance(big5, big5_top_e_vs_rest):
    floor = M.noise_floor(big5, 1000, repeats=5, seed=0)
    assert floor["n"] == 1000 and not floor["halves"]
    biased = big5_top_e_vs_rest
    for name in NAMES:
        assert floor["mean"][name] + 3 * floor["sd"][name] < biased[name], (
            name,
            floor["mean"][name],
            biased[name],
        )


def test_big5_bootstrap_ci(big5, big5_top_e_vs_rest):
    X, rest = selections(big5, "top_extraversion")
    kwargs = dict(n_boot=30, seed=0, max_reference=5000)
    full = M.bootstrap_ci(X, rest, **kwargs)
    small = M.bootstrap_ci(X[:300], rest, **kwargs)
    estimates = big5_top_e_vs_rest  # compute_all with the same seed
    for name in NAMES:
        ci = full[name]
        assert ci["n_boot"] == 30 and ci["reference_rows"] == 5000
        assert ci["estimate"] == pytest.approx(estimates[name], rel=1e-12)
        # the reported interval is the bias-corrected one and brackets the estimate
        assert ci["low"] == pytest.approx(
            max(ci["percentile_low"] - ci["bias"], -np.inf if name == "mmd" else 0.0)
        )
        assert ci["low"] <= ci["estimate"] <= ci["high"], (name, ci)
        if name != "corr_mae":  # corr_mae replicates are inflated by resampling noise
            assert ci["percentile_low"] <= ci["estimate"] <= ci["percentile_high"], (name, ci)
        assert ci["high"] - ci["low"] < small[name]["high"] - small[name]["low"], (
            name,
            ci,
            small[name],
        )
    # distances computed on resampled sets are inflated, never deflated, on average
    assert full["corr_mae"]["bias"] > 0 and small["corr_mae"]["bias"] > full["corr_mae"]["bias"]
