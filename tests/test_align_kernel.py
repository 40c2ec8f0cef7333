"""The blocked kernel pieces under the herding and KDE aligners (align/_kernel.py),
checked against dense scipy computations, with blocks forced small so that the
row and column blocking is exercised."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist, pdist

from populace.align import _kernel as K


@pytest.fixture
def xy():
    rng = np.random.default_rng(7)
    return rng.normal(size=(37, 4)), rng.normal(size=(23, 4))


def dense(D, gammas):
    return np.mean([g * np.sqrt(D) if g < 0 else np.exp(-g * D) for g in gammas], axis=0)


@pytest.mark.parametrize("entries", [K.BLOCK_ENTRIES, 50, 7])
def test_distance_blocks_tile_the_exact_squared_distances(xy, monkeypatch, entries):
    X, Y = xy
    monkeypatch.setattr(K, "BLOCK_ENTRIES", entries)
    got = np.full((len(X), len(Y)), np.nan)
    for r0, r1, c0, c1, D in K.distance_blocks(X, Y):
        assert D.size <= max(entries, len(Y)) and D.min() >= 0
        assert np.isnan(got[r0:r1, c0:c1]).all()  # every cell once
        got[r0:r1, c0:c1] = D
    np.testing.assert_allclose(got, cdist(X, Y, "sqeuclidean"), atol=1e-10)


def test_distances_of_a_row_to_itself_are_clipped_at_zero():
    X = np.full((3, 5), 1e6) + np.arange(3)[:, None] * 1e-3
    D = next(K.distance_blocks(X, X))[4]
    assert D.min() >= 0 and np.allclose(np.diag(D), 0, atol=1e-3)


@pytest.mark.parametrize("gammas", [(0.5,), (0.1, 1.0, 3.0), (-1 / 2.0,)])
def test_mean_embedding_equals_the_dense_weighted_kernel_sum(xy, monkeypatch, gammas):
    X, Y = xy
    monkeypatch.setattr(K, "BLOCK_ENTRIES", 40)
    v = np.random.default_rng(1).random(len(Y))
    want = dense(cdist(X, Y, "sqeuclidean"), gammas) @ (v / v.sum())
    np.testing.assert_allclose(K.mean_embedding(X, Y, v, gammas), want, rtol=1e-10)


def test_the_energy_kernel_is_minus_the_distance_over_h(xy):
    X, _ = xy
    x2 = np.einsum("ij,ij->i", X, X)
    col = K.kernel_column(X, x2, 4, (-1 / 3.0,))
    np.testing.assert_allclose(col, -cdist(X, X[4:5]).ravel() / 3.0, atol=1e-6)
    assert col[4] == pytest.approx(0.0, abs=1e-6)


def test_kernel_column_equals_the_dense_column(xy):
    X, _ = xy
    x2 = np.einsum("ij,ij->i", X, X)
    gammas = (0.2, 2.0)
    want = dense(cdist(X, X, "sqeuclidean"), gammas)[:, 11]
    np.testing.assert_allclose(K.kernel_column(X, x2, 11, gammas), want, rtol=1e-10)


def test_median_distance_is_the_median_of_pooled_pairs_and_seeded(xy):
    X, Y = xy
    assert K.median_distance(X, Y) == pytest.approx(np.median(pdist(np.vstack([X, Y]))))
    big = np.random.default_rng(3).normal(size=(5000, 2))
    a, b = K.median_distance(big, big, seed=1), K.median_distance(big, big, seed=1)
    assert a == b and a != K.median_distance(big, big, seed=2)


def test_median_distance_falls_back_when_most_rows_are_equal():
    A = np.zeros((10, 3))
    B = np.vstack([np.zeros((9, 3)), np.ones((1, 3))])
    assert K.median_distance(A, B) == pytest.approx(np.sqrt(3))  # median of the positive ones
    assert K.median_distance(np.zeros((4, 2)), np.zeros((4, 2))) == 1.0  # all equal
