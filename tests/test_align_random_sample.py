import numpy as np
import pytest

from populace.align import align
from populace.errors import PopulaceError
from tests.align_data import parts  # noqa: F401


def test_random_picks_k_distinct_and_is_seeded(parts):
    pool, ref, _ = parts
    a = align(pool, ref, n=100, method="random", seed=3, in_sample=False)
    b = align(pool, ref, n=100, method="random", seed=3, in_sample=False)
    c = align(pool, ref, n=100, method="random", seed=4, in_sample=False)
    assert a.indices.size == 100 and (a.counts == 1).all()
    assert np.array_equal(a.persona_ids, b.persona_ids)
    assert not np.array_equal(a.indices, c.indices)
    assert np.isclose(a.weights.sum(), 1.0)


def test_random_with_duplicates_counts_to_k(parts):
    pool, ref, _ = parts
    r = align(pool, ref, n=1000, method="random", duplicates=True, in_sample=False)
    assert r.k == 1000 and r.indices.size < 1000 and r.counts.max() > 1


def test_k_larger_than_pool(parts):
    pool, ref, _ = parts
    with pytest.raises(
        PopulaceError, match="cannot select 801 distinct personas from a pool of 800"
    ):
        align(pool, ref, n=801, method="random")
