"""Gaussian-kernel MMD pieces (private to metrics).

Kernel sums are accumulated over row blocks of at most ``MAX_KERNEL_ENTRIES``
entries, and evaluated for ``R`` weight vectors at once (one matrix product
per block), so the bootstrap reuses every kernel block for all replicates.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import pdist

MAX_KERNEL_ENTRIES = 8_000_000  # 64 MB of float64 per kernel block
MEDIAN_ROWS = 2000


def cap_rows(A: np.ndarray, W, max_n: int, rng: np.random.Generator):
    """Rows with positive weight; a seeded uniform subsample of ``max_n`` of them if more.

    ``W`` is ``None`` (uniform) or ``(R, n)``; the kept rows keep their weights.
    """
    n = A.shape[0]
    keep = None if W is None else np.flatnonzero((W > 0).any(axis=0))
    count = n if keep is None else keep.size
    if count > max_n:
        pick = np.sort(rng.choice(count, size=max_n, replace=False))
        keep = pick if keep is None else keep[pick]
    if keep is None:
        return A, W
    if keep.size == n:
        return A, W
    return A[keep], (None if W is None else W[:, keep])


def median_bandwidth(A: np.ndarray, B: np.ndarray, rng: np.random.Generator) -> float:
    """Median pairwise Euclidean distance over the pooled rows.

    Computed on a seeded uniform subsample of at most ``MEDIAN_ROWS`` pooled
    rows.  If the median is 0 (more than half the pairs are identical rows)
    the median of the positive distances is used; if every row is identical,
    1.0.
    """
    n_pool = A.shape[0] + B.shape[0]
    if n_pool > MEDIAN_ROWS:
        pick = np.sort(rng.choice(n_pool, size=MEDIAN_ROWS, replace=False))
        in_a = pick < A.shape[0]
        pooled = np.concatenate([A[pick[in_a]], B[pick[~in_a] - A.shape[0]]])
    else:
        pooled = np.concatenate([A, B])
    dist = pdist(pooled)
    h = float(np.median(dist)) if dist.size else 0.0
    if h > 0:
        return h
    positive = dist[dist > 0]
    return float(np.median(positive)) if positive.size else 1.0


def kernel_sums(A, B, gamma: float, WA: np.ndarray, WB: np.ndarray, same: bool) -> np.ndarray:
    """``T[r] = sum_{i,j} WA[r,i] WB[r,j] exp(-gamma ||A_i - B_j||^2)``.

    With ``same`` (B is A, WB is WA) the i == j terms are skipped and only
    the block upper triangle is computed (off-diagonal blocks count twice).
    The exponent ``-gamma ||a - b||^2 = 2 gamma a.b - gamma |a|^2 - gamma |b|^2``
    comes out of one matrix product of augmented rows
    ``[sqrt(2 gamma) a, gamma |a|^2, 1]`` and ``[sqrt(2 gamma) b, -1, -gamma |b|^2]``.
    """
    root = np.sqrt(2.0 * gamma)
    a2 = gamma * np.einsum("ij,ij->i", A, A)
    Aa = np.concatenate([A * root, a2[:, None], np.ones((len(A), 1))], axis=1)
    if same:
        Ba = np.concatenate([A * root, -np.ones((len(A), 1)), -a2[:, None]], axis=1)
    else:
        b2 = gamma * np.einsum("ij,ij->i", B, B)
        Ba = np.concatenate([B * root, -np.ones((len(B), 1)), -b2[:, None]], axis=1)
    nb = Ba.shape[0]
    rows = max(1, MAX_KERNEL_ENTRIES // nb)
    if same:  # finer row blocks bring the upper-triangle saving close to one half
        rows = max(1, min(rows, -(-Aa.shape[0] // 8)))
    out = np.zeros(WA.shape[0])
    for r0 in range(0, Aa.shape[0], rows):
        r1 = min(Aa.shape[0], r0 + rows)
        c0 = r0 if same else 0
        K = Aa[r0:r1] @ Ba[c0:].T  # = -gamma ||a - b||^2 (up to rounding)
        np.exp(K, out=K)
        cols = WB[:, c0:]
        if same:
            K[np.arange(r1 - r0), np.arange(r1 - r0)] = 0.0
            cols = cols.copy()
            cols[:, r1 - r0 :] *= 2.0
        out += np.einsum("ri,ir->r", WA[:, r0:r1], K @ cols.T)
    return out


def mmd2_values(X, Y, WX, WY, h: float) -> np.ndarray:
    """Unbiased (U-statistic) squared MMD for each weight row; NaN if a side has < 2 positive weights."""
    if WX is None and WY is None:
        WX, WY = np.ones((1, X.shape[0])), np.ones((1, Y.shape[0]))
    elif WX is None:
        WX = np.ones((WY.shape[0], X.shape[0]))
    elif WY is None:
        WY = np.ones((WX.shape[0], Y.shape[0]))
    WX = WX / WX.sum(axis=1, keepdims=True)
    WY = WY / WY.sum(axis=1, keepdims=True)
    centre = np.concatenate([X, Y]).mean(axis=0)  # shrink norms: better-conditioned distances
    X = X - centre
    Y = Y - centre
    gamma = 1.0 / (2.0 * h * h)
    within_x = 1.0 - np.einsum("ri,ri->r", WX, WX)  # (sum w)^2 - sum w^2, with sum w = 1
    within_y = 1.0 - np.einsum("ri,ri->r", WY, WY)
    with np.errstate(divide="ignore", invalid="ignore"):
        kxx = kernel_sums(X, X, gamma, WX, WX, True) / within_x
        kyy = kernel_sums(Y, Y, gamma, WY, WY, True) / within_y
    kxy = kernel_sums(X, Y, gamma, WX, WY, False)
    bad = ((WX > 0).sum(axis=1) < 2) | ((WY > 0).sum(axis=1) < 2)
    out = kxx + kyy - 2.0 * kxy
    out[bad] = np.nan
    return out
