"""The report's figures: each figure is saved as ``RUN/report/<name>.png`` and
embedded in the HTML as base64 (:func:`img`); Figure 1 (distributions per set),
Figure 3 (the trait scatter of every set) and the correlation heatmaps of one
instrument, from the humans' and every set's points in its space."""

from __future__ import annotations

import base64
import html
from pathlib import Path

import numpy as np

from populace.errors import PopulaceError
from populace.pipeline import figures as F
from populace.pipeline.harness import load_set
from populace.pipeline.paper_figures import trait_distributions


def img(name: str, png: bytes, out_dir: Path, caption: str) -> str:
    (out_dir / f"{name}.png").write_bytes(png)
    b64 = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{b64}">'
        f'<figcaption class="note">{html.escape(caption)}</figcaption></figure>'
    )


def points(table, space, cols_idx=None):
    x, w, cols = table.matrix(space)
    w = np.ones(len(x)) if w is None else np.asarray(w, dtype=float)
    if cols_idx is not None:
        x = x[:, cols_idx]
    return x, w, cols


def instrument_points(run, results, ins_id, res, sets):
    """(humans or None, {set: (points, weights)}, columns) in the instrument's space."""
    space = res.get("space", "traits")
    human = None
    if res.get("reference") and res.get("n_reference"):
        from populace.pipeline import config_of_run
        from populace.pipeline.harness import eval_instruments, reference_for

        try:
            cfg = config_of_run(run.path)
            entry = next(e for e in eval_instruments(cfg) if e.instrument == ins_id)
            ref, _ = reference_for(run.path, cfg, entry)
            human, _, _ = points(ref, space)
        except (PopulaceError, StopIteration):
            human = None
    data, cols = {}, None
    for s in sets:
        try:
            t = load_set(run.path, results, s, ins_id)
        except PopulaceError:
            continue
        x, w, cols = points(t, space)
        data[s] = (x, w)
    return human, data, cols


def scatter_pick(cols: list[str], scatter_traits: list[str]) -> list[int]:
    """Two columns: the configured traits, else Extraversion against Emotional
    Stability / Neuroticism (the paper's Figure 3), else the first two."""
    pick = [cols.index(t) for t in scatter_traits if t in cols][:2]
    if len(pick) < 2:
        pick = [cols.index(t) for t in ("EXT", "EST", "NEU") if t in cols][:2]
    return pick if len(pick) == 2 else [0, 1]


def paper_figures(ins_id, points, scatter_traits, out_dir, figure_numbers=False) -> str:
    human, data, cols = points
    if not data or cols is None:
        return ""
    out = []
    fig1 = "Figure 1: " if figure_numbers else ""
    fig3 = "Figure 3: " if figure_numbers else ""
    out.append(
        img(
            f"distributions_{ins_id}",
            trait_distributions(human, data, cols, f"{fig1}{ins_id}: distribution per set"),
            out_dir,
            f"{fig1}{ins_id}: each {'trait' if len(cols) < 10 else 'column'}'s distribution "
            "per set (weighted densities; black tick: mean), humans on top in grey with their "
            "mean dashed through the panel",
        )
    )
    if len(cols) >= 2:
        pick = scatter_pick(cols, scatter_traits)
        a, b = cols[pick[0]], cols[pick[1]]
        sc = {s: (x[:, pick], w) for s, (x, w) in data.items()}
        hs = human[:, pick] if human is not None else None
        out.append(
            img(
                f"scatter_{ins_id}",
                F.trait_scatter(hs, sc, (a, b), f"{fig3}{ins_id}: {a} vs {b}"),
                out_dir,
                f"{fig3}{ins_id}: {a} against {b}, humans (grey) under every persona set "
                "(point area by weight)",
            )
        )
    return "".join(out)


def heatmaps(ins_id, points, out_dir) -> str:
    human, data, cols = points
    if not data or cols is None or len(cols) < 2:
        return ""
    return img(
        f"corr_{ins_id}",
        F.corr_heatmaps(human, data, cols, f"{ins_id}: correlations"),
        out_dir,
        f"{ins_id}: correlation matrices, humans vs each set, and their differences",
    )
