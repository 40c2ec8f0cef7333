"""Covariances, bootstrap-replicate moments and the Frechet distance (private).

Weights passed here are 1-D, non-negative and normalised to sum 1, or ``None``
for uniform.  The single-weighting scatter, correlation and constant-column
test are :mod:`populace.weighted`'s; this module adds the unbiased covariance,
the moments of many bootstrap weightings in one pass, and the Frechet distance.
"""

from __future__ import annotations

import numpy as np

from populace.errors import PopulaceError
from populace.weighted import constant_columns, corr_from_scatter, correlation, scatter

_BLOCK_BYTES = 64 * 2**20


def mean_cov(X: np.ndarray, w=None, name: str = "sample"):
    """Weighted mean and unbiased covariance with reliability weights.

    ``cov = scatter / (V1 - V2 / V1)`` with ``V1 = sum w``, ``V2 = sum w^2``;
    for uniform weights this is ``scatter / (n - 1)``, i.e. ``np.cov``.
    """
    n = X.shape[0]
    positive = n if w is None else int(np.count_nonzero(w))
    if positive < 2:
        raise PopulaceError(
            f"{name} needs at least 2 rows with positive weight to estimate a "
            f"covariance; it has {positive}"
        )
    mu, S = scatter(X, w)
    denom = (1.0 - 1.0 / n) if w is None else 1.0 - float(w @ w)
    return mu, S / denom


def batched_scatter(X: np.ndarray, W: np.ndarray):
    """Means ``(R, d)`` and scatters ``(R, d, d)`` for weight rows ``W`` (``(R, n)``, each summing to 1).

    All replicates in one pass: centre once at the unweighted mean, then
    matrix products of the weights with the row-wise products ``x_i x_j``
    (upper triangle only), and ``scatter = E[x x^T] - E[x] E[x]^T``.
    """
    n, d = X.shape
    R = W.shape[0]
    centre = X.mean(axis=0)
    iu, ju = np.triu_indices(d)
    m1 = np.zeros((R, d))
    m2 = np.zeros((R, iu.size))
    rows = max(1, _BLOCK_BYTES // (8 * iu.size))
    for r0 in range(0, n, rows):
        D = X[r0 : r0 + rows] - centre
        Wb = W[:, r0 : r0 + rows]
        m1 += Wb @ D
        m2 += Wb @ (D[:, iu] * D[:, ju])
    S = np.empty((R, d, d))
    S[:, iu, ju] = m2
    S[:, ju, iu] = m2
    S -= m1[:, :, None] * m1[:, None, :]
    return centre + m1, S


def replicate_stats(name: str, X: np.ndarray, W, R: int):
    """``r -> (mean, cov)`` (fd) or ``r -> correlation matrix`` (corr_mae) for R weightings.

    ``W`` is ``None`` (uniform: the same statistic for every r) or ``(R, n)``.
    fd gives ``None`` for a replicate with fewer than 2 positive weights.  For
    correlations a column counts as constant in a replicate if it is constant
    over all rows that carry weight in any replicate (exact check), or if its
    replicate variance is below 1e-12 of its variance over those rows (only a
    replicate that drew one distinct value of it gets there).
    """
    if W is None:
        fixed = mean_cov(X, None) if name == "fd" else correlation(X, None)
        return lambda r: fixed
    Wn = W / W.sum(axis=1, keepdims=True)
    means, S = batched_scatter(X, Wn)
    if name == "fd":
        denom = 1.0 - np.einsum("ri,ri->r", Wn, Wn)
        enough = (W > 0).sum(axis=1) >= 2
        return lambda r: (means[r], S[r] / denom[r]) if enough[r] else None
    used = (W > 0).any(axis=0)
    mask = None if used.all() else used.astype(np.float64)
    base_constant = constant_columns(X, mask)
    base_var = np.var(X if mask is None else X[used], axis=0)
    return lambda r: corr_from_scatter(S[r], base_constant | (np.diag(S[r]) <= 1e-12 * base_var))


def _psd_sqrt(S: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eigh(S)
    return (vecs * np.sqrt(np.clip(vals, 0.0, None))) @ vecs.T


def frechet(mu1, S1, mu2, S2) -> float:
    """||mu1-mu2||^2 + tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2), clipped at 0."""
    r = _psd_sqrt(S1)
    M = r @ S2 @ r
    ev = np.linalg.eigvalsh((M + M.T) / 2.0)
    diff = mu1 - mu2
    val = diff @ diff + np.trace(S1) + np.trace(S2) - 2.0 * np.sqrt(np.clip(ev, 0.0, None)).sum()
    return max(float(val), 0.0)


def corr_mae_value(RX: np.ndarray, RY: np.ndarray) -> float:
    iu = np.triu_indices(RX.shape[0], k=1)
    return float(np.mean(np.abs(RX[iu] - RY[iu])))
