"""Turn persona and reference inputs into the matrices the aligners work on.

Both sides end up in the same numeric space, rows = respondents:

``items``   every item answer scaled to [0, 1] with the item's valid range,
            ``(x - lo) / (hi - lo)`` (the paper's space: its KDE bandwidth 0.20
            is on this scale).
``traits``  trait scores on the same [0, 1] scale: the mean of the trait's
            reverse-keyed, [0, 1]-scaled items (an instrument without a
            scoring key falls back to ``items``).

Item weights ``w_k`` (uniform by default) enter every squared distance as
``sum_k w_k (x_ik - y_jk)^2``; they are applied by scaling column ``k`` by
``sqrt(w_k)``, normalised so the weights average 1 (a uniform vector is a no-op).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from populace.errors import DataError, PopulaceError
from populace.instruments import Instrument, load_instrument

SPACES = ("items", "traits")


@dataclass
class Side:
    """One side of an alignment problem, in the chosen space."""

    X: np.ndarray  # (n, d) float64, finite
    ids: np.ndarray  # (n,) persona ids (or row numbers)
    weights: np.ndarray | None
    columns: list[str]
    rows: np.ndarray | None = None  # positions of these rows in the input table


def _table_parts(obj, instrument: Instrument, name: str):
    """(answers (n, n_items) float, ids, weights) from a ResponseTable, DataFrame or array."""
    from populace.reference.table import ResponseTable  # data type only: no CLI/LLM import

    if isinstance(obj, ResponseTable):
        if obj.instrument.id != instrument.id:
            raise PopulaceError(f"{name} holds answers to {obj.instrument.id}, not {instrument.id}")
        ids = (
            obj.meta["persona_id"].astype(str).to_numpy()
            if "persona_id" in obj.meta
            else np.arange(len(obj)).astype(str)
        )
        return obj.items.to_numpy(dtype=np.float64), ids, obj.weights, obj.source
    if isinstance(obj, pd.DataFrame):
        missing = [i for i in instrument.item_ids if i not in obj.columns]
        if missing:
            raise DataError(
                f"{name} lacks {len(missing)} item(s) of {instrument.id}: "
                f"{', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}"
            )
        ids = (
            obj["persona_id"].astype(str).to_numpy()
            if "persona_id" in obj.columns
            else np.arange(len(obj)).astype(str)
        )
        w = obj["weight"].to_numpy(dtype=np.float64) if "weight" in obj.columns else None
        try:
            values = obj[instrument.item_ids].to_numpy(dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise DataError(f"{name} has non-numeric answers: {exc}") from None
        return values, ids, w, "<dataframe>"
    try:
        values = np.asarray(obj, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise PopulaceError(
            f"{name} must be a ResponseTable, DataFrame or numeric array: {exc}"
        ) from None
    if values.ndim != 2 or values.shape[1] != len(instrument.items):
        raise PopulaceError(
            f"{name} must be an (n, {len(instrument.items)}) array of answers "
            f"to {instrument.id} in item order; got shape {values.shape}"
        )
    return values, np.arange(values.shape[0]).astype(str), None, "<array>"


def _check_answers(values, ids, instrument: Instrument, name: str, origin: str) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise DataError(
            f"{name} has {int(bad.sum())} missing or non-finite answer(s), first "
            f"for id {ids[r]!r}, item {instrument.item_ids[c]}; align needs every "
            "answer: impute or remove those rows first",
            path=origin,
        )
    lo, hi = _ranges(instrument)
    out = (values < lo - 1e-9) | (values > hi + 1e-9)
    if out.any():
        r, c = np.argwhere(out)[0]
        raise DataError(
            f"{name}: answer {values[r, c]:g} for id {ids[r]!r}, item "
            f"{instrument.item_ids[c]} is outside the item's range "
            f"{lo[c]:g}..{hi[c]:g}",
            path=origin,
        )


def _ranges(instrument: Instrument):
    lo = np.array([instrument.valid_range(i)[0] for i in instrument.items], dtype=np.float64)
    hi = np.array([instrument.valid_range(i)[1] for i in instrument.items], dtype=np.float64)
    return lo, hi


def to_space(values: np.ndarray, instrument: Instrument, space: str):
    """[0, 1]-scaled items or trait scores (see module docs); returns (X, columns)."""
    if space not in SPACES:
        raise PopulaceError(f"unknown space {space!r}; use one of {', '.join(SPACES)}")
    lo, hi = _ranges(instrument)
    S = (values - lo) / np.where(hi > lo, hi - lo, 1.0)
    if space == "items" or not instrument.traits:
        return S, list(instrument.item_ids)
    rev = np.array([bool(it.reverse) for it in instrument.items])
    S[:, rev] = 1.0 - S[:, rev]
    out = np.empty((S.shape[0], len(instrument.traits)))
    for k, t in enumerate(instrument.traits):
        cols = [j for j, it in enumerate(instrument.items) if it.trait == t.id]
        out[:, k] = S[:, cols].mean(axis=1)
    return out, list(instrument.trait_ids)


def load_item_weights(spec, columns: list[str]) -> np.ndarray | None:
    """Column weights from None, a sequence, a {column: weight} dict or a CSV file
    (two columns: id, weight); returned as sqrt-scales normalised to mean weight 1."""
    if spec is None:
        return None
    origin = None
    if isinstance(spec, (str, Path)):
        origin = str(spec)
        spec = read_item_weights(spec)
    where = f"item weights {origin}" if origin else "item weights"
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - set(columns))
        if unknown:
            raise PopulaceError(
                f"{where} name unknown column(s) {unknown[:5]}; "
                f"expected ids among {', '.join(columns[:5])}... (the ids of "
                "the alignment space: trait ids in traits space)"
            )
        try:
            w = np.array([float(spec.get(c, 1.0)) for c in columns])
        except (TypeError, ValueError) as exc:
            raise PopulaceError(f"{where}: not a number: {exc}") from None
    else:
        try:
            w = np.asarray(spec, dtype=np.float64).ravel()
        except (TypeError, ValueError) as exc:
            raise PopulaceError(f"{where}: not a number: {exc}") from None
        if w.size != len(columns):
            raise PopulaceError(f"{where} need one value per column ({len(columns)}); got {w.size}")
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise PopulaceError(f"{where} must be finite, non-negative and not all zero")
    return np.sqrt(w / w.mean())


def read_item_weights(path) -> dict:
    """{id: weight} from a two-column table (id, weight); a header line is optional
    (a first line whose second field is a number is data, not a header)."""
    from populace.reference.readers import read_table

    frame, _ = read_table(path)
    if frame.shape[1] < 2:
        raise DataError("an item-weights file needs two columns: id, weight", path=str(path))
    try:
        float(str(frame.columns[1]))
        headerless = True
    except ValueError:
        headerless = False
    ids = [str(x).strip() for x in frame.iloc[:, 0]]
    raw = list(frame.iloc[:, 1])
    if headerless:
        ids, raw = [str(frame.columns[0]).strip(), *ids], [frame.columns[1], *raw]
    out = {}
    for row, (i, v) in enumerate(zip(ids, raw), start=1):
        try:
            val = float(v)
        except (TypeError, ValueError):
            val = float("nan")
        if not np.isfinite(val) or val < 0:
            raise DataError(
                f"weight {v!r} of {i!r} is not a finite number >= 0", path=str(path), row=row
            )
        if i in out:
            raise DataError(f"id {i!r} is listed twice", path=str(path), row=row)
        out[i] = val
    return out


def prepare(responses, reference, instrument, space: str, item_weights=None):
    """(personas Side, reference Side, Instrument) in ``space``, validated."""
    ins = load_instrument(instrument) if not isinstance(instrument, Instrument) else instrument
    pv, pids, _, porigin = _table_parts(responses, ins, "responses")
    if pv.shape[0] == 0:
        raise DataError("the persona table has no rows", path=porigin)
    _check_answers(pv, pids, ins, "responses", porigin)
    if len(set(pids)) != len(pids):
        raise DataError("persona_id values must be unique", path=porigin)
    rv, rids, rw, rorigin = _table_parts(reference, ins, "reference")
    ok = np.isfinite(rv).all(axis=1)
    if rw is not None:
        ok &= rw > 0
    if not ok.any():
        raise DataError(
            f"the reference has no usable rows: none of its {rv.shape[0]} rows "
            "has every item answered (with positive weight)",
            path=rorigin,
        )
    rows = np.flatnonzero(ok)
    rv, rids = rv[ok], rids[ok]
    rw = None if rw is None else rw[ok]
    _check_answers(rv, rids, ins, "reference", rorigin)
    X, cols = to_space(pv, ins, space)
    Y, _ = to_space(rv, ins, space)
    scale = load_item_weights(item_weights, cols)
    if scale is not None:
        X, Y = X * scale, Y * scale
    return (Side(X, pids, None, cols, np.arange(X.shape[0])), Side(Y, rids, rw, cols, rows), ins)
