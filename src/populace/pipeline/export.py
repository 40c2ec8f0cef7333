"""Export the final persona set: persona_id, text, weight, trait scores, provenance.

Rows are the aligned personas (``aligned.parquet``) with their weight (and
count when the aligner repeated a persona). Columns:

``persona_id``, ``text``, ``weight``, ``count``
``<instrument>.<trait>``   trait scores of every surveyed instrument with a
                           scoring key (item means for unkeyed ones are left out)
``author_id``, ``source``  where the persona was mined from (``source`` is the
                           corpus path or the personas table), critic scores
``gender``, ``age``, ...   the personas table's demographic columns (the blog
                           corpus author metadata), as mined
``model``, ``run_config_hash``, ``align_method``, ``align_instrument``,
``align_match``            provenance (``align_match``: the demographic columns
                           the aligner matched, empty without ``--match``)

Formats: ``jsonl`` (one object per line, ready for agent frameworks), ``csv``,
``parquet``; written atomically to ``RUN/exports/personas.<format>``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from populace.errors import PopulaceError
from populace.files import check_output
from populace.pipeline import tables as T
from populace.run import PERSONAS, Run

FORMATS = ("jsonl", "csv", "parquet")


def persona_frame(run: Run) -> pd.DataFrame:
    """The export table (see the module doc)."""
    if not run.has(T.ALIGNED):
        raise PopulaceError(f"{run.path / T.ALIGNED} does not exist; run align first")
    aligned = run.read_table(T.ALIGNED)
    people = run.read_table(PERSONAS)
    out = aligned.merge(people, on="persona_id", how="left")
    if "count" not in out:
        out["count"] = 1
    out = out.rename(columns={"persona": "text"})
    from populace.instruments import load_instrument

    for f in sorted((run.path / "responses").glob("*.parquet")):
        if f.name.endswith(".long.parquet"):
            continue
        ins_id = f.stem
        try:
            table = T.persona_responses(run.path, ins_id, path=f)
        except PopulaceError:
            continue
        if not load_instrument(ins_id).traits:
            continue
        scores = table.trait_scores()
        scores.columns = [f"{ins_id}.{c}" for c in scores.columns]
        scores.insert(0, "persona_id", table.meta["persona_id"].astype(str).to_numpy())
        out = out.merge(scores, on="persona_id", how="left")
    m = run.manifest
    cfg = (m.get("config") or {}).get("run") or {}
    out["source"] = (
        (cfg.get("mine") or {}).get("corpus")
        or (cfg.get("mine") or {}).get("personas")
        or ((m.get("config") or {}).get("mine") or {}).get("corpus")
    )
    model = (m.get("models") or {}).get("run") or (m.get("models") or {}).get("mine") or {}
    out["model"] = model.get("model_id") or model.get("fingerprint")
    out["run_config_hash"] = (m.get("config_hash") or {}).get("run")
    al = cfg.get("align") or {}
    out["align_method"] = al.get("method")
    out["align_instrument"] = al.get("instrument")
    out["align_match"] = ",".join((al.get("match") or {}).get("columns") or []) or None
    front = ["persona_id", "text", "weight", "count"]
    keep = front + [
        c
        for c in out.columns
        if c not in front and c not in ("evidence", "pii_flag", "pii_names", "context_post_ids")
    ]
    return out[[c for c in keep if c in out.columns]]


def _plain(v):
    if isinstance(v, np.ndarray):
        return [_plain(x) for x in v.tolist()]
    if isinstance(v, (np.floating, float)):
        return None if not np.isfinite(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v


def export_run(run_dir: str | Path, fmt: str = "jsonl", out: str | Path | None = None) -> Path:
    """Write the final persona set in ``fmt``; returns the path."""
    if fmt not in FORMATS:
        raise PopulaceError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    run = Run(run_dir, create=False)
    path = check_output(out, "--out") if out else run.path / T.EXPORT_DIR / f"personas.{fmt}"
    frame = persona_frame(run)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if fmt == "parquet":
        frame.to_parquet(tmp, index=False)
    elif fmt == "csv":
        frame.to_csv(tmp, index=False)
    else:
        with open(tmp, "w", encoding="utf-8") as fh:
            for rec in frame.to_dict(orient="records"):
                fh.write(
                    json.dumps({k: _plain(v) for k, v in rec.items()}, ensure_ascii=False) + "\n"
                )
    tmp.replace(path)
    return path
