"""Blocked squared distances and the kernel pieces of the distance-minimising aligners."""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import pdist

BLOCK_ENTRIES = 4_000_000


def median_distance(A: np.ndarray, B: np.ndarray, seed=0, rows: int = 2000) -> float:
    """Median pairwise Euclidean distance over a seeded subsample of the pooled rows."""
    rng = np.random.default_rng([int(seed), 0xB00])
    pa = A[rng.choice(A.shape[0], size=min(rows // 2, A.shape[0]), replace=False)]
    pb = B[rng.choice(B.shape[0], size=min(rows // 2, B.shape[0]), replace=False)]
    d = pdist(np.concatenate([pa, pb]))
    h = float(np.median(d)) if d.size else 0.0
    if h <= 0:
        pos = d[d > 0]
        h = float(np.median(pos)) if pos.size else 1.0
    return h


def _apply(D: np.ndarray, gammas) -> np.ndarray:
    """Kernel values from squared distances: ``mean_s exp(-gamma_s D)`` for Gaussian
    bandwidths (gamma > 0); a negative gamma ``-1/h`` stands for the energy
    (distance) kernel ``-sqrt(D) / h``, conditionally negative definite, whose
    MMD is the energy distance."""
    out = None
    for g in gammas:
        part = g * np.sqrt(D) if g < 0 else np.exp(-g * D)
        out = part if out is None else out + part
    return out / len(gammas)


def distance_blocks(X: np.ndarray, Y: np.ndarray, max_cols: int = 16384):
    """Squared Euclidean distances between the rows of ``X`` and ``Y`` in blocks.

    Yields ``(r0, r1, c0, c1, D)`` with ``D[a, b] = ||X[r0 + a] - Y[c0 + b]||^2``
    (computed as ``x2 + y2 - 2 X Y^T``, clipped at 0), row block by row block
    and, within one, column block by column block (so ``c0 == 0`` starts a new
    row block).  A block holds at most ``BLOCK_ENTRIES`` entries; rows per
    block are chosen for ``min(m, max_cols)`` columns.  Used by
    :func:`mean_embedding` (sums kernels) and ``kde.log_density`` (streaming
    log-sum-exp)."""
    n, m = X.shape[0], Y.shape[0]
    x2 = np.einsum("ij,ij->i", X, X)
    y2 = np.einsum("ij,ij->i", Y, Y)
    rows = max(1, min(n, BLOCK_ENTRIES // max(1, min(m, max_cols))))
    cols = max(1, min(m, BLOCK_ENTRIES // rows))
    for r0 in range(0, n, rows):
        r1 = min(n, r0 + rows)
        for c0 in range(0, m, cols):
            c1 = min(m, c0 + cols)
            D = X[r0:r1] @ Y[c0:c1].T
            D *= -2.0
            D += x2[r0:r1, None]
            D += y2[None, c0:c1]
            np.maximum(D, 0.0, out=D)
            yield r0, r1, c0, c1, D


def mean_embedding(X: np.ndarray, Y: np.ndarray, v: np.ndarray, gammas) -> np.ndarray:
    """``mu_i = sum_j v_j k(x_i, y_j)`` for ``k = mean_s k_s`` (see ``_apply``);
    blocked so that at most ``BLOCK_ENTRIES`` distances live at once."""
    v = v / v.sum()
    out = np.zeros(X.shape[0])
    for r0, r1, c0, c1, D in distance_blocks(X, Y):
        out[r0:r1] += _apply(D, gammas) @ v[c0:c1]
    return out


def kernel_column(X: np.ndarray, x2: np.ndarray, i: int, gammas) -> np.ndarray:
    """``k(x_j, x_i)`` for every row j."""
    D = x2 + x2[i] - 2.0 * (X @ X[i])
    np.maximum(D, 0.0, out=D)
    return _apply(D, gammas)
