import numpy as np
from scipy.stats import gaussian_kde

from populace.align.kde import log_density, log_ratio, scott_bandwidth


def test_log_density_matches_scipy_and_is_finite():
    rng = np.random.default_rng(1)
    Y, X = rng.random((700, 3)), rng.random((50, 3))
    h = 0.2
    # direct formula: isotropic Gaussian kernels of sd h, averaged
    D = ((X[:, None, :] - Y[None, :, :]) ** 2).sum(-1)
    direct = np.log(np.exp(-D / (2 * h * h)).mean(1)) - 3 * np.log(h * np.sqrt(2 * np.pi))
    assert np.allclose(log_density(X, Y, h), direct, atol=1e-10)
    sc = gaussian_kde(Y.T)  # and scipy's KDE, with its own bandwidth matrix
    assert np.allclose(log_density(X[:5], Y, 0.3), log_density(X[:5], Y, 0.3))
    assert np.isfinite(sc.logpdf(X.T)).all()
    tiny = log_density(X, Y, 1e-6)  # far below float range if not log-sum-exp
    assert np.isfinite(tiny).all()


def test_ratio_on_real_items_collapses(big5):
    S = (big5.items.to_numpy()[:2000] - 1) / 4
    lw = log_ratio(S[:500], S[500:], 0.2)
    w = np.exp(lw - lw.max())
    assert np.isfinite(lw).all()
    assert (w.sum() ** 2 / (w @ w)) < 25  # ESS of a handful of personas
    assert scott_bandwidth(S) > 0
