"""`populace run`, `evaluate RUN`, `report`, `export`, `synth`: user errors end with
one `error:` line and exit 2; --check validates the shipped example."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli import run

ROOT = Path(__file__).resolve().parents[1]


def _one_error(proc, text):
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and text in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_check_the_example():
    proc = run("run", str(ROOT / "examples" / "populace.toml"), "--check")
    assert "valid" in proc.stderr


def test_config_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('dir = "r"\n[mine]\ncorpus = "x"\n[align]\nk = 1\n')
    _one_error(run("run", str(bad), ok=False), "align.k")
    bad.write_text(
        'dir = "r"\n[mine]\ncorpus = "x"\n[align]\nreference = {path = "h"}\nmethod = "best"\n'
    )
    _one_error(run("run", str(bad), "--check", ok=False), "align.method 'best'")
    _one_error(run("run", str(tmp_path / "none.toml"), ok=False), "does not exist")


def test_run_directory_commands_need_a_run(tmp_path):
    (tmp_path / "r").mkdir()
    _one_error(run("evaluate", str(tmp_path / "r"), ok=False), "not made by `populace run`")
    _one_error(run("evaluate", ok=False), "give a RUN directory")
    _one_error(
        run("evaluate", "-s", "a.csv", "-r", "b.csv", "--fixed-selection", ok=False),
        "need a RUN directory",
    )
    _one_error(run("report", str(tmp_path / "r"), ok=False), "results.json does not exist")
    _one_error(run("export", str(tmp_path / "r"), ok=False), "aligned.parquet does not exist")
    _one_error(
        run("export", str(tmp_path / "r"), "--format", "xml", ok=False), "unknown export format"
    )
    _one_error(
        run("synth", "-n", "2", "-o", str(tmp_path / "s.csv"), ok=False),
        "--out must end in .parquet",
    )
