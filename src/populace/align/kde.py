"""Gaussian kernel density estimates in log space, chunked.

``log_density(X, Y, h, wy)`` returns, for each row ``x`` of ``X``,

    log p(x) = log sum_j v_j exp(-||x - y_j||^2 / (2 h^2)) - d log(h sqrt(2 pi))

with ``v`` the normalised weights of ``Y``.  The sum is a streaming
log-sum-exp over blocks of ``Y`` (running maximum), so the result is finite
for any bandwidth and memory stays at one block of at most
``_kernel.BLOCK_ENTRIES`` distances whatever the sizes (blocks from
``_kernel.distance_blocks``).
"""

from __future__ import annotations

import numpy as np

from populace.align._kernel import distance_blocks


def scott_bandwidth(Y: np.ndarray, wy: np.ndarray | None = None) -> float:
    """Scott's rule ``n_eff^(-1/(d+4))`` times the mean per-column standard deviation."""
    n, d = Y.shape
    v = np.full(n, 1.0 / n) if wy is None else wy / wy.sum()
    n_eff = 1.0 / float(v @ v)
    mean = v @ Y
    sd = np.sqrt(np.maximum(v @ (Y - mean) ** 2, 0.0))
    s = float(sd.mean()) if sd.mean() > 0 else 1.0
    return s * n_eff ** (-1.0 / (d + 4))


def log_density(
    X: np.ndarray, Y: np.ndarray, h: float, wy: np.ndarray | None = None, exclude_self: bool = False
) -> np.ndarray:
    """Log KDE of ``Y`` at the rows of ``X`` (see module docs).

    ``exclude_self`` (only when ``X is Y``) leaves each point's own kernel out
    (leave-one-out density).
    """
    n, d = X.shape
    m = Y.shape[0]
    logv = (
        np.full(m, -np.log(m)) if wy is None else np.log(np.maximum(wy, 1e-300)) - np.log(wy.sum())
    )
    inv = 1.0 / (2.0 * h * h)
    out = np.empty(n)
    run_max = run_sum = None
    for r0, r1, c0, c1, D in distance_blocks(X, Y, max_cols=8192):
        if c0 == 0:  # a new row block
            run_max = np.full(r1 - r0, -np.inf)
            run_sum = np.zeros(r1 - r0)
        L = logv[None, c0:c1] - inv * D
        if exclude_self and c0 < r1 and r0 < c1:
            i = np.arange(max(r0, c0), min(r1, c1))
            L[i - r0, i - c0] = -np.inf
        blk_max = L.max(axis=1)
        new_max = np.maximum(run_max, blk_max)
        safe = np.where(np.isfinite(new_max), new_max, 0.0)
        run_sum = run_sum * np.exp(np.where(np.isfinite(run_max), run_max - safe, -np.inf))
        run_sum += np.exp(L - safe[:, None]).sum(axis=1)
        run_max = new_max
        if c1 == m:  # the row block is complete
            with np.errstate(divide="ignore"):
                out[r0:r1] = np.where(np.isfinite(run_max), run_max, 0.0) + np.log(run_sum)
    return out - d * np.log(h * np.sqrt(2.0 * np.pi))


def log_ratio(X: np.ndarray, Y: np.ndarray, h: float, wy=None, exclude_self=False) -> np.ndarray:
    """``log p_human(x) - log p_persona(x)`` at each persona ``x`` (importance log-weights)."""
    lh = log_density(X, Y, h, wy)
    lp = log_density(X, X, h, None, exclude_self=exclude_self)
    out = lh - lp
    # a persona with no other persona near it (leave-one-out) has lp = -inf: cap, don't inf
    finite = np.isfinite(out)
    if not finite.all():
        cap = out[finite].max() if finite.any() else 0.0
        out = np.where(finite, out, np.where(np.isneginf(lh), -np.inf, cap))
        out = np.where(
            np.isfinite(out),
            out,
            (out[np.isfinite(out)].min() - 50.0) if np.isfinite(out).any() else 0.0,
        )
    return out
