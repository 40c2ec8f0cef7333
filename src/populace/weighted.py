"""Weighted statistics shared by ``reference``, ``evaluate`` and ``align``.

One implementation each of the weighted scatter (mean and second moments),
the weighted Pearson correlation matrix, the test for constant columns, and
Kish's effective sample size.  Pure numpy; imports nothing of populace, so
every layer may use it.

Weights are 1-D and non-negative, one per row, in any scale (they are
normalised here), or ``None`` for uniform.  A row with weight 0 takes no part:
in particular a column counts as constant when it holds one value on every
row with positive weight.  Scatter matrices are accumulated over row blocks so
that a 1,000,000 x 50 array never needs a full centred copy.

References
----------
Kish, L. (1965). *Survey Sampling*. New York: Wiley (effective sample size).
"""

from __future__ import annotations

import numpy as np

_BLOCK_BYTES = 64 * 2**20

__all__ = ["scatter", "constant_columns", "corr_from_scatter", "correlation", "kish_ess"]


def _normalised(w, n: int) -> np.ndarray | None:
    if w is None:
        return None
    w = np.asarray(w, dtype=np.float64)
    s = w.sum()
    return w / s if s > 0 else np.full(n, 1.0 / n)


def scatter(X: np.ndarray, w=None) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean and scatter matrix (two passes, blockwise).

    Parameters
    ----------
    X : ndarray of shape (n, d)
        Rows are observations.
    w : array-like of shape (n,), optional
        Non-negative row weights (any scale); ``None`` for uniform.

    Returns
    -------
    mu : ndarray of shape (d,)
        The weighted mean ``sum_i v_i x_i`` with ``v = w / sum(w)``.
    S : ndarray of shape (d, d)
        The symmetric scatter ``sum_i v_i (x_i - mu)(x_i - mu)^T`` (the
        biased weighted covariance).
    """
    n, d = X.shape
    v = _normalised(w, n)
    mu = X.mean(axis=0) if v is None else v @ X
    S = np.zeros((d, d))
    rows = max(1, _BLOCK_BYTES // (8 * d))
    for r0 in range(0, n, rows):
        D = X[r0 : r0 + rows] - mu
        # (v D)^T D, not D^T (v D): OpenBLAS is much slower on the latter layout
        S += (D if v is None else D * v[r0 : r0 + rows, None]).T @ D
    if v is None:
        S /= n
    return mu, (S + S.T) / 2.0


def constant_columns(X: np.ndarray, w=None) -> np.ndarray:
    """Columns whose value is identical on every row with positive weight.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    w : array-like of shape (n,), optional
        Row weights; rows with weight 0 are ignored.

    Returns
    -------
    ndarray of bool, shape (d,)
        True for a constant column.  Tested on the values, not on the
        variance: centring leaves round-off in a constant column.
    """
    if w is None:
        return X.max(axis=0) == X.min(axis=0)
    mask = (np.asarray(w) > 0)[:, None]
    hi = np.max(X, axis=0, where=mask, initial=-np.inf)
    lo = np.min(X, axis=0, where=mask, initial=np.inf)
    return hi == lo


def corr_from_scatter(S: np.ndarray, constant: np.ndarray) -> np.ndarray:
    """Correlation matrix from a scatter (or covariance) matrix.

    Parameters
    ----------
    S : ndarray of shape (d, d)
    constant : ndarray of bool, shape (d,)
        Columns to treat as constant (see :func:`constant_columns`).

    Returns
    -------
    ndarray of shape (d, d)
        Pearson correlations clipped to [-1, 1]; 0 off the diagonal wherever a
        constant column (or one with no variance in ``S``) is involved, 1 on
        the diagonal.
    """
    ok = ~np.asarray(constant) & (np.diag(S) > 0)
    sd = np.sqrt(np.where(ok, np.diag(S), 1.0))
    R = S / np.outer(sd, sd)
    R[~ok, :] = 0.0
    R[:, ~ok] = 0.0
    np.clip(R, -1.0, 1.0, out=R)
    np.fill_diagonal(R, 1.0)
    return R


def correlation(X: np.ndarray, w=None) -> np.ndarray:
    """Weighted Pearson correlation matrix.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    w : array-like of shape (n,), optional
        Non-negative row weights; integer weights give the correlations of
        the rows repeated that many times.

    Returns
    -------
    ndarray of shape (d, d)
        See :func:`corr_from_scatter`: constant columns correlate 0 with every
        other column.
    """
    _, S = scatter(X, w)
    return corr_from_scatter(S, constant_columns(X, w))


def kish_ess(w) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2``.

    Parameters
    ----------
    w : array-like of shape (n,)
        Non-negative weights (or selection counts).

    Returns
    -------
    float
        Between 1 and n for weights that are not all zero; 0 for all-zero
        weights.

    References
    ----------
    Kish, L. (1965). *Survey Sampling*. New York: Wiley.
    """
    w = np.asarray(w, dtype=np.float64)
    s = w.sum()
    return float(s * s / (w @ w)) if s > 0 else 0.0
