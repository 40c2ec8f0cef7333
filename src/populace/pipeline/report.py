"""`populace report RUN`: one self-contained HTML file (figures as base64 PNG).

Sections: stage counts (from the manifest), per instrument the metric table
(value, bootstrap interval, noise floor, value / floor) and a bar chart, the
trait-space scatter of two traits (humans vs each persona set, as the paper's
Figure 3), marginal histograms, correlation heatmaps (humans vs each set),
alignment diagnostics (pool weights, counts, effective sample size) and sample
personas. Every figure is also saved as ``RUN/report/<name>.png``.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import numpy as np
import pandas as pd

from populace.errors import PopulaceError
from populace.instruments import load_instrument
from populace.pipeline import tables as T
from populace.pipeline.harness import load_set
from populace.pipeline import figures as F
from populace.run import PERSONAS, Run

CSS = """body{font-family:system-ui,Arial,sans-serif;margin:24px;max-width:1200px;color:#222}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-top:8px}
h3{font-size:15px}table{border-collapse:collapse;margin:8px 0;font-size:13px}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left}img{max-width:100%;margin:6px 0}
.note{color:#555;font-size:13px}.persona{border-left:3px solid #1f77b4;padding:4px 10px;
margin:8px 0;font-size:13px}.good{background:#e6f4ea}"""


def _img(name: str, png: bytes, out_dir: Path, caption: str) -> str:
    (out_dir / f"{name}.png").write_bytes(png)
    b64 = base64.b64encode(png).decode("ascii")
    return (f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{b64}">'
            f'<figcaption class="note">{html.escape(caption)}</figcaption></figure>')


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
        rows.append([name, "" if rec.get("rows_in") is None else rec["rows_in"],
                     "" if rec.get("rows_out") is None else rec["rows_out"],
                     rec.get("seconds", ""), rec.get("status_note", rec.get("status", ""))])
    if "run" in manifest.get("config", {}):  # written by ``populace run``: name the last two
        rows += [[name, "", "", "", note] for name, note in _LATE.items()]
    return rows


def _points(table, space, cols_idx=None):
    x, w, cols = table.matrix(space)
    w = np.ones(len(x)) if w is None else np.asarray(w, dtype=float)
    if cols_idx is not None:
        x = x[:, cols_idx]
    return x, w, cols


def build_report(run_dir: str | Path, *, scatter_traits: list[str] | None = None,
                 sample_personas: int | None = None) -> Path:
    """Write ``RUN/report/report.html`` (and the PNGs); returns its path."""
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
    parts = [f"<h1>populace report: {html.escape(run.path.name)}</h1>",
             '<p class="note">Population-aligned persona generation (Hu et al., '
             'arXiv:2509.10127). Lower is better for every metric; the noise floor is the '
             "same metric between two disjoint human samples of the persona set's effective "
             "size: a set at the floor is as close to the population as a real sample.</p>"]
    m = run.manifest
    model = (m.get("models") or {}).get("run") or (m.get("models") or {}).get("mine") or {}
    parts.append(f'<p class="note">config hash {html.escape(str((m.get("config_hash") or {}).get("run")))}; '
                 f'model {html.escape(str(model.get("model_id") or model.get("fingerprint")))}; '
                 f'populace {html.escape(str((m.get("versions") or {}).get("populace")))}; '
                 f'updated {html.escape(str(m.get("updated")))}</p>')
    parts.append("<h2>Stage counts</h2>")
    parts.append(_table(["stage", "rows in", "rows out", "seconds", "status"],
                        _stage_rows(m)))
    sets = list(results["sets"])
    parts.append("<h2>Persona sets</h2>")
    parts.append(_table(["set", "kind", "rows", "note"],
                        [[s, results["sets"][s].get("kind"),
                          results["sets"][s].get("size", results["sets"][s].get("n", "")),
                          ("temperature %g" % results["sets"][s]["temperature"])
                          if "temperature" in results["sets"][s] else ""] for s in sets]
                        + [[s, "", 0, f"left out: {why}"]
                           for s, why in (results.get("failed_sets") or {}).items()]))
    align_ins = (cfg.get("align") or {}).get("instrument")
    for ins_id, res in results["instruments"].items():
        ins = load_instrument(ins_id)
        parts.append(f"<h2>{html.escape(ins_id)}{' (alignment instrument)' if ins_id == align_ins else ' (out of domain)'}</h2>")
        parts.append(f'<p class="note">human data: {html.escape(str(res.get("reference") or "none available: synthetic distributions only"))}'
                     f"{'; ' + str(res.get('n_reference')) + ' rows' if res.get('n_reference') else ''}; "
                     f"space: {html.escape(res.get('space', ''))}</p>")
        rows, tidy = [], []
        for s in sets:
            r = res["sets"].get(s, {})
            if "metrics" in r:
                for mt, v in r["metrics"].items():
                    ci = (r.get("ci") or {}).get(mt, {})
                    fl = r["noise_floor"].get(mt)
                    rows.append([s, mt, _f(v), f"[{_f(ci.get('low'))}, {_f(ci.get('high'))}]"
                                 if ci else "", _f(fl), _f(v / fl, 2) if fl else ""])
                    tidy.append({"set": s, "metric": mt, "value": v, "ci_low": ci.get("low"),
                                 "ci_high": ci.get("high"), "floor": fl})
        if rows:
            parts.append(_table(["set", "metric", "value", "95% CI", "noise floor",
                                 "x floor"], rows))
            parts.append(_img(f"metrics_{ins_id}", F.metric_bars(tidy, f"{ins_id}: metrics"),
                              out_dir, f"{ins_id}: metric per set with bootstrap interval; "
                              "black bar: the human noise floor at that set's size"))
            parts.append(_paired(res.get("paired"), res.get("paired_error")))
            if res.get("paired_rerun") or res.get("paired_rerun_error"):
                parts.append(_paired(res.get("paired_rerun"), res.get("paired_rerun_error"),
                                     rerun=True))
        else:
            srows = []
            for s in sets:
                sm = res["sets"][s]["summary"]
                srows.append([s] + [f"{sm['mean'][c]:.2f} ± {sm['sd'][c]:.2f}"
                                    for c in sm["columns"][:8]])
            cols = res["sets"][sets[0]]["summary"]["columns"][:8] if sets else []
            parts.append("<p>Synthetic distributions (mean ± SD; first columns):</p>")
            parts.append(_table(["set"] + cols, srows))
        parts.append(_figures(run, results, ins, res, sets, scatter_traits, out_dir))
    parts.append(_alignment(run, out_dir))
    from populace.pipeline.demographics_figure import demographics_section  # issue 24
    parts.append(demographics_section(run, results, out_dir, _img, _table))
    parts.append(_samples(run, n_samples))
    doc = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>populace report</title>"
           f"<style>{CSS}</style></head><body>{''.join(parts)}</body></html>")
    path = run.path / T.REPORT_HTML
    from populace.run import atomic_write_text

    atomic_write_text(path, doc)
    path.chmod(0o644)
    return path


def _pct(v) -> str:
    return "" if v is None else f"{100 * v:+.1f}%"


def _paired(paired: dict | None, error: str | None = None, rerun: bool = False) -> str:
    """aligned vs each other set: the difference with its paired bootstrap interval
    (``rerun``: the selection rerun in every replicate)."""
    if error:
        what = "with the selection rerun" if rerun else "paired comparison"
        return f'<p class="note">{what} not computed: {html.escape(error)}</p>'
    if not paired:
        return ""
    rows = []
    for comp, per in paired.items():
        for mt, r in per.items():
            ci = (f"[{_f(r['low'])}, {_f(r['high'])}]" if r.get("low") is not None else "")
            rci = (f"[{_pct(r['relative_low'])}, {_pct(r['relative_high'])}]"
                   if r.get("relative_low") is not None else "")
            rows.append([comp, mt, _f(r["difference"]), ci, _pct(r.get("relative")), rci,
                         "" if r.get("share_better") is None else f"{r['share_better']:.2f}"])
    if rerun:
        note = ("Paired comparison with the selection rerun: every bootstrap replicate "
                "redraws the pool's personas and the alignment humans, reruns the aligner "
                "and draws a fresh random set on that draw, so the interval also holds the "
                "variability of the selection (does the method help, not only this set). "
                "Negative = the aligned set is closer to the humans.")
    else:
        note = ("Paired comparison: every bootstrap replicate redraws the "
                "pool's personas and the human rows once for all sets of the pool (aligned, "
                "raw, random), so the interval of their difference holds only what differs "
                "between them (the selection itself is held fixed); sets with rows of their "
                "own are redrawn on their own and share the human draw. Negative = the "
                "aligned set is closer to the humans.")
    return (f'<p class="note">{note}</p>'
            + _table(["comparison", "metric", "difference", "95% CI", "relative",
                      "95% CI (relative)", "share of replicates better"], rows))


def _figures(run, results, ins, res, sets, scatter_traits, out_dir) -> str:
    space = res.get("space", "traits")
    human = None
    out = []
    if res.get("reference") and res.get("n_reference"):
        from populace.pipeline import config_of_run
        from populace.pipeline.harness import eval_instruments, reference_for

        try:
            cfg = config_of_run(run.path)
            entry = next(e for e in eval_instruments(cfg) if e.instrument == ins.id)
            ref, _ = reference_for(run.path, cfg, entry)
            human, _, cols = _points(ref, space)
        except (PopulaceError, StopIteration):
            human = None
    data = {}
    cols = None
    for s in sets:
        try:
            t = load_set(run.path, results, s, ins.id)
        except PopulaceError:
            continue
        x, w, cols = _points(t, space)
        data[s] = (x, w)
    if not data or cols is None:
        return ""
    if len(cols) >= 2:
        pick = [cols.index(t) for t in scatter_traits if t in cols][:2]
        if len(pick) < 2:
            pick = [0, 1]
        sc = {s: (x[:, pick], w) for s, (x, w) in data.items()}
        hs = human[:, pick] if human is not None else None
        out.append(_img(f"scatter_{ins.id}", F.trait_scatter(
            hs, sc, (cols[pick[0]], cols[pick[1]]), f"{ins.id}: {cols[pick[0]]} vs {cols[pick[1]]}"),
            out_dir, f"{ins.id}: trait space, humans (grey) vs each persona set "
            "(point area by weight), as the paper's Figure 3"))
    out.append(_img(f"marginals_{ins.id}", F.marginals(human, data, cols, f"{ins.id}: marginals"),
                    out_dir, f"{ins.id}: marginal distributions (densities), humans filled"))
    if len(cols) >= 2:
        out.append(_img(f"corr_{ins.id}", F.corr_heatmaps(human, data, cols,
                                                          f"{ins.id}: correlations"),
                        out_dir, f"{ins.id}: correlation matrices, humans vs each set, and "
                        "their differences"))
    return "".join(out)


def _alignment(run: Run, out_dir: Path) -> str:
    p = run.path / T.ALIGN_DIAG
    if not p.exists():
        return ""
    d = json.loads(p.read_text("utf-8"))
    aligned = run.read_table(T.ALIGNED)
    counts = aligned["count"].to_numpy() if "count" in aligned else np.ones(len(aligned))
    ess = (d.get("output") or {}).get("ess")
    rows = [["method", d.get("method")], ["K", int(counts.sum())],
            ["distinct personas", len(aligned)], ["pool", (d.get("sizes") or {}).get("pool")],
            ["effective sample size", _f(ess, 1)],
            ["max count", (d.get("output") or {}).get("max_count")]]
    ins = d.get("in_sample_metrics") or {}
    if ins.get("before"):
        for mt in ins["before"]:
            rows.append([f"in-sample {mt}: pool -> aligned",
                         f"{_f(ins['before'][mt])} -> {_f(ins['after'].get(mt))}"])
    html_rows = _table(["diagnostic", "value"], rows)
    img = _img("alignment_weights", F.weights_plot(d.get("pool_weights"), counts, ess,
                                                   "alignment diagnostics"), out_dir,
               "left: the aligner's weights over the pool (sorted); right: how often each "
               "selected persona was taken")
    return ("<h2>Alignment diagnostics</h2><p class='note'>In-sample figures are against the "
            "alignment split itself, not held out.</p>" + html_rows + img)


def _samples(run: Run, n: int) -> str:
    if n <= 0 or not run.has(T.ALIGNED):
        return ""
    aligned = run.read_table(T.ALIGNED).sort_values("weight", ascending=False).head(n)
    people = run.read_table(PERSONAS).set_index("persona_id")
    out = ["<h2>Sample personas (aligned set, highest weight first)</h2>"]
    for pid, w in zip(aligned["persona_id"], aligned["weight"]):
        text = people.at[pid, "persona"] if pid in people.index else "(text not found)"
        out.append(f"<div class='persona'><b>{html.escape(str(pid))}</b> (weight {w:.3f})<br>"
                   f"{html.escape(str(text))}</div>")
    return "".join(out)
