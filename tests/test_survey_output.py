"""Output paths and atomic writing of survey results."""

from __future__ import annotations

import pandas as pd
import pytest

from populace.errors import PopulaceError
from populace.survey.output import output_paths, read_meta, write_outputs


def test_paths(tmp_path):
    p = output_paths(tmp_path / "r.parquet", "ipip50")
    assert (p.wide.name, p.long.name, p.meta.name) == ("r.parquet", "r.long.parquet", "r.meta.json")
    p = output_paths(tmp_path / "responses", "ipip50")
    assert p.wide == tmp_path / "responses" / "ipip50.parquet"
    assert p.long == tmp_path / "responses" / "ipip50.long.parquet"
    assert output_paths(tmp_path / "r.csv", "x").long.name == "r.long.parquet"
    with pytest.raises(PopulaceError, match="use one of"):
        output_paths(tmp_path / "r.xlsx", "x")


@pytest.mark.parametrize("name", ["r.parquet", "r.csv", "r.tsv", "r.jsonl"])
def test_write_and_read_meta(tmp_path, name):
    wide = pd.DataFrame({"persona_id": ["a"], "EXT1": [3.0]})
    long = pd.DataFrame({"persona_id": ["a"], "item_id": ["EXT1"], "probs": [[0.2, 0.8]]})
    paths = output_paths(tmp_path / name, "x")
    write_outputs(paths, wide, long, {"mode": "sample", "seed": 1})
    assert read_meta(paths.wide)["mode"] == "sample"
    assert pd.read_parquet(paths.long)["probs"].iloc[0].tolist() == [0.2, 0.8]
    assert sorted(f.name for f in tmp_path.iterdir()) == sorted(
        [paths.wide.name, paths.long.name, paths.meta.name]
    )  # no temporary files left
