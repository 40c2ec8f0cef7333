"""The report's demographic section: who is in each persona set, against the humans.

For every demographic column that both the humans of the evaluation (the
held-out split, ``reference/holdout.parquet``, or the alignment split when
nothing is held out) and the personas table carry (``age`` in bands,
``gender``, ``country``, and any ``[align.match]`` column), the share of each
category in every persona set (aligned, raw, random: the sets drawn from the
pool) against the humans', with the total variation (TV) distance.  Sets
whose personas carry no demographics (no-persona, SyncP, external files) are
listed as such.  The reference files hold the humans' demographics already in
the personas' labels (``pipeline.tables.table_frame``), so nothing is recoded
here.

Hook: ``report.build_report`` appends ``demographics_section(run, results,
out_dir, _img, _table)`` after the alignment diagnostics.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from populace.align.demographics import (
    DEFAULT_AGE_BANDS,
    NUMERIC,
    REPORT_COLUMNS,
    harmonised,
    labels_of,
    shares,
    tv,
)
from populace.pipeline import tables as T
from populace.pipeline.figures import COLORS, _plt, _png
from populace.run import PERSONAS

TOP = 10  # categories drawn per column (the rest summed as "other")


def _columns(run, humans: pd.DataFrame, people: pd.DataFrame) -> list[str]:
    cfg = (run.manifest.get("config") or {}).get("run") or {}
    matched = ((cfg.get("align") or {}).get("match") or {}).get("columns") or []
    cols = list(dict.fromkeys(list(REPORT_COLUMNS) + list(matched)))
    return [
        c
        for c in cols
        if c in humans.columns
        and c in people.columns
        and humans[c].notna().any()
        and people[c].notna().any()
    ]


def _bands(run):
    cfg = (run.manifest.get("config") or {}).get("run") or {}
    return ((cfg.get("align") or {}).get("match") or {}).get("age_bands") or DEFAULT_AGE_BANDS


def set_marginals(run, results: dict) -> dict | None:
    """{"columns": [...], "humans": {col: shares}, "sets": {name: {col: shares} or None},
    "tv": {name: {col: TV}}} or None when no demographic column is on both sides."""
    path = run.path / (T.HOLDOUT_REF if run.has(T.HOLDOUT_REF) else T.ALIGN_REF)
    if not path.exists() or not run.has(PERSONAS):
        return None
    humans = pd.read_parquet(path)
    raw = run.read_table(PERSONAS)
    cols = _columns(run, humans, raw)
    if not cols:
        return None
    people = pd.concat([raw[["persona_id"]].astype(str), harmonised(raw, None, cols)], axis=1)
    bands = _bands(run)
    hw = humans["weight"].to_numpy(float) if "weight" in humans else None
    out = {
        "columns": cols,
        "source": path.name,
        "humans": {c: shares(labels_of(humans, c, bands), hw) for c in cols},
        "sets": {},
        "tv": {},
    }
    for name, s in results.get("sets", {}).items():
        if not s.get("members"):
            out["sets"][name] = None
            continue
        mem = pd.read_parquet(s["members"])
        m = mem.assign(persona_id=mem["persona_id"].astype(str)).merge(
            people, on="persona_id", how="left"
        )
        w = m["weight"].to_numpy(float)
        out["sets"][name] = {c: shares(labels_of(m, c, bands), w) for c in cols}
        out["tv"][name] = {c: tv(out["sets"][name][c], out["humans"][c]) for c in cols}
    return out


def _order(col: str, human: dict, bands) -> list[str]:
    if col in NUMERIC:
        from populace.align.demographics import band_labels

        return [b for b in band_labels(bands)] + (["(missing)"] if "(missing)" in human else [])
    return sorted(human, key=lambda c: -human[c])[:TOP]


def marginal_bars(data: dict, bands=DEFAULT_AGE_BANDS) -> bytes:
    """One panel per column: category shares, humans (grey) and each set."""
    plt = _plt()
    cols = data["columns"]
    sets = [n for n, v in data["sets"].items() if v is not None]
    fig, axes = plt.subplots(1, len(cols), figsize=(5.2 * len(cols), 3.6), squeeze=False)
    for ax, col in zip(axes[0], cols):
        cats = _order(col, data["humans"][col], bands)
        series = [("humans", data["humans"][col], "#999999")] + [
            (n, data["sets"][n][col], COLORS[i % len(COLORS)]) for i, n in enumerate(sets)
        ]
        width = 0.8 / len(series)
        x = np.arange(len(cats))
        for j, (name, sh, color) in enumerate(series):
            ax.bar(
                x + (j - (len(series) - 1) / 2) * width,
                [sh.get(c, 0.0) for c in cats],
                width,
                label=name,
                color=color,
            )
        ax.set_xticks(x)
        ax.set_xticklabels(
            cats,
            rotation=45 if len(cats) > 6 else 0,
            ha="right" if len(cats) > 6 else "center",
            fontsize=8,
        )
        ax.set_title(col + ("" if col not in NUMERIC else " (bands)"))
        ax.set_ylabel("share")
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    return _png(fig)


def demographics_section(run, results: dict, out_dir, img, table) -> str:
    """HTML of the section (empty when no demographic column is on both sides);
    ``img(name, png, out_dir, caption)`` and ``table(header, rows)`` are the
    report's own helpers."""
    data = set_marginals(run, results)
    if data is None:
        return ""
    cols = data["columns"]
    rows = []
    for name, per in data["sets"].items():
        if per is None:
            rows.append([name] + ["no demographics"] * len(cols))
        else:
            rows.append([name] + [f"{data['tv'][name][c]:.3f}" for c in cols])
    note = (
        f"Demographic marginals of each persona set against the humans "
        f"({html.escape(data['source'])}; age in bands). TV = total variation distance "
        "(0 = the same shares, 1 = disjoint). Sets whose personas carry no demographics "
        "(no-persona, SyncP, external files) have none to compare."
    )
    return (
        "<h2>Demographics</h2>"
        + f"<p class='note'>{note}</p>"
        + table(["set"] + [f"TV {c}" for c in cols], rows)
        + img(
            "demographics",
            marginal_bars(data, _bands(run)),
            out_dir,
            "demographic shares, humans (grey) vs each persona set",
        )
    )
