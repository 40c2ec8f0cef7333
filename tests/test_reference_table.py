import numpy as np
import pandas as pd
import pytest

from populace.errors import PopulaceError
from populace.instruments import load_instrument
from populace.reference import ResponseTable, load_reference
from tests.conftest import shared


def test_matrix_spaces(big5):
    x, w, cols = big5.matrix("traits")
    assert x.shape == (len(big5), 5) and w is None and cols == ["EXT", "EST", "AGR", "CSN", "OPN"]
    xi, _, cols_i = big5.matrix("items")
    assert xi.shape == (len(big5), 50) and cols_i[0] == "EXT1"
    with pytest.raises(PopulaceError, match="unknown space"):
        big5.matrix("factors")


def test_masked_matrix_marks_the_rows_matrix_keeps(big5):
    t = big5.subset(np.arange(10))
    items = t.items.copy()
    items.iloc[2, 0] = np.nan
    t = ResponseTable(t.instrument, items, t.meta, np.arange(10, dtype=float))
    assert t.masked_matrix("items")[1].tolist() == [i != 2 for i in range(10)]
    for space in ("traits", "items"):  # trait scores may tolerate a missing item
        full, keep, cols = t.masked_matrix(space)
        x, w, cols_m = t.matrix(space)
        assert len(full) == 10 and cols == cols_m
        assert len(x) == keep.sum() and w.tolist() == np.flatnonzero(keep).tolist()
        np.testing.assert_array_equal(x, full[keep])
    with pytest.raises(PopulaceError, match="unknown space"):
        t.masked_matrix("factors")


def test_unkeyed_instrument_falls_back_to_items():
    ins = load_instrument("fbps26")
    t = ResponseTable(
        ins, pd.DataFrame(np.full((3, 26), 2.0), columns=ins.item_ids), pd.DataFrame(index=range(3))
    )
    assert t.effective_space("traits") == "items"
    assert t.matrix("traits")[0].shape == (3, 26)
    assert t.summary()["scored"] == "items"


def test_subset_keeps_weights(big5):
    w = np.arange(len(big5), dtype=float)
    t = ResponseTable(big5.instrument, big5.items, big5.meta, w)
    s = t.subset(np.array([3, 1]))
    assert list(s.weights) == [3.0, 1.0]
    assert s.items.iloc[0].tolist() == big5.items.iloc[3].tolist()


def test_summary_of_big5(big5):
    s = big5.summary()
    assert s["n"] == len(big5) and s["missing_rate"] == 0.0
    # published BIG5 means: agreeableness and openness highest, around 3.8-3.9
    assert 3.6 < s["mean"]["AGR"] < 4.0 and 3.7 < s["mean"]["OPN"] < 4.1
    assert all(0.5 < v < 1.1 for v in s["sd"].values())
    assert s["corr"].shape == (5, 5)


def test_summary_of_single_trait_scale_correlates_items():
    t = load_reference(shared("openpsychometrics", "CFCS", "data.csv"), "cfcs12")
    s = t.summary()
    assert list(s["mean"]) == ["CFC"] and s["corr"].shape == (12, 12)
