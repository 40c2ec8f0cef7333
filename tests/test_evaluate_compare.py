import numpy as np
import pytest

from populace.errors import PopulaceError
from populace.evaluate.compare import compare
from populace.reference import ResponseTable, load_reference
from tests.conftest import shared


def _split(big5, n, seed=0):
    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(big5))
    return big5.subset(idx[:n]), big5.subset(idx[n:])


def test_real_sample_sits_at_the_noise_floor(big5):
    syn, ref = _split(big5, 500)
    r = compare(syn, ref, noise_repeats=5)
    assert r.space == "traits" and r.columns == ["EXT", "EST", "AGR", "CSN", "OPN"]
    assert r.n_synthetic == 500 and r.noise_floor_n == 500
    for m in ("amw", "fd", "sw", "corr_mae"):
        assert r.metrics[m] < 2.5 * r.noise_floor[m], m


def test_biased_sample_is_far_above_the_floor(big5):
    syn, ref = _split(big5, 5000)
    ext = syn.trait_scores()["EXT"].to_numpy()
    biased = syn.subset(np.argsort(-ext)[:500])  # the 500 most extraverted
    r = compare(biased, ref, noise_repeats=5)
    for m in ("amw", "fd", "sw", "mmd"):
        assert r.metrics[m] > 4 * r.noise_floor[m], m


def test_weights_change_the_result_and_the_floor_size(big5):
    syn, ref = _split(big5, 400)
    ext = syn.trait_scores()["EXT"].to_numpy()
    w = np.exp(2.0 * (ext - ext.mean()))
    weighted = ResponseTable(syn.instrument, syn.items, syn.meta, w)
    a = compare(syn, ref, noise_repeats=2)
    b = compare(weighted, ref, noise_repeats=2)
    assert b.metrics["amw"] > a.metrics["amw"]
    assert b.n_synthetic_effective < 400 and b.noise_floor_n < 400


def test_items_space_and_ci(big5):
    syn, ref = _split(big5, 300)
    r = compare(syn, ref, space="items", noise_repeats=2, n_boot=10)
    assert len(r.columns) == 50
    for m, ci in r.ci.items():  # a real human sample: the corrected interval covers it
        assert ci["low"] <= r.metrics[m] <= ci["high"], (m, ci, r.metrics[m])
    d = r.to_dict()
    assert set(d["metrics"]) == {"amw", "fd", "sw", "mmd", "corr_mae"} and "ci" in d


def test_one_trait_scale_uses_item_pairs_for_corr_mae():
    t = load_reference(shared("openpsychometrics", "grit", "data.csv"), "grit12")
    syn, ref = t.subset(np.arange(200)), t.subset(np.arange(200, len(t)))
    r = compare(syn, ref, noise_repeats=2)
    assert r.columns == ["GRIT"]
    assert set(r.metrics) == {"amw", "fd", "sw", "mmd", "corr_mae"}
    assert 0 < r.metrics["corr_mae"] < 0.2


def test_instrument_mismatch(big5):
    other = load_reference(shared("openpsychometrics", "grit", "data.csv"), "grit12")
    with pytest.raises(PopulaceError, match="synthetic answers are for grit12"):
        compare(other, big5)


def test_one_item_survey_has_no_corr_mae():
    from populace.reference.regions import region_condition

    path = shared("wvs", "wvs_justifbribe.csv")
    na = load_reference(path, "wvs_f117", where=[region_condition("north_america")])
    ea = load_reference(path, "wvs_f117", where=[region_condition("east_asia")])
    r = compare(na.subset(np.arange(1000)), ea, noise_repeats=2)
    assert set(r.metrics) == {"amw", "fd", "sw", "mmd"}
