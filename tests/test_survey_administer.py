"""Administering an instrument: outputs, modes, no-persona, failure records, resume.

The model is SmolLM2 where the model's behaviour matters; a deterministic
stand-in backend where the point is the logic around it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from populace.errors import DataError, PopulaceError
from populace.llm.cache import CallCache
from populace.survey import read_meta, survey
from tests._llm_helpers import PERSONAS, StandIn, mini_instrument, smollm2_path


@pytest.fixture(scope="module")
def smol():
    from populace.llm.llamacpp import LlamaCppBackend

    b = LlamaCppBackend(str(smollm2_path()), model_id="smollm2-135m", n_ctx=2048)
    yield b
    b.close()


def frame(rows=PERSONAS):
    return pd.DataFrame(rows, columns=["persona_id", "persona"])


def test_real_model_wide_long_and_meta(tmp_path, smol):
    out = tmp_path / "responses" / "mini5.parquet"
    res = survey(
        frame(PERSONAS[:2]),
        mini_instrument(),
        backend=smol,
        out=out,
        cache=tmp_path / "cache.sqlite",
        seed=3,
        progress=False,
    )
    wide = pd.read_parquet(out)
    assert list(wide.columns) == ["persona_id", "EXT1", "EST1", "AGR2", "CSN1", "OPN1"]
    assert wide["persona_id"].tolist() == ["p1", "p2"]
    assert wide.iloc[:, 1:].isin([1, 2, 3, 4, 5]).all().all()
    long = pd.read_parquet(tmp_path / "responses" / "mini5.long.parquet")
    assert len(long) == 10 and (long["status"] == "ok").all()
    for p, c in zip(long["probs"], long["codes"]):
        assert len(p) == 5 and abs(sum(p) - 1) < 1e-9 and list(c) == [1, 2, 3, 4, 5]
    meta = read_meta(out)
    assert (
        meta["mode"] == "sample"
        and meta["seed"] == 3
        and meta["model"].startswith("llamacpp:smollm2")
    )
    assert meta["model_calls"] == 10 and meta["cache_hits"] == 0
    assert json.loads(pq.read_schema(out).metadata[b"populace"])["mode"] == "sample"
    # same command again: everything from the cache, identical answers
    again = survey(
        frame(PERSONAS[:2]),
        mini_instrument(),
        backend=smol,
        out=out,
        cache=tmp_path / "cache.sqlite",
        seed=3,
        progress=False,
    )
    assert again.meta["model_calls"] == 0 and again.meta["cache_hits"] == 10
    pd.testing.assert_frame_equal(again.wide, res.wide)
    # other modes reuse the same cached probabilities (no model call)
    for mode in ("argmax", "expected"):
        r = survey(
            frame(PERSONAS[:2]),
            mini_instrument(),
            backend=smol,
            mode=mode,
            cache=tmp_path / "cache.sqlite",
            progress=False,
        )
        assert r.meta["model_calls"] == 0
    probs = np.array(res.long["probs"].tolist())
    assert np.allclose(r.long["answer"], probs @ np.arange(1, 6))


def test_real_model_generate_mode(tmp_path, smol):
    res = survey(
        frame(PERSONAS[:1]),
        mini_instrument(),
        backend=smol,
        mode="generate",
        temperature=0.0,
        cache=tmp_path / "c.sqlite",
        progress=False,
        max_attempts=2,
        max_tokens=4,
    )
    long = res.long
    assert len(long) == 5
    ok = long[long["status"] == "ok"]
    assert ok["answer"].isin([1, 2, 3, 4, 5]).all()
    bad = long[long["status"] != "ok"]
    assert bad["answer"].isna().all() and bad["error"].str.contains("after 2 attempts").all()
    assert long["text"].notna().all()


def test_modes_with_stand_in():
    sb = StandIn()
    res = {
        m: survey(frame(), mini_instrument(), backend=sb, mode=m, progress=False)
        for m in ("sample", "argmax", "expected")
    }
    probs = np.array(res["argmax"].long["probs"].tolist())
    assert np.array_equal(res["argmax"].long["answer"], probs.argmax(1) + 1.0)
    assert np.allclose(res["expected"].long["answer"], probs @ np.arange(1, 6))
    # what the options captured is summarised in the metadata (the stand-in gives 0.9)
    meta = res["argmax"].meta
    assert meta["option_mass"] == {"median": 0.9, "min": 0.9, "below_0.5": 0}
    assert meta["scoring_methods"] == {"standin": 20}
    s1 = survey(frame(), mini_instrument(), backend=sb, mode="sample", seed=1, progress=False)
    assert res["sample"].wide.equals(
        survey(frame(), mini_instrument(), backend=sb, progress=False).wide
    )
    assert not res["sample"].wide.equals(s1.wide)
    # order-independent draws: a reversed persona table gives the same answers per persona
    rev = survey(frame(PERSONAS[::-1]), mini_instrument(), backend=sb, progress=False).wide
    pd.testing.assert_frame_equal(
        rev.set_index("persona_id").loc[["p1", "p2", "p3", "p4"]],
        res["sample"].wide.set_index("persona_id"),
    )


def test_no_persona_baseline(tmp_path):
    sb = StandIn()
    res = survey(
        None,
        mini_instrument(),
        backend=sb,
        no_persona=True,
        n=50,
        temperature=0.7,
        seed=5,
        cache=tmp_path / "c.sqlite",
        progress=False,
    )
    assert len(res.wide) == 50 and res.wide["persona_id"].iloc[0] == "nopersona-0000"
    assert sb.calls == 5  # one model call per item, shared by the 50 respondents
    assert res.wide["EXT1"].nunique() > 1  # sampled answers keep a spread
    assert res.meta["no_persona"] and res.meta["n"] == 50 and res.meta["temperature"] == 0.7
    gen = StandIn(texts=lambda r: str(1 + r.sample_index // 1000 % 5))
    g = survey(
        None, mini_instrument(), backend=gen, no_persona=True, n=3, mode="generate", progress=False
    )
    assert gen.calls == 15 and g.wide["EXT1"].tolist() == [1.0, 2.0, 3.0]


def test_generate_failures_are_recorded_never_guessed(tmp_path):
    def text(r):
        item = r.messages[-1].content.rsplit("Statement: ", 1)[1]
        if "life of the party" in item:
            return "I cannot answer that."  # never parseable
        if "stressed" in item and r.sample_index == 0:
            return "maybe 9"  # unparseable first, fine on retry
        return "4"

    gen = StandIn(texts=text)
    res = survey(
        frame(PERSONAS[:1]),
        mini_instrument(),
        backend=gen,
        mode="generate",
        max_attempts=3,
        cache=tmp_path / "c.sqlite",
        progress=False,
    )
    long = res.long.set_index("item_id")
    assert long.loc["EXT1", "status"] == "failed" and np.isnan(long.loc["EXT1", "answer"])
    assert long.loc["EXT1", "attempts"] == 3
    assert "no answer option in 'I cannot answer that.'" in long.loc["EXT1", "error"]
    est = [i for i in long.index if i.startswith("EST")][0]
    assert long.loc[est, "answer"] == 4 and long.loc[est, "attempts"] == 2
    assert res.meta["failures"] == 1 and len(res.failures) == 1
    assert np.isnan(res.wide.loc[0, "EXT1"])


def test_choice_failures_are_recorded_and_retried_on_resume(tmp_path):
    sb = StandIn(fail_items=("life of the party",))
    r1 = survey(
        frame(PERSONAS[:2]),
        mini_instrument(),
        backend=sb,
        cache=tmp_path / "c.sqlite",
        progress=False,
    )
    assert r1.meta["failures"] == 2 and (r1.failures["error"] == "stand-in failure").all()
    sb.fail_items = ()
    r2 = survey(
        frame(PERSONAS[:2]),
        mini_instrument(),
        backend=sb,
        cache=tmp_path / "c.sqlite",
        progress=False,
    )
    assert r2.meta["failures"] == 0 and r2.meta["model_calls"] == 2  # only the failed ones


def test_resume_after_partial_run_repeats_no_call(tmp_path):
    cache = tmp_path / "c.sqlite"
    sb = StandIn()
    survey(frame(PERSONAS[:2]), mini_instrument(), backend=sb, cache=cache, progress=False)
    full = survey(
        frame(),
        mini_instrument(),
        backend=sb,
        cache=cache,
        progress=False,
        out=tmp_path / "o.parquet",
    )
    assert full.meta["model_calls"] == 10 and full.meta["cache_hits"] == 10
    with CallCache(cache) as c:
        assert c.count() == 20


def test_bad_inputs(tmp_path):
    sb = StandIn()
    ins = mini_instrument()
    with pytest.raises(PopulaceError, match="unknown mode"):
        survey(frame(), ins, backend=sb, mode="vote")
    with pytest.raises(DataError, match="missing persona"):
        survey(pd.DataFrame({"persona_id": [1], "text": ["x"]}), ins, backend=sb)
    with pytest.raises(DataError, match="appears more than once"):
        survey(frame([("a", "x"), ("a", "y")]), ins, backend=sb)
    with pytest.raises(DataError, match="row 2.*empty|empty.*row 2|row 2"):
        survey(frame([("a", "x"), ("b", " ")]), ins, backend=sb)
    with pytest.raises(PopulaceError, match="-n only applies"):
        survey(frame(), ins, backend=sb, n=3)
    with pytest.raises(PopulaceError, match="takes no --personas"):
        survey(frame(), ins, backend=sb, no_persona=True)
    with pytest.raises(PopulaceError, match="--out"):
        survey(frame(), ins, backend=sb, out=tmp_path / "x.xlsx")
    with pytest.raises(PopulaceError, match="does not exist"):
        survey(tmp_path / "none.csv", ins, backend=sb)


def test_survey_result_has_to_frame_and_a_readable_repr():
    import pandas as pd

    from populace.survey.administer import SurveyResult

    wide = pd.DataFrame({"persona_id": ["a", "b"], "I1": [1.0, 2.0], "I2": [3.0, 4.0]})
    long = pd.DataFrame({"persona_id": ["a"], "item_id": ["I1"], "status": ["failed"]})
    s = SurveyResult(wide, long, {"instrument": "mini", "mode": "sample"})
    assert s.to_frame() is wide
    assert repr(s) == "<SurveyResult mini: 2 personas x 2 items, mode sample, 1 failed answers>"


def test_readout_reads_the_stored_probabilities(tmp_path):
    """``readout=`` replaces mode/temperature by populace.survey.readout on the same
    probabilities: the long table keeps them, wide and long answers agree, and the
    metadata names the readout."""
    from populace.survey.readout import Readout, wide_answers

    sb = StandIn()
    plain = survey(frame(), mini_instrument(), backend=sb, seed=3, progress=False)
    res = survey(
        frame(),
        mini_instrument(),
        backend=sb,
        seed=3,
        out=tmp_path / "r.parquet",
        readout="centred-expected@0.2",
        progress=False,
    )
    assert res.meta["readout"] == "centred-expected@0.2" and plain.meta["readout"] is None
    assert res.long["probs"].tolist() == plain.long["probs"].tolist()
    want = wide_answers(plain.long, Readout("expected", 0.2, "centred"), seed=3)
    pd.testing.assert_frame_equal(
        res.wide.set_index("persona_id"), want.set_index("persona_id"), check_names=False
    )
    cell = res.long.set_index(["persona_id", "item_id"])["answer"]
    assert cell[("p2", "EXT1")] == res.wide.set_index("persona_id").at["p2", "EXT1"]
    assert read_meta(tmp_path / "r.parquet")["readout"] == "centred-expected@0.2"
    # amplified around the centre: the personas' expected answers spread further apart
    plain_e = survey(frame(), mini_instrument(), backend=sb, mode="expected", progress=False)
    assert res.wide["EXT1"].std() > plain_e.wide["EXT1"].std()
    # sample@1 as a readout is the sample mode itself
    s1 = survey(frame(), mini_instrument(), backend=sb, seed=3, readout="sample@1", progress=False)
    assert s1.wide.equals(plain.wide)
    # a contrastive readout asks one no-persona request per item (5 items)
    calls = sb.calls
    survey(frame(), mini_instrument(), backend=sb, readout="contrastive-sample@1", progress=False)
    assert sb.calls - calls == 4 * 5 + 5
    with pytest.raises(PopulaceError, match="generate"):
        survey(frame(), mini_instrument(), backend=sb, mode="generate", readout="sample@1")
    with pytest.raises(PopulaceError, match="cannot read readout"):
        survey(frame(), mini_instrument(), backend=sb, readout="median@1")
