import numpy as np
import pytest

from populace.align import align
from populace.errors import PopulaceError
from tests.align_data import parts  # noqa: F401

FAST = {"ot_reference": 800}


def test_paper_row_sums_are_constant_and_reported(parts):
    pool, ref, _ = parts
    res = align(pool, ref, n=200, method="paper", seed=0, **FAST)
    ot = res.diagnostics["ot"]["weights"]
    assert ot["constant"] is True and ot["relative_range"] < 1e-6
    assert np.isclose(ot["ess"], ot["n"])  # every kept persona weighs the same
    is_ = res.diagnostics["importance_sampling"]
    assert is_["kept"] == 560 and is_["bandwidth"] == 0.2
    # the 50-d KDE collapses: a handful of effective points, log-weights spanning many nats
    assert is_["ess"] < 20 and is_["log_range_nats"] > 30
    assert res.indices.size == 200


@pytest.mark.parametrize(
    "kw",
    [{"readout": "gibbs"}, {"readout": "matching"}, {"is_select": "sample", "bandwidth": "scott"}],
)
def test_paper_other_readings_give_unequal_weights(parts, kw):
    pool, ref, _ = parts
    res = align(pool, ref, n=100, method="paper", seed=1, in_sample=False, **FAST, **kw)
    w = res.pool_weights
    assert np.isfinite(w).all()
    if "readout" in kw:
        assert not res.diagnostics["ot"]["weights"]["constant"]


def test_paper_keep_too_small_for_k(parts):
    pool, ref, _ = parts
    with pytest.raises(PopulaceError, match="importance sampling keeps 560 of 800"):
        align(pool, ref, n=700, method="paper")


def test_paper_bad_readout(parts):
    pool, ref, _ = parts
    with pytest.raises(
        PopulaceError, match="readout=.colsum. .method paper.: must be one of rowsum"
    ):
        align(pool, ref, n=10, method="paper", readout="colsum")
