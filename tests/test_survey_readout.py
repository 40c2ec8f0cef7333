"""Readouts after the fact: long tables of option probabilities -> answer tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from populace.errors import PopulaceError
from populace.survey.answers import answer_from_probs, cell_rng, contrast, temper
from populace.survey.readout import (
    Readout,
    baseline_probs,
    centre_of,
    centre_probs,
    distributions,
    read_item,
    wide_answers,
)

CODES = [1.0, 2.0, 3.0, 4.0, 5.0]
PROBS = {
    ("a", "I1"): [0.1, 0.2, 0.4, 0.2, 0.1],
    ("a", "I2"): [0.6, 0.2, 0.1, 0.05, 0.05],
    ("b", "I1"): [0.05, 0.05, 0.1, 0.2, 0.6],
    ("b", "I2"): [0.2, 0.2, 0.2, 0.2, 0.2],
}
NONE = {"I1": [0.2, 0.2, 0.2, 0.2, 0.2], "I2": [0.5, 0.25, 0.125, 0.0625, 0.0625]}


def _long(probs=PROBS):
    rows = [
        {"persona_id": p, "item_id": i, "codes": CODES, "probs": v, "status": "ok"}
        for (p, i), v in probs.items()
    ]
    return pd.DataFrame(rows)


def test_readout_names_parse_and_check():
    assert Readout.parse("sample@0.7") == Readout("sample", 0.7)
    assert Readout.parse("expected") == Readout("expected", 1.0)
    assert Readout.parse("contrastive-expected@2") == Readout("expected", 2.0, "contrastive")
    assert Readout("argmax", 0.5).name == "argmax"
    assert Readout("sample", 1.5, "contrastive").name == "contrastive-sample@1.5"
    assert Readout.parse("amplified-sample@0.5") == Readout("sample", 0.5, "amplified")
    assert Readout.parse("centred-sample@0.1") == Readout("sample", 0.1, "centred")
    assert Readout("expected", 0.2, "centred").name == "centred-expected@0.2"
    assert not Readout("sample", 0.1, "centred").contrastive  # needs no no-persona probs
    with pytest.raises(PopulaceError):
        Readout.parse("median@1")
    with pytest.raises(PopulaceError):
        Readout("generate")
    with pytest.raises(PopulaceError):
        Readout("sample", 1.0, "pmi")


def test_distributions_match_the_one_row_rules():
    P = np.array([PROBS[("a", "I1")], PROBS[("a", "I2")]])
    for T in (0, 0.5, 1.0, 2.0):
        D = distributions(P, Readout("sample", T))
        assert np.allclose(D, [temper(r, T) for r in P])
        C = distributions(P, Readout("sample", T, "contrastive"), np.array(NONE["I2"]))
        assert np.allclose(C, [contrast(r, NONE["I2"], T) for r in P])
        A = distributions(P, Readout("sample", T, "amplified"), np.array(NONE["I2"]))
        assert np.allclose(A, [contrast(r, NONE["I2"], T, keep_baseline=True) for r in P])
    # amplified at T = 1 is p itself; at T = 0.5 it is q (p/q)^2 renormalised
    q = np.array(NONE["I2"])
    assert np.allclose(distributions(P, Readout("sample", 1.0, "amplified"), q), P)
    want = q * (P / q) ** 2
    assert np.allclose(
        distributions(P, Readout("sample", 0.5, "amplified"), q),
        want / want.sum(axis=1, keepdims=True),
    )


def test_wide_answers_exact_values():
    long = _long()
    base = {k: np.array(v) for k, v in NONE.items()}
    exp = wide_answers(long, Readout("expected", 1.0)).set_index("persona_id")
    assert exp.loc["a", "I1"] == pytest.approx(3.0)
    assert exp.loc["a", "I2"] == pytest.approx(0.6 + 0.4 + 0.3 + 0.2 + 0.25)
    assert exp.loc["b", "I2"] == pytest.approx(3.0)
    am = wide_answers(long, Readout("argmax")).set_index("persona_id")
    assert am.loc["a"].tolist() == [3.0, 1.0] and am.loc["b"].tolist() == [5.0, 1.0]
    # contrastive: a flat no-persona I1 leaves p as is at T = 1; on I2 persona b (flat)
    # reads as 0.2/q = (0.4, 0.8, 1.6, 3.2, 3.2) / 9.2
    ce = wide_answers(long, Readout("expected", 1.0, "contrastive"), baseline=base).set_index(
        "persona_id"
    )
    assert ce.loc["a", "I1"] == pytest.approx(3.0)
    assert ce.loc["b", "I2"] == pytest.approx((0.4 + 1.6 + 4.8 + 12.8 + 16.0) / 9.2)
    ca = wide_answers(long, Readout("argmax", 1.0, "contrastive"), baseline=base).set_index(
        "persona_id"
    )
    assert ca.loc["b", "I2"] == 4.0  # first of the two largest ratios (3.2, 3.2)
    assert ca.loc["a", "I2"] == 1.0  # 0.6/0.5 = 1.2 beats 0.8, 0.8, 0.8, 0.8


def test_sample_readout_reproduces_the_survey_draws():
    long = _long()
    for T in (0.5, 1.0, 2.0):
        w = wide_answers(long, Readout("sample", T), seed=7).set_index("persona_id")
        for (p, i), v in PROBS.items():
            want = answer_from_probs("sample", v, CODES, rng=cell_rng(7, p, i), temperature=T)
            assert w.loc[p, i] == want
    # contrastive sampling draws the same uniform per cell from the contrastive distribution
    base = {k: np.array(v) for k, v in NONE.items()}
    w = wide_answers(long, Readout("sample", 1.0, "contrastive"), baseline=base, seed=7)
    u = cell_rng(7, "b", "I2").random()
    d = contrast(PROBS[("b", "I2")], NONE["I2"], 1.0)
    assert (
        w.set_index("persona_id").loc["b", "I2"]
        == CODES[int(np.searchsorted(np.cumsum(d), u, side="right"))]
    )


def test_failed_cells_stay_missing_and_contrastive_needs_baseline():
    long = _long()
    long.loc[1, ["probs", "status"]] = [None, "failed"]
    w = wide_answers(long, Readout("expected", 1.0), items=["I1", "I2"]).set_index("persona_id")
    assert np.isnan(w.loc["a", "I2"]) and w.loc["b", "I2"] == pytest.approx(3.0)
    assert list(w.columns) == ["I1", "I2"]
    with pytest.raises(PopulaceError, match="no-persona"):
        wide_answers(
            long, Readout("expected", 1.0, "contrastive"), baseline={"I1": np.array(NONE["I1"])}
        )
    with pytest.raises(PopulaceError, match="persona_ids"):
        read_item(np.array([NONE["I1"]]), CODES, Readout("sample"))


def test_baseline_probs_takes_one_row_per_item():
    rows = [
        {"persona_id": f"none_{k}", "item_id": i, "codes": CODES, "probs": v, "status": "ok"}
        for k in range(3)
        for i, v in NONE.items()
    ]
    base = baseline_probs(pd.DataFrame(rows))
    assert set(base) == {"I1", "I2"} and np.allclose(base["I2"], NONE["I2"])


def test_real_survey_answers_are_the_sample_readout(tmp_path):
    """A real SmolLM2 survey (sample mode, seed 0): sample@1 re-read from its stored
    probabilities gives back every stored answer, and expected@1 the expected
    values of those probabilities."""
    from populace.llm.llamacpp import LlamaCppBackend
    from populace.survey import administer
    from tests._llm_helpers import mini_instrument, smollm2_path

    people = pd.DataFrame(
        {
            "persona_id": ["a", "b", "c"],
            "persona": [
                "A shy librarian who reads alone.",
                "A loud party host who loves crowds.",
                "A careful nurse who plans every day.",
            ],
        }
    )
    with LlamaCppBackend(str(smollm2_path()), n_ctx=2048) as b:
        res = administer.survey(
            people, mini_instrument(), backend=b, mode="sample", seed=0, progress=False
        )
    wide = res.wide.set_index("persona_id")
    got = wide_answers(
        res.long, Readout("sample", 1.0), seed=0, items=list(wide.columns)
    ).set_index("persona_id")
    assert got.shape == wide.shape
    assert np.array_equal(got.loc[wide.index].to_numpy(), wide.to_numpy(), equal_nan=True)
    exp = wide_answers(res.long, Readout("expected", 1.0)).set_index("persona_id")
    r = res.long.iloc[0]
    assert exp.loc[r["persona_id"], r["item_id"]] == pytest.approx(
        answer_from_probs("expected", r["probs"], r["codes"])
    )


def test_centred_readout_amplifies_differences_from_the_sets_own_centre():
    P = np.array([PROBS[("a", "I1")], PROBS[("b", "I1")]])
    c = np.sqrt(P[0] * P[1])
    assert np.allclose(centre_of(P), c / c.sum())
    # T = 1 is p; T = 0.5 is c (p/c)^2 renormalised
    assert np.allclose(distributions(P, Readout("sample", 1.0, "centred")), P)
    want = c * (P / c) ** 2
    assert np.allclose(
        distributions(P, Readout("sample", 0.5, "centred")), want / want.sum(axis=1, keepdims=True)
    )
    # a set whose rows are alike (the no-persona set) reads as p at every T
    Q = np.array([NONE["I2"]] * 3)
    for T in (0.05, 0.5, 2.0):
        assert np.allclose(distributions(Q, Readout("sample", T, "centred")), Q)
    # amplifying spreads the two personas' expected answers apart
    e1 = distributions(P, Readout("expected", 1.0, "centred")) @ np.array(CODES)
    e5 = distributions(P, Readout("expected", 0.2, "centred")) @ np.array(CODES)
    assert e5[1] - e5[0] > e1[1] - e1[0] > 0
    # argmax: the option the persona favours most over the centre
    assert read_item(P, CODES, Readout("argmax", 1.0, "centred")).tolist() == [2.0, 5.0]


def test_centred_readout_reads_a_subset_on_its_pools_centre():
    long = _long()
    r = Readout("expected", 0.5, "centred")
    whole = wide_answers(long, r).set_index("persona_id")
    sub = long[long["persona_id"] == "a"]
    # alone, persona a is its own centre and reads as p; on the pool's centre it reads
    # as in the whole pool
    alone = wide_answers(sub, r).set_index("persona_id")
    assert alone.loc["a", "I1"] == pytest.approx(3.0)
    on_pool = wide_answers(sub, r, centre=centre_probs(long)).set_index("persona_id")
    assert np.allclose(on_pool.loc["a"], whole.loc["a"])
    assert abs(whole.loc["a", "I1"] - 3.0) > 0.05
    with pytest.raises(PopulaceError, match="centre given has no item"):
        wide_answers(long, r, centre={"I1": centre_probs(long)["I1"]})
