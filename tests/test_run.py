"""The run directory: fixed names, atomic manifest, config hash, redaction, resume keys."""

import json

import pandas as pd
import pytest

from populace.errors import PopulaceError
from populace.run import MANIFEST, Run, config_hash, redact


def test_manifest_config_and_stages(tmp_path):
    run = Run(tmp_path / "r")
    h = run.set_config(
        "mine",
        {
            "model": "m",
            "api_key": "sk-secret",
            "nested": {"token": "t"},
            "prompt_tokens": 5,
            "author_column": "a",
        },
        models={"mine": {"model_id": "m"}},
        seeds={"mine": 3},
    )
    text = (tmp_path / "r" / MANIFEST).read_text()
    assert "sk-secret" not in text and '"t"' not in text
    m = json.loads(text)
    assert m["config_hash"]["mine"] == h and m["seeds"]["mine"] == 3
    assert m["config"]["mine"]["prompt_tokens"] == 5 and m["config"]["mine"]["author_column"] == "a"
    assert m["versions"]["populace"]
    run.write_table("mining/x.parquet", pd.DataFrame({"a": [1, 2]}))
    run.record_stage("x", key="k1", rows_in=2, rows_out=1, llm={"requests": 3})
    assert run.is_done("x", "k1", "mining/x.parquet")
    assert not run.is_done("x", "k2", "mining/x.parquet")
    again = Run(tmp_path / "r")  # reloads the manifest
    assert again.stage("x")["rows_out"] == 1 and again.counts() == [("x", 2, 1)]
    assert again.read_table("mining/x.parquet")["a"].tolist() == [1, 2]
    assert not list((tmp_path / "r").rglob("*.tmp"))


def test_hash_and_redact():
    assert config_hash({"a": 1, "b": 2}) == config_hash({"b": 2, "a": 1})
    assert config_hash({"a": 1}) != config_hash({"a": 2})
    assert redact({"OPENAI_API_KEY": "x", "password": "", "list": [{"secret": 1}]}) == {
        "OPENAI_API_KEY": "<redacted>",
        "password": "",
        "list": [{"secret": "<redacted>"}],
    }


def test_errors(tmp_path):
    with pytest.raises(PopulaceError, match="does not exist"):
        Run(tmp_path / "none", create=False)
    (tmp_path / "f").write_text("x")
    with pytest.raises(PopulaceError, match="is a file"):
        Run(tmp_path / "f")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / MANIFEST).write_text("{")
    with pytest.raises(PopulaceError, match="not valid JSON"):
        Run(tmp_path / "bad")
    with pytest.raises(PopulaceError, match="run the stage"):
        Run(tmp_path / "r2").read_table("posts.parquet")


def test_config_hash_leaves_out_the_run_directory(tmp_path):
    """The same config run in two folders has one hash (the export's run_config_hash);
    any other difference changes it."""
    cfg = {"dir": str(tmp_path / "a"), "seed": 1, "align": {"k": 5}}
    ha = Run(tmp_path / "a").set_config("run", cfg)
    hb = Run(tmp_path / "b").set_config("run", {**cfg, "dir": str(tmp_path / "b")})
    hc = Run(tmp_path / "c").set_config("run", {**cfg, "seed": 2})
    assert ha == hb != hc
    assert json.loads((tmp_path / "b" / MANIFEST).read_text())["config"]["run"]["dir"].endswith("b")
