import numpy as np

from populace.align.correlation import CorrelationTracker
from populace.weighted import constant_columns, correlation


def _problem(seed=0, n=400, d=4, k=200):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    X[:, 1] += 0.6 * X[:, 0]
    Y = rng.normal(size=(3 * n, d))
    Y[:, 2] -= 0.4 * Y[:, 3]
    picks = rng.choice(n, size=k, replace=True)
    return X, Y, picks


def _f(P, R):
    iu = np.triu_indices(R.shape[0], 1)
    return float(((np.corrcoef(P.T) - R)[iu] ** 2).mean())


def test_exact_error_and_swap_agree_with_a_recomputation():
    X, Y, picks = _problem()
    R, ok = correlation(Y), ~constant_columns(Y)
    t = CorrelationTracker(X, picks, R, ok)
    assert np.isclose(t.error(), _f(X[picks], R))
    new = picks.copy()
    new[7] = 399
    assert np.isclose(t.error_after_swap(picks[7], 399), _f(X[new], R))
    t.swap(picks[7], 399)
    assert np.isclose(t.error(), _f(X[new], R))


def test_linear_scores_are_the_first_order_change():
    X, Y, picks = _problem(k=2000, n=3000)
    R, ok = correlation(Y), ~constant_columns(Y)
    t = CorrelationTracker(X, picks, R, ok)
    q, f0 = t.linear_scores(), t.error()
    j = int(picks[0])
    cand = np.random.default_rng(3).choice(3000, size=50, replace=False)
    exact = np.array([t.error_after_swap(j, i) - f0 for i in cand])
    lin = q[cand] - q[j]
    assert np.corrcoef(exact, lin)[0, 1] > 0.999
    assert np.abs(exact - lin).max() < 0.05 * np.abs(exact).max()


def test_columns_without_variance_are_left_out():
    X, Y, picks = _problem()
    Y[:, 3] = 1.0
    R, ok = correlation(Y), ~constant_columns(Y)
    assert ok.tolist() == [True, True, True, False]
    t = CorrelationTracker(X, picks, R, ok)
    assert t.n_pairs == 3 and np.isfinite(t.linear_scores()).all() and np.isfinite(t.error())
