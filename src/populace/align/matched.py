"""``matched``: nearest-neighbour matched sampling of reference draws.

Draw K humans from the (reduced) reference by weight (seeded, i.i.d.), then,
in draw order, give each the nearest persona (Euclidean distance in the
aligner's space) that is still free (any persona with duplicates).  The
selection inherits the human sample's distribution up to the matching
distance; its sampling noise is that of a K-row human sample.

Search: for blocks of draws, the ``candidates`` nearest personas come from
one distance block (argpartition); a draw whose candidates are all taken
falls back to an exact scan of the free personas.  Memory O(block x n).
"""

from __future__ import annotations

import numpy as np

from populace.align.result import Problem
from populace.align.select import check_k

BLOCK_ENTRIES = 8_000_000


def align_matched(problem: Problem, max_reference=None, candidates=32):
    X = problem.X
    n = X.shape[0]
    k = check_k(problem.k, n, problem.duplicates)
    U, w = problem.reference(max_reference)
    rng = problem.generator(4)
    draws = U[rng.choice(U.shape[0], size=k, replace=True, p=w / w.sum())]
    x2 = np.einsum("ij,ij->i", X, X)
    taken = np.zeros(n, dtype=bool)
    picks = np.empty(k, dtype=np.int64)
    c = int(min(max(1, candidates), n))
    block = max(1, BLOCK_ENTRIES // n)
    fallbacks = 0
    dist_sum = 0.0
    with problem.stages("match"):
        for b0 in range(0, k, block):
            b1 = min(k, b0 + block)
            D = x2[None, :] - 2.0 * (draws[b0:b1] @ X.T)  # + |y|^2, constant per row
            near = (
                np.argpartition(D, c - 1, axis=1)[:, :c]
                if c < n
                else np.tile(np.arange(n), (b1 - b0, 1))
            )
            for r in range(b1 - b0):
                cand = near[r][np.argsort(D[r, near[r]], kind="stable")]
                if not problem.duplicates:
                    cand = cand[~taken[cand]]
                if cand.size:
                    i = int(cand[0])
                else:
                    fallbacks += 1
                    row = np.where(taken, np.inf, D[r])
                    i = int(np.argmin(row))
                picks[b0 + r] = i
                if not problem.duplicates:
                    taken[i] = True
                dist_sum += float(np.sqrt(max(0.0, D[r, i] + draws[b0 + r] @ draws[b0 + r])))
    idx, counts = np.unique(picks, return_counts=True)
    problem.diagnostics["matched"] = {
        "candidates": c,
        "fallback_scans": fallbacks,
        "mean_match_distance": dist_sum / k,
    }
    return idx, counts.astype(np.int64), None
