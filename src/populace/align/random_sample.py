"""``random``: K personas uniformly at random (the baseline every method must beat)."""

from __future__ import annotations

import numpy as np

from populace.align.result import Problem
from populace.align.select import check_k


def align_random(problem: Problem):
    """Uniform sample of K personas, without replacement (with it if duplicates)."""
    n = problem.X.shape[0]
    k = check_k(problem.k, n, problem.duplicates)
    rng = problem.generator(1)
    with problem.stages("select"):
        if problem.duplicates:
            idx, counts = np.unique(rng.integers(0, n, size=k), return_counts=True)
        else:
            idx = np.sort(rng.choice(n, size=k, replace=False))
            counts = np.ones(k, dtype=np.int64)
    return idx, counts, None
