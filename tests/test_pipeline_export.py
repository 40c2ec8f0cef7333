"""Exports of the end-to-end run: JSONL, CSV and Parquet with the same rows."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from populace.errors import PopulaceError
from populace.pipeline.export import export_run
from tests._pipeline_helpers import e2e_run


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return e2e_run(str(tmp_path_factory.getbasetemp() / "pipeline_e2e"))[1].run.path


def test_three_formats_same_table(run_dir, tmp_path):
    pq = pd.read_parquet(export_run(run_dir, "parquet"))
    csv = pd.read_csv(export_run(run_dir, "csv"))
    lines = export_run(run_dir, "jsonl").read_text().splitlines()
    js = [json.loads(x) for x in lines]
    assert len(pq) == len(csv) == len(js) == len(pd.read_parquet(run_dir / "aligned.parquet"))
    for col in (
        "persona_id",
        "text",
        "weight",
        "count",
        "author_id",
        "source",
        "model",
        "run_config_hash",
        "align_method",
        "bfi25.EXT",
        "cfcs12.CFC",
    ):
        assert col in pq.columns, col
        assert col in js[0], col
    assert not any(c.startswith("fbps26.") for c in pq.columns)  # no scoring key
    assert pq["text"].str.len().gt(0).all()
    assert pq["model"].iloc[0] == "smollm2-135m"
    assert list(csv["persona_id"].astype(str)) == list(pq["persona_id"])
    assert abs(sum(r["weight"] for r in js) - 1) < 1e-9
    custom = export_run(run_dir, "csv", tmp_path / "x.csv")
    assert custom.exists()


def test_bad_format_and_missing_run(run_dir, tmp_path):
    with pytest.raises(PopulaceError, match="unknown export format"):
        export_run(run_dir, "xml")
    with pytest.raises(PopulaceError, match="does not exist"):
        export_run(tmp_path / "nope", "csv")
