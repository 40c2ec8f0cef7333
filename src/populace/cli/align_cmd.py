"""`populace align`: select K personas whose answers match a human reference."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import typer

from populace.align import ALIGN_METHODS, DEFAULT_METHOD
from populace.align import align as run_align
from populace.cli import _options as O
from populace.errors import DataError, PopulaceError
from populace.files import check_output
from populace.reference import load_reference


def _param(text: str):
    if "=" not in text:
        raise PopulaceError(f"--param {text!r}: write NAME=VALUE, e.g. readout=gibbs")
    name, raw = (s.strip() for s in text.split("=", 1))
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    if isinstance(value, list):
        value = tuple(value)
    return name, value


def _load_personas(path: str, instrument: str):
    table = load_reference(
        path, instrument, missing="keep", max_missing=0.999999, weight_column=None
    )
    dropped = int(table.log.get("n_removed_for_missing", 0))
    nan = table.items.isna().to_numpy()
    if dropped or nan.any():
        n_bad = dropped + int(nan.any(axis=1).sum())
        raise DataError(
            f"{n_bad} persona row(s) have unanswered items (NaN or empty); "
            "align needs every answer of every persona: impute or remove them",
            path=path,
        )
    return table


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        return float(obj) if np.isfinite(obj) else str(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def align(
    responses: str = typer.Option(
        ..., "--responses", "-p", help="persona answers: persona_id + item columns (floats ok)"
    ),
    reference: str = typer.Option(..., "--reference", "-r", help="human reference file"),
    instrument: str = O.InstrumentOpt,
    n: int = typer.Option(..., "-n", "--n", help="number of personas to select (K)"),
    method: str = typer.Option(
        DEFAULT_METHOD, "--method", "-m", help=f"one of: {', '.join(ALIGN_METHODS)}"
    ),
    seed: int = typer.Option(0, "--seed", min=0),
    space: str | None = typer.Option(
        None, "--space", help="items or traits (default: the method's)"
    ),
    duplicates: bool | None = typer.Option(
        None,
        "--duplicates/--no-duplicates",
        help="may a persona be chosen more than once (default: the method's)",
    ),
    item_weights: str | None = typer.Option(
        None, "--item-weights", help="CSV of id,weight for the cost"
    ),
    param: list[str] | None = typer.Option(
        None, "--param", help="method parameter NAME=VALUE (repeatable)"
    ),
    country: list[str] | None = O.CountryOpt,
    where: list[str] | None = O.WhereOpt,
    missing_code: list[float] | None = O.MissingCodeOpt,
    match: str | None = typer.Option(
        None,
        "--match",
        help="demographic columns to match jointly with the answers, e.g. "
        "age,gender[,country]; COLUMN=HUMAN_COLUMN when the humans name it differently "
        "(docs/alignment.md)",
    ),
    match_weight: float | None = typer.Option(
        None,
        "--match-weight",
        help="weight of each matched column against the whole trait/item block (default 0.5)",
    ),
    match_age: str | None = typer.Option(
        None, "--match-age", help="age as bands (default) or scaled"
    ),
    match_codes: str | None = typer.Option(
        None,
        "--match-codes",
        help="JSON file {column: {human code: label}} recoding the "
        "humans' demographics (openpsychometrics and psych bfi codes are known)",
    ),
    match_quota: bool | None = typer.Option(
        None,
        "--match-quota/--no-match-quota",
        help="fill each demographic cell by quota (default on; herding and paper)",
    ),
    personas_file: str | None = typer.Option(
        None,
        "--personas",
        help="personas table with the --match columns, joined on "
        "persona_id (when --responses lacks them)",
    ),
    out: str = typer.Option(..., "--out", "-o", help="output table: .parquet or .csv"),
) -> None:
    """Select K personas whose answer distribution matches the humans'.

    Writes persona_id and weight (and count when a persona is repeated) to
    --out, and a diagnostics JSON beside it (OUT.diagnostics.json). Same
    inputs and seed give the same output.
    """
    out_path = check_output(out, "--out")
    if out_path.suffix.lower() not in (".parquet", ".csv"):
        raise PopulaceError(f"--out must end in .parquet or .csv; got {out_path.name}")
    params = dict(_param(p) for p in (param or []))
    personas = _load_personas(responses, instrument)
    ref = O.load_cli_reference(
        reference,
        instrument,
        country=country,
        where=where,
        missing="keep",
        max_missing=0.999999,
        missing_code=missing_code,
    )
    persona_meta = None
    if personas_file is not None:
        if not match:
            raise PopulaceError("--personas gives demographic columns for --match; add --match")
        from populace.reference.readers import read_table

        persona_meta, _ = read_table(personas_file)
        if "persona_id" not in persona_meta.columns:
            raise DataError("the personas table has no persona_id column", path=personas_file)
    codes = None
    if match_codes is not None:
        try:
            codes = json.loads(Path(match_codes).read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise PopulaceError(f"--match-codes {match_codes}: cannot read JSON ({exc})") from None
        if not isinstance(codes, dict) or not all(isinstance(v, dict) for v in codes.values()):
            raise PopulaceError(f"--match-codes {match_codes}: write {{column: {{code: label}}}}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # printed below from the diagnostics, once
        result = run_align(
            personas,
            ref,
            instrument,
            n=n,
            method=method,
            seed=seed,
            space=space,
            duplicates=duplicates,
            item_weights=item_weights,
            match=match,
            match_weight=match_weight,
            match_age=match_age,
            match_codes=codes,
            match_quota=match_quota,
            persona_meta=persona_meta,
            **params,
        )
    frame = result.to_frame(with_counts=bool(result.params["duplicates"]))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if out_path.suffix.lower() == ".parquet":
        frame.to_parquet(out_path, index=False)
    else:
        frame.to_csv(out_path, index=False)
    diag = _jsonable(
        {
            "method": result.method,
            "params": result.params,
            "responses": responses,
            "reference": reference,
            "output": str(out_path),
            **result.diagnostics,
        }
    )
    diag_path = out_path.with_name(out_path.stem + ".diagnostics.json")
    diag_path.write_text(json.dumps(diag, indent=2) + "\n")
    print(json.dumps(diag, indent=2))
    demo = result.diagnostics.get("demographics")
    if demo:
        for line in demo["warnings"]:
            print(f"warning: {line}", file=sys.stderr)
        for col, d in demo["columns"].items():
            print(
                f"{col}: TV to the humans {d['tv_pool']:.3f} (pool) -> "
                f"{d['tv_selected']:.3f} (selected)"
            )
    print(
        f"wrote {len(frame):,} personas (K = {result.k:,}) to {out_path}; "
        f"diagnostics in {diag_path}"
    )
