"""The Instrument model, and trait scores checked against the published keys on real data."""

import json

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from populace.instruments import Instrument, load_instrument
from tests.conftest import shared


def test_item_texts_are_the_codebook_texts():
    codebook = shared("openpsychometrics", "IPIP-FFM-sample", "codebook.txt").read_text()
    ins = load_instrument("ipip50")
    for it in ins.items:
        assert f"{it.id}\t{it.text}" in codebook


def test_grit_texts_match_instrument_keys():
    keys = json.loads(shared("instrument_keys.json").read_text())["Grit_12"]["items"]
    ins = load_instrument("grit12")
    assert {it.id: it.text for it in ins.items} == keys


def test_ipip_reverse_keys_match_published_key():
    keys = json.loads(shared("instrument_keys.json").read_text())["IPIP_BFFM_50"]
    published = keys["reverse_keyed_relative_to_trait_pole"]
    want = set()
    for k, v in published.items():
        if k != "Neuroticism(N direction)":
            want |= set(v)
    ins = load_instrument("ipip50")
    assert {it.id for it in ins.items if it.reverse} == want


def test_cfcs_reverse_keys_match_published_key():
    keys = json.loads(shared("instrument_keys.json").read_text())["CFCS_12"]["reverse_keyed"]
    ins = load_instrument("cfcs12")
    assert sorted(a for it in ins.items if it.reverse for a in it.aliases) == sorted(keys)


def test_bfi_keys_match_psych_keys_file():
    keys = pd.read_csv(shared("psychTools", "bfi.keys.csv"), index_col=0)
    rev = {k[1:] for k in keys.to_numpy().ravel() if str(k).startswith("-")}
    ins = load_instrument("bfi25")
    assert {it.id for it in ins.items if it.reverse} == rev


def _independent_ipip_scores(frame: pd.DataFrame) -> pd.DataFrame:
    """Trait means straight from the README key: BIG5 columns, 6 - x reverses."""
    rev = {
        "E": [2, 4, 6, 8, 10],
        "N": [1, 3, 5, 6, 7, 8, 9, 10],
        "A": [1, 3, 5, 7],
        "C": [2, 4, 6, 8],
        "O": [2, 4, 6],
    }
    out = {}
    for t in "ENACO":
        cols = []
        for i in range(1, 11):
            x = frame[f"{t}{i}"].astype(float)
            cols.append(6 - x if i in rev[t] else x)
        out[t] = sum(cols) / 10
    return pd.DataFrame(out)


def test_ipip_trait_scores_match_key_on_big5(big5_path, big5):
    raw = pd.read_csv(big5_path, sep="\t")
    raw = raw[(raw.filter(regex=r"^[ENACO]\d+$") > 0).all(axis=1)].reset_index(drop=True)
    want = _independent_ipip_scores(raw).to_numpy()
    got = big5.trait_scores().to_numpy()
    assert got.shape == want.shape == (19_718, 5)
    np.testing.assert_allclose(got, want)


def test_keyed_items_correlate_positively_with_their_trait(big5):
    """A wrong key shows up as a negative item-rest correlation."""
    ins = big5.instrument
    keyed = ins.keyed(big5.items.to_numpy())
    for t in ins.trait_ids:
        cols = [j for j, it in enumerate(ins.items) if it.trait == t]
        for j in cols:
            rest = keyed[:, [c for c in cols if c != j]].sum(axis=1)
            r = np.corrcoef(keyed[:, j], rest)[0, 1]
            assert r > 0.2, (ins.items[j].id, r)


def test_big5_trait_correlations_have_known_signs(big5):
    """Emotional stability, agreeableness, conscientiousness and extraversion
    correlate positively in IPIP data (the 'general factor' pattern)."""
    c = np.corrcoef(big5.trait_scores().to_numpy(), rowvar=False)
    assert c[0, 1] > 0.15  # EXT-EST
    assert c[0, 2] > 0.2  # EXT-AGR
    assert c[1, 3] > 0.15  # EST-CSN
    assert np.all(np.abs(c[np.triu_indices(5, 1)]) < 0.6)


def test_grit_scoring_follows_openpsychometrics_coding():
    from populace.reference import load_reference

    table = load_reference(shared("openpsychometrics", "grit", "data.csv"), "grit12")
    raw = table.items.to_numpy()
    want = np.column_stack(
        [6 - raw[:, i] if (i + 1) in (1, 4, 6, 9, 10, 12) else raw[:, i] for i in range(12)]
    ).mean(axis=1)
    np.testing.assert_allclose(table.trait_scores()["GRIT"].to_numpy(), want)
    # grit items correlate positively once keyed
    keyed = table.instrument.keyed(raw)
    total = keyed.sum(axis=1)
    for j in range(12):
        assert np.corrcoef(keyed[:, j], total - keyed[:, j])[0, 1] > 0.1


def test_missing_answers_score_from_answered_items():
    ins = load_instrument("cfcs12")
    x = np.full((2, 12), 3.0)
    x[0, 0] = np.nan
    x[1, :] = np.nan
    s = ins.score(x)
    assert s[0, 0] == pytest.approx(3.0)
    assert np.isnan(s[1, 0])


def test_unkeyed_instrument_has_no_trait_scores():
    ins = load_instrument("fbps26")
    with pytest.raises(ValueError, match="no trait key"):
        ins.score(np.ones((1, 26)))


def _numeric_instrument():
    return Instrument.model_validate(
        {
            "id": "yrbs_like",
            "name": "t",
            "citation": "c",
            "items": [
                {
                    "id": "age",
                    "text": "How old are you?",
                    "type": "numeric",
                    "bins": [0, 13, 16, 19, 120],
                    "options": [
                        {"code": 1, "label": "12 or younger"},
                        {"code": 2, "label": "13-15"},
                        {"code": 3, "label": "16-18"},
                        {"code": 4, "label": "19 or older"},
                    ],
                },
                {
                    "id": "sex",
                    "text": "What is your sex?",
                    "type": "single_choice",
                    "options": [{"code": 1, "label": "Female"}, {"code": 2, "label": "Male"}],
                },
            ],
        }
    )


def test_numeric_items_bin_into_options():
    ins = _numeric_instrument()
    got = ins.item("age").bin_value(np.array([5, 13, 15.9, 16, 18, 19, 200, np.nan]))
    np.testing.assert_array_equal(got[:6], [1, 2, 2, 3, 3, 4])
    assert np.isnan(got[6]) and np.isnan(got[7])
    assert [o.label for o in ins.options("sex")] == ["Female", "Male"]


def test_numeric_item_needs_matching_bins():
    with pytest.raises(ValidationError, match="3 bins but 2 options"):
        Instrument.model_validate(
            {
                "id": "x",
                "name": "x",
                "citation": "c",
                "items": [
                    {
                        "id": "a",
                        "text": "t",
                        "type": "numeric",
                        "bins": [0, 1, 2, 3],
                        "options": [{"code": 1, "label": "a"}, {"code": 2, "label": "b"}],
                    }
                ],
            }
        )
