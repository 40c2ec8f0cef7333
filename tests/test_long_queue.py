"""benchmarks/long_queue.sh: the long LLM runs chained under one lock. Checked
with a stand-in for Python that records each step's command (the steps
themselves are the benchmarks, run for real by the queue): the order, a failed
step stopping the queue, FROM, the better recipe's embedder passed on, and
SIGTERM reaching the running step."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QUEUE = ROOT / "benchmarks" / "long_queue.sh"

FAKE = """#!/usr/bin/env bash
if [ "$1" = "-c" ]; then exec "{python}" "$@"; fi
echo "$*" >> "{log}"
trap 'echo "TERM $*" >> "{log}"; exit 3' TERM
if [ -n "${{SLOW:-}}" ]; then sleep 30 & wait $!; fi
if [ -n "${{FAIL:-}}" ] && [[ "$*" == *"$FAIL"* ]]; then exit 7; fi
exit 0
"""


@pytest.fixture
def fake(tmp_path):
    if not Path("/bin/bash").exists():
        pytest.skip("needs bash")
    log = tmp_path / "calls.log"
    py = tmp_path / "python"
    py.write_text(FAKE.format(python=sys.executable, log=log))
    py.chmod(0o755)
    retrieval = tmp_path / "retrieval"
    retrieval.mkdir()
    (retrieval / "model-paper").mkdir()
    summary = {
        "recipes": {
            "quick": {"dir": str(retrieval / "model-quick")},
            "paper": {"dir": str(retrieval / "model-paper")},
        },
        "better": "paper",
    }
    (retrieval / "summary.json").write_text(json.dumps(summary))

    def run(*, env=None):
        e = {**os.environ, "PY": str(py), "RETRIEVAL": str(retrieval), **(env or {})}
        return subprocess.Popen(
            ["bash", str(QUEUE)], env=e, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    def calls():
        return log.read_text().splitlines() if log.exists() else []

    return run, calls, retrieval


def test_steps_run_in_order_and_table4_gets_the_better_embedder(fake):
    run, calls, retrieval = fake
    p = run()
    out, _ = p.communicate(timeout=60)
    assert p.returncode == 0, out
    got = calls()
    assert [c.split()[0] for c in got] == [
        "benchmarks/e2e_blogs.py",
        "benchmarks/survey_readouts.py",
        "benchmarks/e2e_blogs.py",
        "benchmarks/target_table4.py",
        "benchmarks/target_table4.py",
        "benchmarks/target_table4.py",
    ]  # step 4 is done already: its summary names an existing embedder
    assert got[2].endswith("--readout centred-sample@0.1")
    assert "already done" in out
    for c, pools in zip(got[3:], ("mined", "personahub", "mined,personahub")):
        assert f"--trained {retrieval / 'model-paper'}" in c and c.endswith(f"--pools {pools}")


def test_without_a_summary_the_recipe_comparison_runs(fake):
    run, calls, retrieval = fake
    (retrieval / "summary.json").unlink()
    p = run(env={"FROM": "4"})
    out, _ = p.communicate(timeout=60)
    # the stand-in writes no summary, so the queue stops before Table 4, saying why
    assert p.returncode == 1 and "names no better recipe" in out
    assert [c.split()[0] for c in calls()] == ["benchmarks/target_retrieval.py"]
    assert "--recipes quick,paper" in calls()[0]


def test_a_failed_step_stops_the_queue_with_its_code(fake):
    run, calls, _ = fake
    p = run(env={"FAIL": "survey_readouts"})
    out, _ = p.communicate(timeout=60)
    assert p.returncode == 7
    assert "step 2 (survey readouts v2) failed with exit code 7" in out
    assert len(calls()) == 2  # nothing after the failed step


def test_from_skips_the_earlier_steps(fake):
    run, calls, _ = fake
    p = run(env={"FROM": "6"})
    out, _ = p.communicate(timeout=60)
    assert p.returncode == 0, out
    assert [c.split()[-1] for c in calls()] == ["personahub", "mined,personahub"]


def test_sigterm_reaches_the_running_step_and_ends_the_queue(fake):
    run, calls, _ = fake
    p = run(env={"SLOW": "1"})
    for _ in range(100):  # until step 1 runs
        if calls():
            break
        time.sleep(0.1)
    p.send_signal(signal.SIGTERM)
    out, _ = p.communicate(timeout=30)
    assert p.returncode == 143, out
    assert calls() == ["benchmarks/e2e_blogs.py", "TERM benchmarks/e2e_blogs.py"]
    assert "stop requested" in out
