"""HTML pieces of the report that a reader takes in at a glance: the verdict (one
sentence per instrument from the paired differences), wide metric tables (sets
as rows, metrics as columns, each cell the value, its interval and x floor),
the paired differences as a wide table, and the paper's Tables 1-3
(:mod:`populace.pipeline.paper_tables`)."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from populace.pipeline.paper_tables import LABELS, Cell, PaperTable

CSS = """.verdict{background:#f6f8fa;border-left:4px solid #2c7a3f;padding:6px 12px;
margin:8px 0 14px}.verdict p{margin:5px 0;font-size:14px}
table.wide td{vertical-align:top;white-space:nowrap}table.wide small{color:#555}
table.wide th.block{text-align:center;background:#e8eef5}.best{font-weight:bold}
td.win{background:#e6f4ea}td.loss{background:#fbe9e7}"""


def _e(x) -> str:
    return html.escape(str(x))


def _n(v, nd: int = 3) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return ""
    return f"{v:.{nd}f}"


def cell_html(cell: Cell | None, *, best: bool = False, nd: int = 3) -> str:
    """value, then [low, high] and x floor in small print."""
    if cell is None:
        return "<td></td>"
    v = f"<span class='best'>{_n(cell.value, nd)}</span>" if best else _n(cell.value, nd)
    extra = []
    if cell.low is not None and cell.high is not None:
        extra.append(f"[{_n(cell.low, nd)}, {_n(cell.high, nd)}]")
    if cell.x_floor is not None:
        extra.append(f"&times;{cell.x_floor:.1f}")
    return f"<td>{v}<br><small>{' '.join(extra)}</small></td>" if extra else f"<td>{v}</td>"


def paper_table_html(t: PaperTable) -> str:
    """Block headers (instrument or run) over metric headers; the lowest value of
    each column in bold."""
    has_blocks = any(g for g, _ in t.groups)
    blocks = "".join(
        f"<th class='block' colspan='{len(cols)}'>{_e(g) if g else 'all'}</th>"
        for g, cols in t.groups
    )
    heads = "".join(f"<th>{_e(LABELS.get(c, c))}</th>" for _, cols in t.groups for c in cols)
    best = {(g, c): t.best(g, c) for g, cols in t.groups for c in cols}
    body = []
    for r in t.rows:
        tds = "".join(
            cell_html(t.get(r, g, c), best=best[(g, c)] == r) for g, cols in t.groups for c in cols
        )
        body.append(f"<tr><td>{_e(r)}</td>{tds}</tr>")
    top = f"<tr><th></th>{blocks}</tr>" if has_blocks else ""
    return (
        f"<h3>{_e(t.title)}</h3><table class='wide'>{top}<tr><th>set</th>{heads}</tr>"
        f"{''.join(body)}</table><p class='note'>{_e(t.note)} Each cell: value, 95% "
        "bootstrap interval, &times; the human noise floor at the set's size (not for "
        "MMD: between two human samples it is about 0); bold: lowest in the column.</p>"
    )


def metric_table_html(res: dict, sets: list[str]) -> str:
    """One instrument's comparisons: sets as rows, metrics as columns."""
    metrics = list(
        dict.fromkeys(m for s in sets for m in (res["sets"].get(s, {}).get("metrics") or {}))
    )
    if not metrics:
        return ""
    cells = {}
    for s in sets:
        r = res["sets"].get(s, {})
        for m, v in (r.get("metrics") or {}).items():
            ci = (r.get("ci") or {}).get(m) or {}
            cells[(s, m)] = Cell(
                v, ci.get("low"), ci.get("high"), (r.get("noise_floor") or {}).get(m), m
            )
    best = {
        m: min(
            (s for s in sets if (s, m) in cells and cells[(s, m)].value is not None),
            key=lambda s: cells[(s, m)].value,
            default=None,
        )
        for m in metrics
    }
    heads = "".join(f"<th>{_e(LABELS.get(m, m))}</th>" for m in metrics)
    body = "".join(
        f"<tr><td>{_e(s)}</td>"
        + "".join(cell_html(cells.get((s, m)), best=best[m] == s, nd=4) for m in metrics)
        + "</tr>"
        for s in sets
        if any((s, m) in cells for m in metrics)
    )
    return f"<table class='wide'><tr><th>set</th>{heads}</tr>{body}</table>"


def _pct(v) -> str:
    return "" if v is None else f"{100 * v:+.1f}%"


def paired_table_html(paired: dict) -> str:
    """aligned minus each set: comparisons as rows, metrics as columns; green
    where the whole interval is below 0 (aligned closer), red above 0."""
    metrics = list(dict.fromkeys(m for per in paired.values() for m in per))
    heads = "".join(f"<th>{_e(LABELS.get(m, m))}</th>" for m in metrics)
    body = []
    for comp, per in paired.items():
        tds = []
        for m in metrics:
            r = per.get(m)
            if not r:
                tds.append("<td></td>")
                continue
            lo, hi = r.get("low"), r.get("high")
            cls = (
                "win" if hi is not None and hi < 0 else "loss" if lo is not None and lo > 0 else ""
            )
            ci = f"[{_n(lo, 4)}, {_n(hi, 4)}]" if lo is not None else ""
            rel = f" ({_pct(r.get('relative'))})" if r.get("relative") is not None else ""
            tds.append(
                f"<td class='{cls}'>{_n(r.get('difference'), 4)}{rel}<br><small>{ci}</small></td>"
            )
        body.append(f"<tr><td>{_e(comp)}</td>{''.join(tds)}</tr>")
    return f"<table class='wide'><tr><th>comparison</th>{heads}</tr>{''.join(body)}</table>"


# ----------------------------------------------------------------- verdict
def _names(metrics: list[str]) -> str:
    return ", ".join(LABELS.get(m, m) for m in metrics)


def _and(xs: list[str]) -> str:
    return xs[0] if len(xs) == 1 else ", ".join(xs[:-1]) + " and " + xs[-1]


def verdict_sentence(instrument: str, diffs: pd.DataFrame, *, in_domain: bool) -> str:
    """One sentence: which sets the aligned set beats, on which metrics, beyond the
    paired 95% intervals (``diffs``: tidy differences of one instrument, one selection)."""
    where = "in domain" if in_domain else "out of domain"
    if diffs.empty:
        return f"{instrument} ({where}): no paired differences were computed."
    metrics = list(dict.fromkeys(diffs["metric"]))
    all_, some, within, worse = [], [], [], []
    for comp, d in diffs.groupby("comparison", sort=False):
        other = str(comp).split(" vs ", 1)[-1]
        better = d.loc[d["high"] < 0, "metric"].tolist()
        farther = d.loc[d["low"] > 0, "metric"].tolist()
        if farther:
            worse.append(f"{other} ({_names(farther)})")
        if len(better) == len(metrics):
            all_.append(other)
        elif better:
            some.append(f"{other} ({_names(better)})")
        elif not farther:
            within.append(other)
    parts = []
    if all_:
        parts.append(f"than {_and(all_)} on every metric ({_names(metrics)})")
    if some:
        parts.append(f"{'and ' if all_ else ''}on some metrics only than {_and(some)}")
    if parts:
        clause = (
            "aligned is closer to the humans "
            + ", ".join(parts)
            + ", beyond the paired 95% intervals"
        )
    else:
        clause = "aligned is closer than no set beyond the paired 95% intervals"
    if within:
        clause += f"; within the intervals of {_and(within)}"
    if worse:
        clause += f"; farther than {_and(worse)} beyond the intervals"
    return f"{instrument} ({where}): {clause}."


def verdict(differences: pd.DataFrame, in_domain: str, instruments: list[str]) -> list[str]:
    """One sentence per instrument with human data (selection held fixed)."""
    out = []
    d = differences[differences["selection"] == "fixed"] if len(differences) else differences
    for ins in instruments:
        di = d[d["instrument"] == ins] if len(d) else d
        out.append(verdict_sentence(ins, di, in_domain=ins == in_domain))
    return out


def verdict_html(sentences: list[str]) -> str:
    if not sentences:
        return ""
    return (
        "<div class='verdict'><b>Verdict</b> (aligned minus each set, paired bootstrap, "
        "selection held fixed; lower is closer to the humans)"
        + "".join(f"<p>{_e(s)}</p>" for s in sentences)
        + "</div>"
    )


def tables_page(tables: list[PaperTable]) -> str:
    """A self-contained HTML page of the paper's tables (``populace tables``)."""
    from populace.pipeline.report import CSS as REPORT_CSS

    body = "".join(paper_table_html(t) for t in tables if t.groups)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>populace tables</title>"
        f"<style>{REPORT_CSS}</style></head><body><h1>populace: Tables 1-3</h1>"
        "<p class='note'>Hu et al., arXiv:2509.10127, Tables 1-3 in their layout; lower is "
        f"better.</p>{body}</body></html>"
    )
