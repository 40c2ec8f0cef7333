import numpy as np
import pytest

from populace.align import align
from populace.errors import PopulaceError
from tests.align_data import parts  # noqa: F401


def test_semi_ot_moves_mass_to_under_represented_region(parts):
    _, ref, biased = parts
    res = align(biased, ref, n=200, method="semi_ot", space="traits", seed=0, in_sample=False)
    w = res.pool_weights
    assert w is not None and np.isfinite(w).all() and (w >= 0).all()
    assert np.isclose(w.sum(), 1.0)
    e = biased.trait_scores().iloc[:, 0].to_numpy()
    e_ref = ref.trait_scores().iloc[:, 0].to_numpy()
    high = e > np.quantile(e_ref, 2 / 3)  # the region the pool lacks
    assert w[high].mean() > 1.5 * w[~high].mean()
    # so the weighted pool's E mean is closer to the humans' than the raw pool's
    assert abs(w @ e - e_ref.mean()) < 0.5 * abs(e.mean() - e_ref.mean())
    assert not res.diagnostics["ot"]["weights"]["constant"]


def test_semi_ot_relaxed_and_with_is(parts):
    pool, ref, _ = parts
    r1 = align(pool, ref, n=50, method="semi_ot", rho=1.0, n_iter=30, seed=1, in_sample=False)
    r2 = align(
        pool, ref, n=50, method="semi_ot", use_is=True, duplicates=True, seed=1, in_sample=False
    )
    assert r1.indices.size == 50 and r2.k == 50
    assert "importance_sampling" in r2.diagnostics


def test_semi_ot_bad_reg(parts):
    pool, ref, _ = parts
    with pytest.raises(PopulaceError, match="reg=.* .method semi_ot.: must be a number > 0"):
        align(pool, ref, n=10, method="semi_ot", reg=0)
