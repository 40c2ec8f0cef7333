"""The report's at-a-glance pieces on the committed e2e_blogs tables: the verdict
sentences from the paired differences, wide metric and paired tables, the
paper's tables in HTML."""

from __future__ import annotations

import pandas as pd

from populace.pipeline import report_tables as RT
from populace.pipeline.paper_tables import Cell, table1, table2


def test_verdict_on_the_real_run(e2e):
    v = RT.verdict(e2e.differences, e2e.in_domain, e2e.instruments)
    assert v[0] == (
        "ipip50 (in domain): aligned is closer to the humans than raw, random, "
        "no_persona_t0, no_persona_t0.7 and no_persona_t1 on every metric (AMW, FD, "
        "SW, MMD, corr error), beyond the paired 95% intervals."
    )
    assert v[1].startswith(
        "cfcs12 (out of domain): aligned is closer to the humans than "
        "no_persona_t0 and no_persona_t0.7 on every metric"
    )
    assert "on some metrics only than no_persona_t1 (MMD)" in v[1]
    assert v[1].endswith("; within the intervals of raw and random.")
    assert v[2].startswith("grit12 (out of domain)")


def test_verdict_names_losses_and_missing_pairs():
    d = pd.DataFrame(
        {
            "instrument": "x",
            "comparison": ["aligned vs a", "aligned vs a", "aligned vs b", "aligned vs b"],
            "selection": "fixed",
            "metric": ["amw", "fd"] * 2,
            "difference": [0.1, -0.1, 0.0, 0.0],
            "low": [0.05, -0.2, -0.1, -0.1],
            "high": [0.2, -0.05, 0.1, 0.1],
        }
    )
    s = RT.verdict(d, "x", ["x", "y"])
    assert s[0] == (
        "x (in domain): aligned is closer to the humans on some metrics only than "
        "a (FD), beyond the paired 95% intervals; within the intervals of b; "
        "farther than a (AMW) beyond the intervals."
    )
    assert s[1] == "y (out of domain): no paired differences were computed."


def test_wide_tables_html(e2e):
    t = table1([e2e])
    h = RT.paper_table_html(t)
    assert h.count("<tr>") == 2 + len(t.rows)  # block row (instrument), metric row
    assert "colspan='5'>ipip50<" in h
    assert "<span class='best'>0.398</span>" in h and "[0.361, 0.446]" in h
    assert "&times;2.1<" in h  # aligned AMW 0.398 / floor 0.187
    h2 = RT.paper_table_html(table2([e2e]))
    assert "colspan='4'>cfcs12<" in h2 and "colspan='1'>" in h2
    res = {
        "sets": {
            "aligned": {
                "metrics": {"amw": 0.3, "fd": 0.5},
                "ci": {"amw": {"low": 0.2, "high": 0.4}},
                "noise_floor": {"amw": 0.1, "fd": 0.0},
            },
            "raw": {"metrics": {"amw": 0.4, "fd": 0.2}, "noise_floor": {}},
            "fbps": {"summary": {}},
        }
    }
    w = RT.metric_table_html(res, ["aligned", "raw", "fbps"])
    assert "fbps" not in w and w.count("<tr>") == 3
    assert "<span class='best'>0.3000</span>" in w and "&times;3.0<" in w
    assert "<span class='best'>0.2000</span>" in w  # raw is best on FD
    p = RT.paired_table_html(
        {
            "aligned vs raw": {
                "amw": {"difference": -0.1, "low": -0.2, "high": -0.01, "relative": -0.25},
                "fd": {"difference": 0.3, "low": 0.1, "high": 0.5},
            }
        }
    )
    assert "class='win'>-0.1000 (-25.0%)" in p and "class='loss'>0.3000" in p


def test_cell_html_without_interval():
    assert RT.cell_html(None) == "<td></td>"
    assert RT.cell_html(Cell(1.5)) == "<td>1.500</td>"
