import numpy as np
import pytest

from populace.align.select import select
from populace.errors import PopulaceError


def test_weighted_without_replacement_prefers_heavy_rows():
    w = np.r_[np.full(10, 1e4), np.full(990, 1.0)]
    idx, counts, zero = select(w, 20, np.random.default_rng(0))
    assert len(set(idx)) == 20 and (counts == 1).all() and zero == 0
    assert np.isin(np.arange(10), idx).sum() >= 9


def test_top_zero_and_duplicates():
    w = np.array([0.0, 3.0, 1.0, 2.0, 0.0])
    idx, _, _ = select(w, 2, np.random.default_rng(0), mode="top")
    assert list(idx) == [1, 3]
    idx, _, zero = select(w, 4, np.random.default_rng(0))
    assert zero == 1 and 1 in idx and 2 in idx and 3 in idx
    idx, counts, _ = select(w, 50, np.random.default_rng(0), duplicates=True)
    assert counts.sum() == 50 and not np.isin([0, 4], idx).any()


def test_bad_inputs():
    rng = np.random.default_rng(0)
    with pytest.raises(PopulaceError, match="cannot select 6 distinct"):
        select(np.ones(5), 6, rng)
    with pytest.raises(PopulaceError, match="zero alignment weight"):
        select(np.zeros(5), 2, rng)
    with pytest.raises(PopulaceError, match="finite and non-negative"):
        select(np.array([1.0, np.nan]), 1, rng)
