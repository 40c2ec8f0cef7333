"""The whole pipeline with real SmolLM2 on real bloggers and real human data:
every artifact, resume (a second run skips every stage and loads no model) and
a change to [align] rerunning align and the stages after it only."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from populace.config import parse_config
from populace.pipeline import STAGES, run_pipeline, stage_keys
from tests._pipeline_helpers import config_dict, e2e_run, write_external


@pytest.fixture(scope="module")
def e2e(tmp_path_factory):
    return e2e_run(str(tmp_path_factory.getbasetemp() / "pipeline_e2e"))


def test_stage_keys_change_downstream_only(tmp_path):
    ext = write_external(tmp_path / "p.jsonl")
    a = stage_keys(parse_config(config_dict(tmp_path / "r", ext)))
    b = stage_keys(parse_config(config_dict(tmp_path / "r", ext, k=4)))
    changed = [s for s in STAGES if a[s] != b[s]]
    assert changed == ["align", "targets", "evaluate", "report", "export"]
    raw = config_dict(tmp_path / "r", ext)
    raw["survey"]["temperature"] = 0.7
    c = stage_keys(parse_config(raw))
    assert [s for s in STAGES if a[s] != c[s]] == list(STAGES[1:])
    raw = config_dict(tmp_path / "r", ext)
    raw["survey"]["readout"] = "none"  # the survey's reading and all after it
    assert [s for s in STAGES if a[s] != stage_keys(parse_config(raw))[s]] == list(STAGES[1:])
    # read as surveyed: the survey's settings hash as before the key existed (old runs resume)
    assert "readout" not in parse_config(raw).stage_configs()["survey"]
    raw = config_dict(tmp_path / "r", ext)
    raw["model"]["threads"] = 1
    assert stage_keys(parse_config(raw)) == a  # speed settings do not invalidate work


def test_every_stage_ran_and_left_its_artifacts(e2e):
    raw, res = e2e
    run = res.run
    assert res.ran == list(STAGES)
    m = json.loads((run.path / "manifest.json").read_text())
    assert m["config_hash"]["run"] and m["config"]["run"]["align"]["k"] == 3
    assert m["versions"]["populace"] and m["models"]["run"]["model_id"] == "smollm2-135m"
    assert m["seeds"]["align"] == 0
    for s in STAGES:
        assert m["stages"][s]["status"] == "done" and m["stages"][s]["key"]
    # mining ran every sub-stage against the real model
    for sub in ("read", "preprocess", "qc", "group", "persona", "critic", "pii"):
        assert m["stages"][sub]["status"] == "done"
    assert m["stages"]["qc"]["llm"]["model_calls"] > 0
    mine = m["stages"]["mine"]
    people = pd.read_parquet(run.path / "personas.parquet")
    assert len(people) >= 2 and people["persona"].str.len().gt(0).all()
    assert mine["rows_out"] == len(people)
    if mine["persona_source"] == "profiles":  # SmolLM2 mined fewer than 2 personas
        assert mine["mined_personas"] < 2
        posts = pd.read_parquet(run.path / "posts.parquet")
        assert set(people["author_id"]) <= set(posts["author_id"].astype(str))
        assert people["persona"].str.contains("In their own words").all()
    else:
        assert mine["persona_source"] == "mined" and m["stages"]["persona"]["rows_out"] >= 2
    for ins, n_items in (("bfi25", 25), ("cfcs12", 12), ("fbps26", 26)):
        wide = pd.read_parquet(run.path / "responses" / f"{ins}.parquet")
        assert len(wide) == len(people) and wide.shape[1] == n_items + 1
    aligned = pd.read_parquet(run.path / "aligned.parquet")
    assert aligned["count"].sum() == 3 and abs(aligned["weight"].sum() - 1) < 1e-9
    hold = pd.read_parquet(run.path / "reference" / "holdout.parquet")
    part = pd.read_parquet(run.path / "reference" / "align.parquet")
    assert abs(len(hold) - len(part)) <= 1 and len(hold) > 1000
    assert m["stages"]["targets"]["status_note"].startswith("skipped")


def test_evaluation_tables(e2e):
    _, res = e2e
    path = res.run.path / "evaluation"
    results = json.loads((path / "results.json").read_text())
    frame = pd.read_csv(path / "metrics.csv")
    assert list(frame.columns) == [
        "set",
        "instrument",
        "metric",
        "value",
        "ci_low",
        "ci_high",
        "floor",
    ]
    sets = {
        "aligned",
        "raw",
        "random",
        "no_persona_t0",
        "no_persona_t0.7",
        "no_persona_t1",
        "syncp",
        "hub",
    }
    if "syncp" in results["failed_sets"]:  # SmolLM2 wrote no parseable persona: recorded
        sets.remove("syncp")
        assert "no usable persona" in results["failed_sets"]["syncp"]
    assert set(frame["set"]) == sets
    scored = frame[frame["instrument"].isin(["bfi25", "cfcs12"])]
    assert set(scored["metric"]) == {"amw", "fd", "sw", "mmd", "corr_mae"}
    assert scored[["value", "floor"]].notna().all().all()
    both = scored.dropna(subset=["ci_low", "ci_high"])
    assert len(both) >= len(scored) * 0.8 and (both["ci_low"] <= both["ci_high"]).all()
    fb = frame[frame["instrument"] == "fbps26"]
    assert fb["metric"].str.startswith(("mean[", "sd[")).all() and fb["floor"].isna().all()
    assert results["instruments"]["bfi25"]["reference"].startswith("held-out 50%")
    # the no-persona model at temperature 0 answers every item the same way each time
    t0 = results["instruments"]["bfi25"]["sets"]["no_persona_t0"]["summary"]["sd"]
    assert max(t0.values()) == 0
    assert results["sets"]["hub"]["n"] == 2
    # aligned vs every other set, paired: each side is that set's own metric
    diff = pd.read_csv(path / "differences.csv")
    assert set(diff["comparison"]) == {f"aligned vs {s}" for s in sets - {"aligned"}}
    assert set(diff["instrument"]) == {"bfi25", "cfcs12"}  # those with human data
    # rerun_selection: the same comparisons again, the aligner rerun per replicate
    assert results["rerun_selection"]["replicates"] == 20
    fixed, rerun = (
        diff[diff["selection"] == s].drop(columns="selection") for s in ("fixed", "rerun")
    )
    assert len(fixed) == len(rerun) and len(fixed) + len(rerun) == len(diff)
    key = ["instrument", "comparison", "metric"]
    both = fixed.merge(rerun, on=key, suffixes=("", "_rerun"))
    assert len(both) == len(fixed)
    assert (both["a"] == both["a_rerun"]).all() and (both["b"] == both["b_rerun"]).all()
    value = frame.set_index(["set", "instrument", "metric"])["value"]
    for r in diff.itertuples():
        base = r.comparison.split(" vs ")[1]
        assert r.a == pytest.approx(value["aligned", r.instrument, r.metric])
        assert r.b == pytest.approx(value[base, r.instrument, r.metric])
        assert r.difference == pytest.approx(r.a - r.b)


def test_evaluate_command_prints_the_paired_differences(e2e):
    from tests.test_cli import run

    _, res = e2e
    out = run("evaluate", str(res.run.path)).stdout
    cells = " ".join(out.replace("│", " ").split())  # rich wraps cells in 80 columns
    assert cells.count("aligned minus baseline, paired bootstrap") == 4  # bfi25, cfcs12
    assert cells.count("selection rerun per replicate") == 2  # ... and rerun
    assert "differences.csv" in cells
    assert "aligned vs" in cells and "random" in cells


def test_evaluate_command_can_turn_the_rerun_selection_off(e2e, tmp_path):
    from tests.test_cli import run

    _, res = e2e
    copy = tmp_path / "run"
    shutil.copytree(res.run.path, copy)
    out = run("evaluate", str(copy), "--fixed-selection").stdout
    cells = " ".join(out.replace("│", " ").split())
    assert cells.count("aligned minus baseline, paired bootstrap") == 2  # fixed only
    assert "selection rerun per replicate" not in cells
    diff = pd.read_csv(copy / "evaluation" / "differences.csv")
    assert set(diff["selection"]) == {"fixed"}
    assert "rerun_selection" not in json.loads((copy / "evaluation" / "results.json").read_text())
    # the shared run directory is untouched
    diff0 = pd.read_csv(res.run.path / "evaluation" / "differences.csv")
    assert set(diff0["selection"]) == {"fixed", "rerun"}


def test_second_run_skips_everything_and_align_change_reruns_downstream(e2e, tmp_path):
    raw, res = e2e
    again = run_pipeline(parse_config(raw), progress=False)
    assert again.ran == []
    before = json.loads((res.run.path / "manifest.json").read_text())["stages"]
    raw2 = json.loads(json.dumps(raw))
    raw2["align"]["k"] = 2
    changed = run_pipeline(parse_config(raw2), progress=False)
    assert changed.ran == ["align", "targets", "evaluate", "report", "export"]
    after = json.loads((res.run.path / "manifest.json").read_text())["stages"]
    for s in ("mine", "survey"):
        assert after[s] == before[s]
    assert pd.read_parquet(res.run.path / "aligned.parquet")["count"].sum() == 2
