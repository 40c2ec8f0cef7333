import numpy as np
import pytest

from populace.align import align
from populace.align._inputs import load_item_weights, to_space
from populace.errors import DataError, PopulaceError
from populace.instruments import load_instrument
from tests.align_data import parts  # noqa: F401


def test_spaces_are_unit_scaled(parts):
    pool, _, _ = parts
    ins = pool.instrument
    X, cols = to_space(pool.items.to_numpy(), ins, "items")
    assert X.min() >= 0 and X.max() <= 1 and cols == ins.item_ids
    T, tcols = to_space(pool.items.to_numpy(), ins, "traits")
    assert tcols == ins.trait_ids
    # same ordering as the instrument's own scoring, rescaled from 1..5 to 0..1
    assert np.allclose(T, (ins.score(pool.items.to_numpy()) - 1) / 4)


def test_items_missing_from_personas(parts):
    pool, ref, _ = parts
    frame = pool.items.drop(columns=["EXT1", "OPN10"])
    with pytest.raises(DataError, match="responses lacks 2 item"):
        align(frame, ref, n=10)


def test_nan_in_personas(parts):
    pool, ref, _ = parts
    frame = pool.items.copy()
    frame.insert(0, "persona_id", [f"p{i}" for i in range(len(frame))])
    frame.loc[7, "AGR3"] = np.nan
    with pytest.raises(DataError, match="first for id 'p7', item AGR3"):
        align(frame, ref, n=10)


def test_reference_without_usable_rows(parts):
    pool, ref, _ = parts
    frame = ref.items.copy()
    frame["EST4"] = np.nan
    with pytest.raises(DataError, match="the reference has no usable rows"):
        align(pool, frame, n=10)


def test_out_of_range_and_unknown_space(parts):
    pool, ref, _ = parts
    frame = pool.items.copy()
    frame.iloc[0, 0] = 9
    with pytest.raises(DataError, match="outside the item's range 1..5"):
        align(frame, ref, n=10)
    with pytest.raises(PopulaceError, match="unknown space"):
        align(pool, ref, n=10, space="facets")


def test_item_weights():
    cols = ["a", "b", "c"]
    assert load_item_weights(None, cols) is None
    assert np.allclose(load_item_weights([1, 1, 1], cols), 1)
    w = load_item_weights({"a": 2.0}, cols)
    assert np.allclose(w**2, np.array([2, 1, 1]) / (4 / 3))
    with pytest.raises(PopulaceError, match="unknown column"):
        load_item_weights({"z": 1}, cols)
    with pytest.raises(PopulaceError, match="non-negative"):
        load_item_weights([1, -1, 1], cols)


def test_array_input_shape():
    ins = load_instrument("ipip50")
    with pytest.raises(PopulaceError, match=r"\(n, 50\) array"):
        align(np.ones((5, 3)), np.ones((5, 50)), ins, n=2)
