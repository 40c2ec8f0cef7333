"""Run-directory tables of the pipeline: file names, reference loading and the
held-out split, and response tables as ResponseTables.

Files (besides mining's and survey's, see populace.run)::

  reference/align.parquet     human rows used for alignment (items, weight)
  reference/holdout.parquet   human rows kept out of alignment, for evaluation
  aligned.parquet             persona_id, weight, count (the aligned set)
  align/diagnostics.json      the aligner's diagnostics
  evaluation/results.json     every comparison (sets x instruments)
  evaluation/metrics.csv      tidy: set, instrument, metric, value, ci_low, ci_high, floor
  evaluation/differences.csv  aligned minus each other set (paired bootstrap)
  evaluation/table1_in_domain.csv, table2_out_of_domain.csv, table3_correlation.csv
                              the paper's Tables 1-3 (populace.pipeline.paper_tables)
  report/report.html, report/*.png
  exports/personas.{jsonl,csv,parquet}
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from populace.errors import PopulaceError
from populace.reference import load_reference
from populace.reference.table import ResponseTable

ALIGN_REF = "reference/align.parquet"
HOLDOUT_REF = "reference/holdout.parquet"
ALIGNED = "aligned.parquet"
ALIGN_DIAG = "align/diagnostics.json"
EVAL_DIR = "evaluation"
RESULTS = "evaluation/results.json"
METRICS_CSV = "evaluation/metrics.csv"
DIFFERENCES_CSV = "evaluation/differences.csv"  # aligned vs each other set, paired bootstrap
REPORT_DIR = "report"
REPORT_HTML = "report/report.html"
EXPORT_DIR = "exports"


def responses_path(run_path: Path, instrument: str) -> Path:
    return Path(run_path) / "responses" / f"{instrument}.parquet"


def load_ref(ref_cfg, instrument: str, *, seed: int = 0) -> ResponseTable:
    """A human reference as the config describes it (filters, missing codes, subsample)."""
    table = load_reference(
        ref_cfg.path,
        instrument,
        country=ref_cfg.country or None,
        where=ref_cfg.where or None,
        missing_codes=tuple(ref_cfg.missing_codes),
    )
    if ref_cfg.max_rows and len(table) > ref_cfg.max_rows:
        idx = np.sort(
            np.random.default_rng([seed, 17]).choice(len(table), ref_cfg.max_rows, replace=False)
        )
        table = table.subset(idx)
    return table


def table_frame(table: ResponseTable, match=None) -> pd.DataFrame:
    """Items (canonical ids), ``weight`` when the table is weighted, and the demographic
    columns the source has (``age``, ``gender``, ``country`` and any ``match``
    columns: a MatchSpec), recoded to the personas' labels by the source's codebook
    (populace.align.demographics.harmonised), so the report compares like with like."""
    from populace.align.demographics import REPORT_COLUMNS, harmonised
    from populace.reference.codebooks import codebook_for

    frame = table.items.copy()
    if table.weights is not None:
        frame["weight"] = table.weights
    cols = list(dict.fromkeys(REPORT_COLUMNS + (tuple(match.columns) if match else ())))
    lookup = table.instrument.column_lookup()
    cols = [c for c in cols if c not in lookup and c not in frame.columns]
    demo = harmonised(
        table.meta,
        codebook_for(table.log, table.source),
        cols,
        match.reference_columns if match else None,
        match.codes if match else None,
    )
    for c in demo.columns:
        frame[c] = demo[c].to_numpy()
    return frame


def split_reference(table: ResponseTable, holdout: float, seed: int):
    """(align part, held-out part) by a seeded permutation of the rows."""
    n = len(table)
    n_hold = int(round(holdout * n))
    if n_hold == 0:
        return table, None
    if n_hold < 2 or n - n_hold < 2:
        raise PopulaceError(
            f"the reference has {n} rows: too few to hold out {holdout:.0%} "
            "and keep at least 2 on each side"
        )
    return table.split(holdout, seed)


def read_ref_file(run_path: Path, name: str, instrument: str) -> ResponseTable:
    path = Path(run_path) / name
    if not path.exists():
        raise PopulaceError(f"{path} does not exist; run the align stage first")
    return load_reference(path, instrument, weight_column="auto")


def persona_responses(
    run_path: Path, instrument: str, personas: pd.DataFrame | None = None, path: Path | None = None
) -> ResponseTable:
    """A persona set's answers as a ResponseTable; ``personas`` (persona_id, weight)
    picks and weights rows (a persona listed with count c counts c times)."""
    path = path or responses_path(run_path, instrument)
    if not path.exists():
        raise PopulaceError(f"{path} does not exist; run the survey stage first")
    wide = pd.read_parquet(path)
    if personas is not None:
        w = personas[["persona_id", "weight"]]
        wide = wide.merge(w, on="persona_id", how="inner")
        if wide.empty:
            raise PopulaceError(f"{path}: none of the set's personas has answers")
    return load_reference(
        wide, instrument, weight_column="weight" if personas is not None else None
    )


def complete_ids(run_path: Path, instrument: str) -> list[str]:
    """persona_ids whose every answer to ``instrument`` is present."""
    wide = pd.read_parquet(responses_path(run_path, instrument))
    items = wide.drop(columns=["persona_id"])
    return wide.loc[items.notna().all(axis=1), "persona_id"].astype(str).tolist()


def write_json(path: Path, obj) -> None:
    from populace.run import atomic_write_text

    atomic_write_text(Path(path), json.dumps(jsonable(obj), indent=2) + "\n")


def jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        return float(obj) if np.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    return obj
