import numpy as np

from populace.align import align
from populace.evaluate.metrics import mmd
from tests.align_data import parts  # noqa: F401


def test_matched_distinct_seeded_and_better_than_random(parts):
    _, ref, biased = parts
    y = ref.trait_scores().to_numpy()
    x = biased.trait_scores().to_numpy()
    a = align(biased, ref, n=200, method="matched", seed=2, in_sample=False)
    b = align(biased, ref, n=200, method="matched", seed=2, in_sample=False)
    r = align(biased, ref, n=200, method="random", seed=2, in_sample=False)
    assert np.array_equal(a.indices, b.indices) and a.indices.size == 200
    assert mmd(x[a.indices], y) < mmd(x[r.indices], y)
    assert a.diagnostics["matched"]["mean_match_distance"] >= 0


def test_matched_with_duplicates(parts):
    pool, ref, _ = parts
    a = align(pool, ref, n=900, method="matched", duplicates=True, in_sample=False)
    assert a.k == 900
