"""The pipeline with [align.match]: align stage, evaluation (with the selection rerun),
the report's demographics section and the export, on real BIG5 rows standing in
for surveyed personas (no LLM: the personas' answers are humans' answers)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from populace.config import parse_config
from populace.pipeline import stages
from populace.pipeline import tables as T
from populace.pipeline.demographics_figure import demographics_section, set_marginals
from populace.run import PERSONAS, Run


@pytest.fixture(scope="module")
def matched_run(big5, big5_path, tmp_path_factory):
    d = tmp_path_factory.mktemp("demo_run")
    rng = np.random.default_rng(3)
    src = big5.subset(np.flatnonzero(np.isin(big5.meta["gender"], (1, 2))))
    idx = rng.permutation(len(src))[:4000]
    men = [i for i in idx if src.meta["gender"].iloc[i] == 1][:240]
    women = [i for i in idx if src.meta["gender"].iloc[i] == 2][:60]
    pick = np.sort(np.array(men + women))
    ids = [f"p-{i}" for i in range(len(pick))]
    people = pd.DataFrame(
        {
            "persona_id": ids,
            "persona": "A blogger.",
            "gender": src.meta["gender"].iloc[pick].map({1: "male", 2: "female"}).to_numpy(),
            "age": src.meta["age"].iloc[pick].to_numpy(),
        }
    )
    people.to_parquet(d / "people.parquet", index=False)
    cfg = parse_config(
        {
            "dir": str(d / "run"),
            "mine": {"personas": str(d / "people.parquet")},
            "survey": {"instruments": ["ipip50"]},
            "align": {
                "instrument": "ipip50",
                "k": 60,
                "holdout": 0.5,
                "reference": {"path": str(big5_path), "max_rows": 3000},
                "match": {"columns": ["age", "gender"]},
            },
            "evaluate": {
                "sets": ["aligned", "raw", "random"],
                "bootstrap": 4,
                "noise_repeats": 2,
                "rerun_selection": True,
            },
        }
    )
    run = Run(cfg.dir)
    run.write_table(PERSONAS, people)
    (run.path / "responses").mkdir(exist_ok=True)
    answers = src.items.iloc[pick].reset_index(drop=True)
    answers.insert(0, "persona_id", ids)
    answers.to_parquet(T.responses_path(run.path, "ipip50"), index=False)
    logs = []

    class _Keep(logging.Handler):
        def emit(self, record):
            logs.append(record.getMessage())

    handler = _Keep()
    logging.getLogger("populace").addHandler(handler)
    try:
        rec = stages.run_align(run, cfg, None, progress=False)
        ev = stages.run_evaluate(run, cfg, None, progress=False)
    finally:
        logging.getLogger("populace").removeHandler(handler)
    return run, cfg, rec, ev, logs


def test_align_stage_matches_and_writes_harmonised_humans(matched_run):
    run, _, rec, _, logs = matched_run
    assert rec["match"] == ["age", "gender"]
    assert rec["match_tv"]["gender"] < 0.03
    hold = pd.read_parquet(run.path / T.HOLDOUT_REF)
    assert set(hold["gender"].dropna()) <= {"male", "female", "other"}  # codes -> labels
    assert hold["age"].max() <= 100  # 999s are missing
    assert any("align: warning: reference:" in x for x in logs)  # rows without age
    diag = T.read_ref_file(run.path, T.ALIGN_REF, "ipip50").meta
    assert {"age", "gender", "country"} <= set(diag.columns)


def test_report_section_and_export(matched_run, tmp_path):
    import json

    run, _, _, _, _ = matched_run
    results = json.loads((run.path / T.RESULTS).read_text())
    data = set_marginals(run, results)
    assert data["columns"] == ["age", "gender"]  # personas carry no country
    tv = data["tv"]
    assert tv["aligned"]["gender"] < tv["raw"]["gender"] / 3
    assert tv["raw"]["gender"] > 0.3 and set(data["sets"]) == {"aligned", "raw", "random"}
    imgs = []
    html = demographics_section(
        run,
        results,
        tmp_path,
        lambda name, png, out, cap: imgs.append(png) or "<img>",
        lambda header, rows: str(rows),
    )
    assert "<h2>Demographics</h2>" in html and imgs and imgs[0][:4] == b"\x89PNG"
    from populace.pipeline.export import persona_frame

    frame = persona_frame(run)
    assert {"gender", "age", "align_match"} <= set(frame.columns)
    assert frame["gender"].notna().all()
