"""Small real-data problems for the align tests (slices of BIG5, fixed seeds)."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="session")
def parts(big5):
    """(pool table 800 rows, reference table 2,000 rows, biased pool 600 rows) from BIG5.

    The biased pool under-represents extraverts: of the people in the top third
    of E, only one in five is kept.
    """
    rng = np.random.default_rng(123)
    perm = rng.permutation(len(big5))
    pool = big5.subset(np.sort(perm[:800]))
    ref = big5.subset(np.sort(perm[800:2800]))
    src = big5.subset(np.sort(perm[2800:4800]))
    e = src.trait_scores()[src.instrument.trait_ids[0]].to_numpy()
    high = e > np.quantile(e, 2 / 3)
    keep = ~high | (rng.random(len(e)) < 0.2)
    biased = src.subset(np.flatnonzero(keep)[:600])
    return pool, ref, biased
