"""The paper's Tables 1-3 from a finished evaluation: the committed e2e_blogs
tidy tables (Qwen2.5-1.5B, 300 bloggers) and a real small SmolLM2 run; several
runs side by side; the CSV layout; the `populace tables` command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from populace.pipeline.paper_tables import (
    DIST_METRICS,
    Cell,
    load_source,
    paper_tables,
    table1,
    table2,
    table3,
    write_tables,
)
from tests.conftest import E2E_METRICS


def test_table1_rows_are_sets_columns_metrics_and_average(e2e):
    assert e2e.label == "e2e_blogs" and e2e.in_domain == "ipip50"
    assert e2e.differences is not None and len(e2e.differences) == 130
    t = table1([e2e])
    assert t.rows == [
        "aligned",
        "raw",
        "random",
        "no_persona_t0",
        "no_persona_t0.7",
        "no_persona_t1",
    ]
    assert t.groups == [("ipip50", DIST_METRICS + ["avg"])]
    m = pd.read_csv(E2E_METRICS)
    a = m[(m["set"] == "aligned") & (m["instrument"] == "ipip50")].set_index("metric")
    c = t.get("aligned", "ipip50", "amw")
    assert (c.value, c.low, c.high, c.floor) == tuple(
        a.loc["amw", ["value", "ci_low", "ci_high", "floor"]]
    )
    avg = t.get("aligned", "ipip50", "avg")
    assert avg.value == pytest.approx(a.loc[DIST_METRICS, "value"].mean())
    assert avg.low == pytest.approx(a.loc[DIST_METRICS, "ci_low"].mean())
    assert t.best("ipip50", "avg") == "aligned"


def test_table2_one_block_per_out_of_domain_instrument_and_an_average(e2e):
    t = table2([e2e])
    assert [g for g, _ in t.groups] == ["cfcs12", "grit12", ""]
    assert t.groups[-1] == ("", ["avg"])
    per = [
        np.mean([t.get("raw", i, mt).value for mt in DIST_METRICS]) for i in ("cfcs12", "grit12")
    ]
    assert t.get("raw", "", "avg").value == pytest.approx(np.mean(per))
    # fbps26 has no human data: not a block of Table 2
    assert all("fbps26" not in g for g, _ in t.groups)


def test_table3_correlation_error_in_domain_first(e2e):
    t = table3([e2e])
    assert t.groups == [("", ["ipip50", "cfcs12", "grit12", "avg"])]
    assert t.get("aligned", "", "ipip50").value == pytest.approx(0.020124620674003092)


def test_runs_side_by_side_and_csv_layout(e2e, tmp_path):
    other = load_source(E2E_METRICS, label="second")
    other.metrics = other.metrics[other.metrics["set"] != "no_persona_t0"]  # fewer sets
    first = load_source(E2E_METRICS, label="first")
    t1, t2, t3 = paper_tables([first, other])
    assert [g for g, _ in t1.groups] == ["first ipip50", "second ipip50"]
    assert [g for g, _ in t2.groups] == [
        "first cfcs12",
        "first grit12",
        "first",
        "second cfcs12",
        "second grit12",
        "second",
    ]
    assert t1.get("no_persona_t0", "second ipip50", "amw") is None
    assert t1.get("no_persona_t0", "first ipip50", "amw") is not None
    paths = write_tables([t1, t2, t3], tmp_path)
    f = pd.read_csv(paths[0])
    assert f["set"].tolist() == t1.rows
    assert {
        "first ipip50 AMW",
        "first ipip50 AMW low",
        "first ipip50 AMW high",
        "first ipip50 AMW floor",
        "second ipip50 Avg",
    } <= set(f.columns)
    assert f.loc[f["set"] == "no_persona_t0", "second ipip50 AMW"].isna().all()
    assert "first ipip50 AMW [" not in t1.text() and "0.398 [0.361, 0.446]" in t1.text()


def test_cell_floor_ratio():
    assert Cell(0.4, 0.3, 0.5, 0.2).x_floor == pytest.approx(2.0)
    assert Cell(0.4).x_floor is None and Cell(0.4, floor=0.0).x_floor is None
    assert Cell(0.1, floor=0.001, metric="mmd").x_floor is None  # the unbiased MMD's floor is ~0


def test_not_a_metrics_table_is_a_data_error(tmp_path):
    from populace.errors import DataError, PopulaceError

    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="not a tidy metrics table"):
        load_source(p)
    with pytest.raises(PopulaceError, match="does not exist"):
        load_source(tmp_path / "none.csv")
    with pytest.raises(PopulaceError, match="populace evaluate"):
        load_source(tmp_path)


def _cli(args, capsys):
    from populace.cli import main

    with pytest.raises(SystemExit) as exc:
        main(args)
    return exc.value.code, capsys.readouterr()


def test_tables_command_side_by_side(e2e, tmp_path, capsys):
    code, out = _cli(
        ["tables", str(E2E_METRICS), str(E2E_METRICS), "--labels", "a,b", "--out", str(tmp_path)],
        capsys,
    )
    assert code == 0
    assert "Table 1: in domain" in out.out and "a ipip50 AMW" in out.out
    assert "b ipip50 AMW" in out.out and "Table 3: correlation error" in out.out
    for f in (
        "table1_in_domain.csv",
        "table2_out_of_domain.csv",
        "table3_correlation.csv",
        "tables.html",
    ):
        assert (tmp_path / f).exists(), f
    page = (tmp_path / "tables.html").read_text()
    assert page.count("<table class='wide'>") == 3 and "colspan='5'>a ipip50<" in page
    code, out = _cli(["tables", str(E2E_METRICS), str(E2E_METRICS)], capsys)  # the same label twice
    assert code == 2 and "give --labels" in out.err


def _results_from_tidy(metrics: pd.DataFrame, diffs: pd.DataFrame) -> dict:
    """The results.json the harness would have written for these tidy tables."""
    out = {"sets": {}, "instruments": {}}
    for (ins, s), g in metrics.groupby(["instrument", "set"], sort=False):
        r = {"metrics": {}, "ci": {}, "noise_floor": {}}
        for row in g.itertuples():
            r["metrics"][row.metric] = row.value
            r["ci"][row.metric] = {"low": row.ci_low, "high": row.ci_high}
            r["noise_floor"][row.metric] = row.floor
        out["instruments"].setdefault(ins, {"sets": {}})["sets"][s] = r
    for row in diffs[diffs["selection"] == "fixed"].itertuples():
        per = out["instruments"][row.instrument].setdefault("paired", {})
        per.setdefault(row.comparison, {})[row.metric] = {
            "a": row.a,
            "b": row.b,
            "difference": row.difference,
            "low": row.low,
            "high": row.high,
        }
    return out


def test_a_run_directory_as_source(e2e, tmp_path, capsys):
    """A run folder: results.json read through the harness's tidy tables, the
    alignment instrument and model name from the manifest; `populace tables RUN`
    writes into RUN/evaluation."""
    import json

    scored = e2e.metrics[e2e.metrics["metric"].isin(DIST_METRICS + ["corr_mae"])]
    results = _results_from_tidy(scored, e2e.differences)
    (tmp_path / "evaluation").mkdir()
    (tmp_path / "evaluation" / "results.json").write_text(json.dumps(results))
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "config": {
                    "run": {"align": {"instrument": "cfcs12"}, "model": {"name": "qwen2.5-1.5b"}}
                }
            }
        )
    )
    src = load_source(tmp_path)
    assert src.in_domain == "cfcs12" and src.label == f"{tmp_path.name} (qwen2.5-1.5b)"
    t1 = table1([src])
    assert t1.groups[0][0] == "cfcs12"
    assert t1.get("aligned", "cfcs12", "amw").value == e2e.cell("aligned", "cfcs12", "amw").value
    assert [g for g, _ in table2([src]).groups] == ["ipip50", "grit12", ""]
    code, out = _cli(["tables", str(tmp_path)], capsys)
    assert code == 0 and f"wrote {tmp_path / 'evaluation' / 'tables.html'}" in out.out
    assert (tmp_path / "evaluation" / "table2_out_of_domain.csv").exists()
