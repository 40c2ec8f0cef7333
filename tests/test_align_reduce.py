import numpy as np

from populace.align.reduce import dedup, reduce_reference


def test_dedup_real_trait_rows_keeps_mass(big5):
    Y = np.round(big5.trait_scores().to_numpy()[:5000], 1)
    U, w, inv = dedup(Y)
    assert U.shape[0] < 5000 and w.sum() == 5000
    assert np.array_equal(U[inv], Y)  # exact reconstruction
    assert len({tuple(r) for r in U}) == U.shape[0]


def test_dedup_sums_weights_and_keeps_first_order():
    Y = np.array([[1.0, 2.0], [0.0, 0.0], [1.0, 2.0], [-0.0, 0.0]])
    U, w, inv = dedup(Y, np.array([1.0, 2.0, 3.0, 4.0]))
    assert np.array_equal(U, [[1, 2], [0, 0]]) and np.array_equal(w, [4.0, 6.0])
    assert np.array_equal(inv, [0, 1, 0, 1])


def test_resample_rule_is_seeded_and_bounded(big5):
    Y = big5.items.to_numpy()[:6000] + np.random.default_rng(0).normal(0, 0.01, (6000, 50))
    U1, w1, info = reduce_reference(Y, None, 1000, seed=4)
    U2, w2, _ = reduce_reference(Y, None, 1000, seed=4)
    assert info["distinct"] == 6000 and info["resampled"] and w1.sum() == 1000
    assert U1.shape[0] <= 1000 and np.array_equal(U1, U2) and np.array_equal(w1, w2)
    U3, w3, info3 = reduce_reference(Y, None, None)
    assert U3.shape[0] == 6000 and not info3["resampled"]
