"""Reference reduction: any number of human rows in bounded memory.

Rule (recorded in every result's diagnostics as ``reference``):

1. **Deduplicate** identical rows (in the aligner's space), summing their
   weights (a row's weight is 1 when the reference is unweighted), so
   ``m`` rows become ``u <= m`` distinct rows with count weights.  Likert data
   repeat a lot in trait space; 1,000,000 noisy rows do not repeat at all.
2. If more than ``max_rows`` distinct rows remain, **resample**: draw
   ``max_rows`` rows i.i.d. with probability proportional to weight (seeded
   ``numpy.random.default_rng``) and deduplicate the draw again, keeping the
   draw counts as weights.  This is an unbiased empirical sample of the
   weighted reference; its sampling error (of order ``1/sqrt(max_rows)``) is
   kept well below that of the K-persona output (``1/sqrt(K)``) by the default
   caps (method-specific; see docs/alignment.md).

Memory: the deduplication sorts fixed-width byte keys that are a view of the
input matrix (exact identity, no hashing collisions), so it needs O(m) index
arrays besides the input matrix.
"""

from __future__ import annotations

import numpy as np


def dedup(Y: np.ndarray, w: np.ndarray | None = None):
    """(distinct rows, summed weights, inverse index) of ``Y``; order = first occurrence."""
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    n = Y.shape[0]
    w = np.ones(n) if w is None else np.asarray(w, dtype=np.float64)
    if n == 0:
        return Y, w, np.zeros(0, dtype=np.int64)
    # exact row identity via a byte view; np.unique on a void view is a sort
    # of fixed-width keys (fast, and the memory is a view of Y)
    Yz = Y + 0.0  # turn -0.0 into 0.0 so equal values have equal bytes
    keys = Yz.view(np.dtype((np.void, Yz.dtype.itemsize * Yz.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # by first occurrence
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    inverse = rank[inverse.ravel()]
    counts = np.bincount(inverse, weights=w, minlength=order.size)
    return Y[first[order]], counts, inverse


def reduce_reference(Y: np.ndarray, w: np.ndarray | None, max_rows: int | None, seed=0):
    """Apply the module's rule; returns (rows, weights, info dict)."""
    m = Y.shape[0]
    U, cw, _ = dedup(Y, w)
    info = {
        "rows": int(m),
        "distinct": int(U.shape[0]),
        "max_rows": max_rows,
        "resampled": False,
        "used": int(U.shape[0]),
    }
    if max_rows is not None and U.shape[0] > int(max_rows):
        rng = np.random.default_rng([int(seed), 0x5EED])
        p = cw / cw.sum()
        draw = rng.choice(U.shape[0], size=int(max_rows), replace=True, p=p)
        idx, counts = np.unique(draw, return_counts=True)
        U, cw = U[idx], counts.astype(np.float64)
        info.update(
            resampled=True,
            used=int(U.shape[0]),
            rule=f"{max_rows} i.i.d. draws by weight (seeded), deduplicated",
        )
    else:
        info["rule"] = "deduplicated, all distinct rows kept"
    return U, cw, info
