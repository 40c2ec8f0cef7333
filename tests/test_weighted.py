import numpy as np
import pytest

from populace.weighted import constant_columns, corr_from_scatter, correlation, kish_ess, scatter


def test_scatter_matches_numpy_uniform_and_weighted():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    mu, S = scatter(X)
    np.testing.assert_allclose(mu, X.mean(axis=0))
    np.testing.assert_allclose(S, np.cov(X.T, bias=True))
    w = rng.uniform(0.1, 3.0, 200)
    mu_w, S_w = scatter(X, w)
    np.testing.assert_allclose(mu_w, np.average(X, axis=0, weights=w))
    np.testing.assert_allclose(S_w, np.cov(X.T, aweights=w, bias=True))
    # weights are relative: any scale gives the same moments
    np.testing.assert_allclose(scatter(X, 7 * w)[1], S_w)


def test_scatter_in_blocks_equals_one_block(monkeypatch):
    rng = np.random.default_rng(1)
    X, w = rng.normal(size=(300, 5)), rng.uniform(size=300)
    whole = scatter(X, w)
    monkeypatch.setattr("populace.weighted._BLOCK_BYTES", 200)
    parts = scatter(X, w)
    np.testing.assert_allclose(parts[1], whole[1], atol=1e-14)


def test_correlation_matches_numpy_and_count_weights_equal_repeats():
    rng = np.random.default_rng(1)
    Y = rng.normal(size=(50, 3))
    Y[:, 1] += Y[:, 0]
    np.testing.assert_allclose(correlation(Y), np.corrcoef(Y.T))
    c = rng.integers(1, 4, size=50)
    np.testing.assert_allclose(
        correlation(Y, c.astype(float)), np.corrcoef(np.repeat(Y, c, axis=0).T)
    )


def test_constant_column_is_zero_and_diagonal_one():
    x = np.column_stack([np.arange(5.0), np.ones(5)])
    c = correlation(x)
    assert c[0, 1] == 0.0 and c[1, 0] == 0.0 and (np.diag(c) == 1).all()


def test_constant_column_is_zero_despite_round_off():
    # weights whose average of a constant column is not exactly that constant
    x = np.column_stack([np.full(100, 3.4), np.linspace(1, 5, 100), np.full(100, 2.4)])
    w = np.random.default_rng(1).random(100)
    assert list(constant_columns(x, w)) == [True, False, True]
    c = correlation(x, w)
    assert c[0, 1] == 0 and c[1, 2] == 0 and c[0, 2] == 0 and (np.diag(c) == 1).all()


def test_a_column_constant_on_the_weighted_rows_is_constant():
    z = np.column_stack([np.r_[np.full(9, 2.0), 5.0], np.arange(10.0)])
    assert list(constant_columns(z, np.r_[np.ones(9), 0.0])) == [True, False]
    assert list(constant_columns(z)) == [False, False]


def test_corr_from_scatter_clips_and_zeroes():
    S = np.array([[1.0, 1.0 + 1e-9, 0.3], [1.0 + 1e-9, 1.0, 0.2], [0.3, 0.2, 0.0]])
    R = corr_from_scatter(S, np.array([False, False, False]))
    assert R[0, 1] == 1.0 and R[0, 2] == 0 and R[2, 1] == 0 and R[2, 2] == 1.0


@pytest.mark.parametrize(
    "w, expected",
    [([1, 1, 1, 1], 4.0), ([1, 1, 0, 0], 2.0), ([3, 1], 1.6), ([2, 2], 2.0), ([0, 0], 0.0)],
)
def test_kish_ess(w, expected):
    assert kish_ess(w) == pytest.approx(expected)
