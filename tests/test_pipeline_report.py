"""The report of the end-to-end run: one self-contained HTML file with every
section, figures embedded and saved as PNG, rendered by headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from populace.pipeline.report import build_report
from tests._pipeline_helpers import e2e_run

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return e2e_run(str(tmp_path_factory.getbasetemp() / "pipeline_e2e"))[1].run.path


def test_sections_and_figures(run_dir):
    path = build_report(run_dir)
    doc = path.read_text()
    for title in (
        "answers read by centred-sample@0.1;",  # the default readout of the test run
        "Stage counts",
        "Persona sets",
        "bfi25 (alignment instrument)",
        "cfcs12 (out of domain)",
        "fbps26 (out of domain)",
        "Alignment diagnostics",
        "Sample personas",
        "noise floor",
        "95% bootstrap interval",
        "effective sample size",
        "Paired comparison",
        "aligned vs raw",
        "aligned vs random",
        "Paired comparison with the selection rerun",
        "Table 1: in domain",
        "Table 2: out of domain",
        "Table 3: correlation error",
        "Figure 1: bfi25",
        "Figure 3: bfi25: EXT against NEU",
    ):
        assert title in doc, title
    # the verdict comes first: one sentence per instrument with human data
    assert doc.index("Verdict") < doc.index("Table 1: in domain") < doc.index("Stage counts")
    assert re.search(r"<p>bfi25 \(in domain\): aligned ", doc)
    assert re.search(r"<p>cfcs12 \(out of domain\): aligned ", doc)
    assert "<p>fbps26" not in doc
    # the wide metric table: one row per set, value [interval] x floor in each cell
    assert re.search(r"<td>aligned</td><td>(<span class='best'>)?\d\.\d{4}", doc)
    for f in ("table1_in_domain.csv", "table2_out_of_domain.csv", "table3_correlation.csv"):
        t = pd.read_csv(run_dir / "evaluation" / f)
        assert "aligned" in set(t["set"]), f
    t1 = pd.read_csv(run_dir / "evaluation" / "table1_in_domain.csv")
    metrics = pd.read_csv(run_dir / "evaluation" / "metrics.csv")
    want = metrics[
        (metrics["set"] == "raw") & (metrics["instrument"] == "bfi25") & (metrics["metric"] == "fd")
    ]["value"].iloc[0]
    assert t1.loc[t1["set"] == "raw", "bfi25 FD"].iloc[0] == pytest.approx(want)
    imgs = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', doc)
    assert len(imgs) >= 8
    assert 'src="http' not in doc and "<script" not in doc  # self-contained
    pngs = {p.name for p in (run_dir / "report").glob("*.png")}
    for name in (
        "metrics_bfi25.png",
        "scatter_bfi25.png",
        "corr_bfi25.png",
        "metrics_cfcs12.png",
        "alignment_weights.png",
        "distributions_fbps26.png",
        "distributions_bfi25.png",
    ):
        assert name in pngs, name
    assert "synthetic distributions only" in doc


def test_renders_in_headless_chromium(run_dir, tmp_path):
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("chromium is not installed (apt-get install -y chromium; .ci/run installs it)")
    exe = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    html = build_report(run_dir)
    shot = tmp_path / "shot.png"
    cmd = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1200,2400",
        f"--screenshot={shot}",
        html.resolve().as_uri(),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 20_000
    import matplotlib.image as mpimg

    img = mpimg.imread(shot)
    assert img.shape[0] == 2400 and img.shape[1] == 1200
    # not blank: the page has text, tables and plotted figures (many distinct colours)
    flat = (img[..., :3] * 255).astype(int).reshape(-1, 3)
    colours = np.unique(flat[::37], axis=0)
    assert len(colours) > 200
    assert (flat.mean(axis=1) < 128).mean() > 0.005  # dark text and lines


def test_stage_table_names_report_and_export():
    from populace.pipeline.report import _stage_rows

    m = {
        "config": {"run": {}},
        "stages": {
            "mine": {"rows_in": 191, "rows_out": 5, "seconds": 2.0},
            "report": {"rows_in": None, "rows_out": 12, "seconds": 6.5},  # an earlier run's
            "export": {"rows_in": 2, "rows_out": 2, "seconds": 0.2},
        },
    }
    rows = _stage_rows(m)
    assert [r[0] for r in rows] == ["mine", "report", "export"]
    assert rows[1][4] == "writing this report" and rows[2][4] == "runs after this report"
    assert rows[0][:3] == ["mine", 191, 5]
    # a report of a run that ``populace run`` did not make lists only its stages
    assert [r[0] for r in _stage_rows({"stages": {"mine": {}}})] == ["mine"]
