"""`populace mine` end to end with real SmolLM2: summary table, outputs, clear errors,
and resume after kill -9 without repeating a finished LLM call."""

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
from tests._llm_helpers import smollm2_path
from tests._mining_helpers import blogs_dir


def small_corpus(tmp_path, n=3):
    """n real first-person posts of one blogger, cut to 30 words (a generic CSV corpus)."""
    from populace.corpus import read_corpus
    from populace.mining.parse import FIRST_PERSON

    posts = read_corpus(blogs_dir(), limit_authors=1)
    texts = [" ".join(t.split()[:30]) for t in posts["text"]]
    texts = [t for t in texts if len(t.split()) == 30 and FIRST_PERSON.search(t)][:n]
    path = tmp_path / "posts.csv"
    pd.DataFrame({"author": "a", "text": texts, "gender": "female"}).to_csv(path, index=False)
    return path


ARGS = [
    "--min-posts",
    "2",
    "--max-posts-per-author",
    "3",
    "--max-post-words",
    "30",
    "--clean",
    "never",
    "--max-attempts",
    "1",
    "--n-ctx",
    "2048",
    "--quiet",
    "--model",
    "smollm2-135m",
]


def test_mine_command_runs_every_stage(tmp_path, capsys):
    smollm2_path()
    corpus = small_corpus(tmp_path, 1)
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "mine",
                "--corpus",
                str(corpus),
                "--out",
                str(tmp_path / "run"),
                *ARGS,
                "--min-posts",
                "1",
                "--max-posts-per-author",
                "1",
            ]
        )
    assert exc.value.code in (0, None)
    err = capsys.readouterr().err
    assert "counts per stage" in err and "qc" in err and "pii" in err
    m = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert list(m["stages"]) == [
        "read",
        "preprocess",
        "clean",
        "qc",
        "group",
        "persona",
        "critic",
        "pii",
    ]
    assert m["stages"]["qc"]["llm"]["requests"] == 1
    assert m["models"]["mine"]["model_id"] == "smollm2-135m"
    p = pd.read_parquet(tmp_path / "run" / "personas.parquet")
    assert {"persona_id", "author_id", "persona", "evidence", "critic_overall", "pii_flag"} <= set(
        p.columns
    )


def test_mine_errors_are_one_line(tmp_path, capsys):
    for args, msg in (
        (["--stages", "bogus"], "unknown stage"),
        (["--clean", "sometimes"], "clean_mode: Input should be"),
    ):
        with pytest.raises(SystemExit) as exc:
            main(
                [
                    "mine",
                    "--corpus",
                    str(tmp_path / "none"),
                    "--out",
                    str(tmp_path / "r"),
                    "--stages",
                    "read",
                    *args,
                ]
                if args[0] != "--stages"
                else ["mine", "--corpus", str(tmp_path), "--out", str(tmp_path / "r"), *args]
            )
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and msg in err and "Traceback" not in err
    with pytest.raises(SystemExit):
        main(
            [
                "mine",
                "--corpus",
                str(tmp_path / "missing"),
                "--out",
                str(tmp_path / "r2"),
                "--stages",
                "read",
            ]
        )
    assert "does not exist" in capsys.readouterr().err


def _count(db):
    try:
        with sqlite3.connect(db, timeout=5) as c:
            return c.execute("SELECT COUNT(*) FROM calls").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.mark.parametrize("method,per_post", [("generate", 1), ("probs", 2)])
def test_resume_after_kill_repeats_no_call(tmp_path, method, per_post):
    smollm2_path()
    corpus = small_corpus(tmp_path, 2)
    run = tmp_path / "run"
    cmd = [
        sys.executable,
        "-m",
        "populace.cli",
        "mine",
        "--corpus",
        str(corpus),
        "--out",
        str(run),
        "--stages",
        "read,preprocess,clean,qc",
        "--batch-size",
        "1",
        "--qc-method",
        method,
        *ARGS,
    ]
    n = 2 * per_post  # requests of the qc stage
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    db = run / "cache.sqlite"
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None and _count(db) < 1:
        time.sleep(0.2)
    finished_first = proc.poll() is not None
    if not finished_first:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = _count(db)
    assert done >= 1, proc.stderr.read().decode()[-2000:]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    qc = json.loads((run / "manifest.json").read_text())["stages"]["qc"]
    llm = qc["llm"]
    if not finished_first and done < n:
        # the rerun answered every call made before the kill from the cache
        assert llm["cache_hits"] == done and llm["model_calls"] == n - done
    assert llm["requests"] == n and _count(db) == n
