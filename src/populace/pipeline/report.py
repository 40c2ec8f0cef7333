"""`populace report RUN`: one self-contained HTML file (figures as base64 PNG).

Read top down: the verdict (one sentence per instrument: which sets the aligned
set beats beyond the paired intervals), the paper's Tables 1-3 (also written as
``RUN/evaluation/table*.csv``), Figure 1 (each trait's distribution per set
against the humans) and Figure 3 (the trait scatter of every set, baselines
included). Then per instrument a wide metric table (sets as rows, metrics as
columns; value, bootstrap interval, x noise floor), a bar chart, the paired
differences (aligned minus each set), scatter, distributions and correlation
heatmaps; then stage counts, persona sets, alignment diagnostics (pool weights,
counts, effective sample size) and sample personas. Every figure is also saved
as ``RUN/report/<name>.png``.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np

from populace.config import effective_readout
from populace.errors import PopulaceError
from populace.pipeline import figures as F
from populace.pipeline import report_tables as RT
from populace.pipeline import tables as T
from populace.pipeline.paper_tables import from_results, paper_tables, write_tables
from populace.pipeline.report_figures import (
    heatmaps as _heatmaps,
)
from populace.pipeline.report_figures import (
    img as _img,
)
from populace.pipeline.report_figures import (
    instrument_points as _instrument_points,
)
from populace.pipeline.report_figures import (
    paper_figures as _paper_figures,
)
from populace.run import PERSONAS, Run

CSS = (
    """body{font-family:system-ui,Arial,sans-serif;margin:24px;max-width:1340px;color:#222}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-top:8px}
h3{font-size:15px}table{border-collapse:collapse;margin:8px 0;font-size:13px}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left}img{max-width:100%;margin:6px 0}
.note{color:#555;font-size:13px}.persona{border-left:3px solid #1f77b4;padding:4px 10px;
margin:8px 0;font-size:13px}.good{background:#e6f4ea}"""
    + RT.CSS
)


def _table(header: list[str], rows: list[list], cls: list[str] | None = None) -> str:
    h = "".join(f"<th>{html.escape(str(c))}</th>" for c in header)
    body = []
    for i, r in enumerate(rows):
        c = f' class="{cls[i]}"' if cls and cls[i] else ""
        body.append(f"<tr{c}>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>")
    return f"<table><tr>{h}</tr>{''.join(body)}</table>"


def _f(v, nd=4):
    return "" if v is None or (isinstance(v, float) and not np.isfinite(v)) else f"{v:.{nd}f}"


#: pipeline stages that run when (or after) the report is written, so the
#: manifest cannot hold their record yet
_LATE = {"report": "writing this report", "export": "runs after this report"}


def _stage_rows(manifest: dict) -> list[list]:
    rows = []
    stages = manifest.get("stages", {})
    for name, rec in stages.items():
        if name in _LATE:
            continue  # an earlier run's record; this run's comes after the report
        rows.append(
            [
                name,
                "" if rec.get("rows_in") is None else rec["rows_in"],
                "" if rec.get("rows_out") is None else rec["rows_out"],
                rec.get("seconds", ""),
                rec.get("status_note", rec.get("status", "")),
            ]
        )
    if "run" in manifest.get("config", {}):  # written by ``populace run``: name the last two
        rows += [[name, "", "", "", note] for name, note in _LATE.items()]
    return rows


def build_report(
    run_dir: str | Path,
    *,
    scatter_traits: list[str] | None = None,
    sample_personas: int | None = None,
) -> Path:
    """Write ``RUN/report/report.html`` (and the PNGs, and the paper's tables as
    ``RUN/evaluation/table*.csv``); returns its path."""
    run = Run(run_dir, create=False)
    rpath = run.path / T.RESULTS
    if not rpath.exists():
        raise PopulaceError(f"{rpath} does not exist; run `populace evaluate {run.path}` first")
    results = json.loads(rpath.read_text("utf-8"))
    cfg = (run.manifest.get("config") or {}).get("run") or {}
    rep = cfg.get("report") or {}
    scatter_traits = scatter_traits or rep.get("scatter_traits") or []
    n_samples = sample_personas if sample_personas is not None else rep.get("sample_personas", 5)
    out_dir = run.path / T.REPORT_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    align_ins = (
        results.get("align_instrument")
        or (cfg.get("align") or {}).get("instrument")
        or next(iter(results["instruments"]), None)
    )
    source = from_results(results, in_domain=align_ins)
    m = run.manifest
    model = (m.get("models") or {}).get("run") or (m.get("models") or {}).get("mine") or {}
    model_name = (
        model.get("model_id") or (cfg.get("model") or {}).get("name") or model.get("fingerprint")
    )
    sv = cfg.get("survey") or {}
    reading = (
        effective_readout(sv.get("readout"), sv.get("mode", "sample"), sv.get("temperature", 1.0))
        or f"{sv.get('mode', 'sample')} at T = {sv.get('temperature', 1.0):g}"
    )
    parts = [
        f"<h1>populace report: {html.escape(run.path.name)}</h1>",
        f'<p class="note">model {html.escape(str(model_name))}; answers read by '
        f"{html.escape(str(reading))}; config hash "
        f"{html.escape(str((m.get('config_hash') or {}).get('run')))}; populace "
        f"{html.escape(str((m.get('versions') or {}).get('populace')))}; updated "
        f"{html.escape(str(m.get('updated')))}. Population-aligned persona generation "
        "(Hu et al., arXiv:2509.10127). Lower is better for every metric; the noise "
        "floor is the same metric between two disjoint human samples of the persona "
        "set's effective size: a set at the floor (&times;1) is as close to the "
        "population as a real sample.</p>",
    ]
    scored = [i for i, r in results["instruments"].items() if r.get("n_reference")]
    parts.append(RT.verdict_html(RT.verdict(source.differences, align_ins, scored)))
    tables = paper_tables([source])
    write_tables(tables, run.path / T.EVAL_DIR)
    parts.append("<h2>The paper's tables</h2>")
    parts += [RT.paper_table_html(t) for t in tables if t.groups]
    parts.append(
        '<p class="note">Also as CSV: '
        + ", ".join(
            f"evaluation/{f}"
            for f in ("table1_in_domain.csv", "table2_out_of_domain.csv", "table3_correlation.csv")
        )
        + ".</p>"
    )
    sets = list(results["sets"])
    points = {
        ins_id: _instrument_points(run, results, ins_id, res, sets)
        for ins_id, res in results["instruments"].items()
    }
    if align_ins in points:
        parts.append("<h2>Figures 1 and 3</h2>")
        parts.append(
            _paper_figures(
                align_ins, points[align_ins], scatter_traits, out_dir, figure_numbers=True
            )
        )
    for ins_id, res in results["instruments"].items():
        parts.append(
            f"<h2>{html.escape(ins_id)}{' (alignment instrument)' if ins_id == align_ins else ' (out of domain)'}</h2>"
        )
        human = res.get("reference") or "none available: synthetic distributions only"
        parts.append(
            f'<p class="note">human data: {html.escape(str(human))}'
            f"{'; ' + str(res.get('n_reference')) + ' rows' if res.get('n_reference') else ''}; "
            f"space: {html.escape(res.get('space', ''))}</p>"
        )
        tidy = [
            {
                "set": s,
                "metric": mt,
                "value": v,
                "ci_low": ((r.get("ci") or {}).get(mt) or {}).get("low"),
                "ci_high": ((r.get("ci") or {}).get(mt) or {}).get("high"),
                "floor": r["noise_floor"].get(mt),
            }
            for s in sets
            for r in [res["sets"].get(s, {})]
            if "metrics" in r
            for mt, v in r["metrics"].items()
        ]
        if tidy:
            parts.append(
                '<p class="note">Each cell: the metric, its 95% bootstrap interval '
                "and &times; the human noise floor at the set's size (the value over "
                "the floor; not for MMD, about 0 between two human samples); bold: "
                "lowest in the column.</p>"
            )
            parts.append(RT.metric_table_html(res, sets))
            parts.append(
                _img(
                    f"metrics_{ins_id}",
                    F.metric_bars(tidy, f"{ins_id}: metrics"),
                    out_dir,
                    f"{ins_id}: metric per set with bootstrap interval; "
                    "black bar: the human noise floor at that set's size",
                )
            )
            parts.append(_paired(res.get("paired"), res.get("paired_error")))
            if res.get("paired_rerun") or res.get("paired_rerun_error"):
                parts.append(
                    _paired(res.get("paired_rerun"), res.get("paired_rerun_error"), rerun=True)
                )
        else:
            srows = []
            for s in sets:
                sm = res["sets"][s]["summary"]
                srows.append(
                    [s] + [f"{sm['mean'][c]:.2f} ± {sm['sd'][c]:.2f}" for c in sm["columns"][:8]]
                )
            cols = res["sets"][sets[0]]["summary"]["columns"][:8] if sets else []
            parts.append("<p>Synthetic distributions (mean ± SD; first columns):</p>")
            parts.append(_table(["set"] + cols, srows))
        if ins_id != align_ins:
            parts.append(_paper_figures(ins_id, points[ins_id], scatter_traits, out_dir))
        parts.append(_heatmaps(ins_id, points[ins_id], out_dir))
    parts.append("<h2>Stage counts</h2>")
    parts.append(_table(["stage", "rows in", "rows out", "seconds", "status"], _stage_rows(m)))
    parts.append("<h2>Persona sets</h2>")
    parts.append(
        _table(
            ["set", "kind", "rows", "note"],
            [
                [
                    s,
                    results["sets"][s].get("kind"),
                    results["sets"][s].get("size", results["sets"][s].get("n", "")),
                    _set_note(results["sets"][s]),
                ]
                for s in sets
            ]
            + [
                [s, "", 0, f"left out: {why}"]
                for s, why in (results.get("failed_sets") or {}).items()
            ],
        )
    )
    parts.append(_alignment(run, out_dir))
    from populace.pipeline.demographics_figure import demographics_section  # issue 24

    parts.append(demographics_section(run, results, out_dir, _img, _table))
    parts.append(_samples(run, n_samples))
    doc = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>populace report</title>"
        f"<style>{CSS}</style></head><body>{''.join(parts)}</body></html>"
    )
    path = run.path / T.REPORT_HTML
    from populace.run import atomic_write_text

    atomic_write_text(path, doc)
    path.chmod(0o644)
    return path


def _set_note(s: dict) -> str:
    if "temperature" in s:
        return f"temperature {s['temperature']:g}"
    if s.get("kind") == "external" and s.get("profiles"):
        return f"{s.get('n')} drawn at random from {s['profiles']} distinct profiles" + (
            f" (preset {s['preset']})" if s.get("preset") else ""
        )
    return ""


def _paired(paired: dict | None, error: str | None = None, rerun: bool = False) -> str:
    """aligned minus each other set: the difference with its paired bootstrap interval
    (``rerun``: the selection rerun in every replicate), comparisons as rows."""
    if error:
        what = "with the selection rerun" if rerun else "paired comparison"
        return f'<p class="note">{what} not computed: {html.escape(error)}</p>'
    if not paired:
        return ""
    if rerun:
        note = (
            "Paired comparison with the selection rerun: every bootstrap replicate "
            "redraws the pool's personas and the alignment humans, reruns the aligner "
            "and draws a fresh random set on that draw, so the interval also holds the "
            "variability of the selection (does the method help, not only this set)."
        )
    else:
        note = (
            "Paired comparison: every bootstrap replicate redraws the "
            "pool's personas and the human rows once for all sets of the pool (aligned, "
            "raw, random), so the interval of their difference holds only what differs "
            "between them (the selection itself is held fixed); sets with rows of their "
            "own are redrawn on their own and share the human draw."
        )
    note += (
        " Each cell: aligned minus the set (relative difference) and its 95% interval; "
        "negative = the aligned set is closer to the humans; green: the whole interval "
        "below 0, red: above 0."
    )
    return f'<p class="note">{note}</p>' + RT.paired_table_html(paired)


def _alignment(run: Run, out_dir: Path) -> str:
    p = run.path / T.ALIGN_DIAG
    if not p.exists():
        return ""
    d = json.loads(p.read_text("utf-8"))
    aligned = run.read_table(T.ALIGNED)
    counts = aligned["count"].to_numpy() if "count" in aligned else np.ones(len(aligned))
    ess = (d.get("output") or {}).get("ess")
    rows = [
        ["method", d.get("method")],
        ["K", int(counts.sum())],
        ["distinct personas", len(aligned)],
        ["pool", (d.get("sizes") or {}).get("pool")],
        ["effective sample size", _f(ess, 1)],
        ["max count", (d.get("output") or {}).get("max_count")],
    ]
    ins = d.get("in_sample_metrics") or {}
    if ins.get("before"):
        for mt in ins["before"]:
            rows.append(
                [
                    f"in-sample {mt}: pool -> aligned",
                    f"{_f(ins['before'][mt])} -> {_f(ins['after'].get(mt))}",
                ]
            )
    html_rows = _table(["diagnostic", "value"], rows)
    img = _img(
        "alignment_weights",
        F.weights_plot(d.get("pool_weights"), counts, ess, "alignment diagnostics"),
        out_dir,
        "left: the aligner's weights over the pool (sorted); right: how often each "
        "selected persona was taken",
    )
    return (
        "<h2>Alignment diagnostics</h2><p class='note'>In-sample figures are against the "
        "alignment split itself, not held out.</p>" + html_rows + img
    )


def _samples(run: Run, n: int) -> str:
    if n <= 0 or not run.has(T.ALIGNED):
        return ""
    aligned = run.read_table(T.ALIGNED).sort_values("weight", ascending=False).head(n)
    people = run.read_table(PERSONAS).set_index("persona_id")
    out = ["<h2>Sample personas (aligned set, highest weight first)</h2>"]
    for pid, w in zip(aligned["persona_id"], aligned["weight"]):
        text = people.at[pid, "persona"] if pid in people.index else "(text not found)"
        out.append(
            f"<div class='persona'><b>{html.escape(str(pid))}</b> (weight {w:.3f})<br>"
            f"{html.escape(str(text))}</div>"
        )
    return "".join(out)
