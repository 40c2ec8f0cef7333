"""`populace survey` and `populace models` from the command line."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pandas as pd
import pytest

from populace.cli import main
from tests._llm_helpers import FaultServer, chat_ok, free_port, mini_yaml, personas_csv

MORE = [
    (f"q{i}", f"Person number {i} who likes {w}.")
    for i, w in enumerate(
        ["chess", "parties", "hiking", "cooking", "reading", "dancing", "fishing", "art"]
    )
]


def run_cli(args, capsys):
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_models_lists_registry(capsys):
    code, out, _ = run_cli(["models"], capsys)
    assert code == 0 and "smollm2-135m" in out and "qwen2.5-1.5b" in out and "yes" in out


def test_survey_kill_minus_9_then_resume(tmp_path):
    """Kill the real survey mid-run, rerun: one answer per cell, no repeated call."""
    ins = mini_yaml(tmp_path / "mini5.yaml")
    personas = personas_csv(tmp_path / "p.csv", MORE)
    out = tmp_path / "o.parquet"
    cache = tmp_path / "cache.sqlite"
    cmd = [
        sys.executable,
        "-m",
        "populace.cli",
        "survey",
        "--personas",
        str(personas),
        "--instrument",
        str(ins),
        "--out",
        str(out),
        "--quiet",
        "--threads",
        "1",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    done_before = 0
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if cache.exists():
            try:
                done_before = (
                    sqlite3.connect(cache).execute("SELECT COUNT(*) FROM calls").fetchone()[0]
                )
            except sqlite3.OperationalError:
                done_before = 0
            if done_before >= 5:
                break
        time.sleep(0.05)
    assert proc.poll() is None, "the survey finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not out.exists()
    killed_at = sqlite3.connect(cache).execute("SELECT COUNT(*) FROM calls").fetchone()[0]
    assert 5 <= killed_at < 40
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    meta = json.loads((tmp_path / "o.meta.json").read_text())
    assert meta["model_calls"] == 40 - killed_at and meta["cache_hits"] == killed_at
    assert sqlite3.connect(cache).execute(
        "SELECT COUNT(*), COUNT(DISTINCT key) FROM calls"
    ).fetchone() == (40, 40)
    wide = pd.read_parquet(out)
    assert len(wide) == 8 and wide["persona_id"].is_unique and wide.iloc[:, 1:].notna().all().all()
    long = pd.read_parquet(tmp_path / "o.long.parquet")
    assert len(long) == 40 and not long.duplicated(["persona_id", "item_id"]).any()
    r2 = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r2.returncode == 0, r2.stderr
    assert json.loads((tmp_path / "o.meta.json").read_text())["model_calls"] == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out), wide)


def test_survey_run_directory_and_no_persona(tmp_path, capsys):
    ins = mini_yaml(tmp_path / "mini5.yaml")
    run = tmp_path / "run"
    run.mkdir()
    pd.DataFrame(MORE[:1], columns=["persona_id", "persona"]).to_parquet(run / "personas.parquet")
    code, _, err = run_cli(
        ["survey", str(run), "-i", str(ins), "--mode", "argmax", "-q", "--n-seq", "1"], capsys
    )
    assert code == 0, err
    assert (run / "responses" / "mini5.parquet").exists() and (run / "cache.sqlite").exists()
    meta = json.loads((run / "responses" / "mini5.meta.json").read_text())
    assert meta["mode"] == "argmax" and meta["n_seq"] == 1
    out = tmp_path / "np.csv"
    code, _, err = run_cli(
        [
            "survey",
            "--no-persona",
            "-n",
            "6",
            "--temperature",
            "1.5",
            "-i",
            str(ins),
            "--out",
            str(out),
        ],
        capsys,
    )
    assert code == 0, err
    # no terminal here: the progress bar is plain lines, the last one with the count
    assert "survey mini5 (sample): done at 30/30 after " in err
    wide = pd.read_csv(out)
    assert len(wide) == 6 and wide.iloc[:, 1:].isin([1, 2, 3, 4, 5]).all().all()
    meta = json.loads((tmp_path / "np.meta.json").read_text())
    assert meta["no_persona"] and meta["temperature"] == 1.5 and meta["model_calls"] == 5


def test_openai_backend_generate_failure_records(tmp_path, capsys):
    ins = mini_yaml(tmp_path / "mini5.yaml")
    personas = personas_csv(tmp_path / "p.csv", MORE[:2])
    garbage = chat_ok(content="Well, it depends on the day.")
    script = [(500, "boom", {}), (429, "slow", {})]
    with FaultServer(script=script, default=(200, garbage, {})) as fs:
        code, out, err = run_cli(
            [
                "survey",
                "--personas",
                str(personas),
                "-i",
                str(ins),
                "--out",
                str(tmp_path / "o.parquet"),
                "--backend",
                "openai",
                "--base-url",
                fs.url,
                "--model",
                "fake",
                "--mode",
                "generate",
                "--max-attempts",
                "2",
                "--retries",
                "3",
                "-q",
            ],
            capsys,
        )
        posts = len(fs.chat_posts())
    assert code == 0, err
    assert "10 answers failed" in err
    long = pd.read_parquet(tmp_path / "o.long.parquet")
    assert (long["status"] == "failed").all() and long["answer"].isna().all()
    assert long["error"].str.contains("no answer option in 'Well, it depends").all()
    assert posts == 2 + 10 * 2  # two retried HTTP errors, then 2 attempts per item
    assert pd.read_parquet(tmp_path / "o.parquet").iloc[:, 1:].isna().all().all()


@pytest.mark.parametrize(
    "args,message",
    [
        (["--personas", "{tmp}/none.csv", "--out", "{tmp}/o.parquet"], "does not exist"),
        (
            ["--personas", "{tmp}/p.csv", "--out", "{tmp}/o.parquet", "--mode", "vote"],
            "unknown mode",
        ),
        (
            ["--personas", "{tmp}/p.csv", "--out", "{tmp}/o.parquet", "--model", "gpt9"],
            "unknown model",
        ),
        (
            [
                "--personas",
                "{tmp}/p.csv",
                "--out",
                "{tmp}/o.parquet",
                "--backend",
                "openai",
                "--model",
                "x",
            ],
            "needs --base-url",
        ),
        (
            [
                "--personas",
                "{tmp}/p.csv",
                "--out",
                "{tmp}/o.parquet",
                "--backend",
                "openai",
                "--model",
                "x",
                "--base-url",
                "http://127.0.0.1:{port}",
            ],
            "cannot reach the server",
        ),
        (
            [
                "--personas",
                "{tmp}/p.csv",
                "--out",
                "{tmp}/o.parquet",
                "--backend",
                "openai",
                "--model",
                "x",
                "--base-url",
                "http://127.0.0.1:1",
                "--chat-template",
                "{tmp}/t.jinja",
            ],
            "t.jinja does not exist",
        ),
        (
            [
                "--personas",
                "{tmp}/p.csv",
                "--out",
                "{tmp}/o.parquet",
                "--chat-template",
                "{tmp}/p.csv",
            ],
            "--chat-template is for --backend openai",
        ),
        (["--personas", "{tmp}/p.csv", "--out", "{tmp}/o.parquet", "-n", "3"], "-n only applies"),
        (
            ["--personas", "{tmp}/p.csv", "--out", "{tmp}/o.parquet", "--n-seq", "0"],
            "Invalid value for '--n-seq'",
        ),
        (["--personas", "{tmp}/bad.csv", "--out", "{tmp}/o.parquet"], "missing persona"),
        (["--out", "{tmp}/o.parquet"], "give --personas"),
        (["--personas", "{tmp}/p.csv"], "give --out"),
        (["--personas", "{tmp}/p.csv", "--out", "{tmp}/o.parquet", "-i", "nosuch"], "nosuch"),
        (
            ["--personas", "{tmp}/p.csv", "--out", "{tmp}/o.parquet", "--readout", "mean@2"],
            "cannot read readout 'mean@2'",
        ),
        (
            [
                "--personas",
                "{tmp}/p.csv",
                "--out",
                "{tmp}/o.parquet",
                "--mode",
                "generate",
                "--readout",
                "sample@1",
            ],
            "--mode generate has none",
        ),
    ],
)
def test_bad_inputs_are_one_clear_error(tmp_path, capsys, args, message):
    personas_csv(tmp_path / "p.csv", MORE[:1])
    (tmp_path / "bad.csv").write_text("id,text\n1,x\n")
    args = [a.format(tmp=tmp_path, port=free_port()) for a in args]
    code, _, err = run_cli(["survey", *args], capsys)
    assert code == 2 and err.startswith("error: ") and message in err
    assert "Traceback" not in err
