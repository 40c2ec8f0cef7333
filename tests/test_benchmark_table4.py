"""benchmarks/_table4_groups.py: the YRBS items a persona can answer, the nominal
list, the paper's regions and the interval verdict of two sets."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import _table4_groups as G  # noqa: E402

from tests.conftest import shared  # noqa: E402


def test_yrbs_items_are_every_answerable_item():
    (ins,) = G.instruments_of("yrbs")
    ids = [it.id for it in ins.items]
    assert len(ids) == 96 and "Q6" not in ids and "Q7" not in ids and "Q5" not in ids
    assert ids[0] == "Q1" and ids[-1] == "Q99"
    assert G.YRBS_NOMINAL <= set(ids) and len(G.YRBS_NOMINAL) == 23
    assert [it.id for it in G.instruments_of("yrbs", 3)[0].items] == ["Q1", "Q2", "Q3"]
    assert [i.id for i in G.instruments_of("wvs")] == ["wvs_e143", "wvs_f117"]


def test_groups_use_the_papers_regions_with_real_answers():
    regions = {k: r for k, _, kind, r in G.GROUPS if kind == "wvs"}
    assert regions == {
        "east_asia": "paper_east_asia",
        "north_america": "paper_north_america",
        "europe": "paper_europe",
    }
    shared("wvs", "wvs_immig.csv")  # skips when the data is absent
    refs, rows = G.references("wvs", "paper_europe", G.instruments_of("wvs"))
    assert set(refs) == {"E143", "F117"} and rows == {"wvs_e143": 3923, "wvs_f117": 9940}
    codes, q, x, w = refs["F117"]
    assert len(codes) == 10 and abs(q.sum() - 1) < 1e-9 and len(x) == len(w) == 9940


def test_interval_verdict():
    rng = np.random.default_rng(0)
    a = rng.normal(0.5, 0.01, (500, 4))
    b = rng.normal(0.4, 0.01, (500, 4))
    d, lo, hi = G.interval_verdict(a, b, [0.5] * 4, [0.4] * 4)
    assert d == 0.5 - 0.4 and 0.05 < lo < d < hi < 0.15
    d, lo, hi = G.interval_verdict(a, a[::-1], [0.5] * 4, [0.5] * 4)
    assert d == 0 and lo < 0 < hi


def test_table4_runs_cheap_groups_first_and_marks_partial_results(tmp_path):
    import argparse

    import target_table4 as T

    order = [g[0] for g in T.run_order(G.GROUPS)]
    assert order == ["east_asia", "north_america", "europe", "yrbs"]
    a = argparse.Namespace(model="smollm2-135m", n=5, minimal_pools="mined")
    row = {"group": "europe", "pool": "mined", "set": "random", "TV": 0.4}
    blocks = {
        ("mined", "europe"): {
            "lines": {"expected": ["europe line"], T.CENTRED: ["europe centred line"]},
            "verdicts": {"expected": ["europe verdict"]},
            "items": [],
            "csv": [row],
        }
    }
    text = T.write_results(a, ["mined"], G.GROUPS, blocks, "emb", 1.0, res=tmp_path)
    assert "PARTIAL: not yet run: US high-school students [mined]" in text
    assert (tmp_path / "target_table4.smollm2-135m.quick.mined.txt").read_text() == text + "\n"
    # one section per reading, the as-surveyed one first
    assert text.index("europe line") < text.index("europe verdict") < text.index(T.CENTRED)
    assert text.index(T.CENTRED) < text.index("europe centred line")
    blocks.update(
        {
            ("mined", g[0]): {"lines": {"expected": [g[0]]}, "verdicts": {}, "items": [], "csv": []}
            for g in G.GROUPS[:3]
        }
    )
    text = T.write_results(a, ["mined"], G.GROUPS, blocks, "emb", 1.0, res=tmp_path)
    assert "PARTIAL" not in text
    # the table keeps the groups' order, whatever order they ran in
    assert text.index("\nyrbs\n") < text.index("east_asia") < text.index("europe line")
