"""Row filters on respondent metadata: country and simple comparisons.

A ``where`` condition is ``COLUMN OP VALUE`` with OP one of ``==``, ``!=``,
``>=``, ``<=``, ``>``, ``<``, or ``COLUMN in V1,V2,...``; values are compared
as numbers when both sides are numeric, else as text. Examples:
``age>=18``, ``gender==2``, ``engnat in 1,2``.
"""

from __future__ import annotations

import operator
import re

import numpy as np
import pandas as pd

from populace.errors import DataError, PopulaceError

_OPS = {
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
_COND = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(==|!=|>=|<=|>|<|\s+in\s+)\s*(.+?)\s*$")


def _column(frame: pd.DataFrame, name: str, origin: str) -> pd.Series:
    lookup = {str(c).lower(): c for c in frame.columns}
    if name.lower() not in lookup:
        raise PopulaceError(
            f"{origin}: filter column {name!r} is not in the data; "
            f"columns are: {', '.join(map(str, frame.columns))}"
        )
    return frame[lookup[name.lower()]]


def _as_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def parse_condition(cond: str) -> tuple[str, str, list[str]]:
    m = _COND.match(cond)
    if not m or m.group(3)[0] in "=<>!":
        raise PopulaceError(
            f"cannot read filter {cond!r}: write COLUMN OP VALUE with OP one of "
            "==, !=, >=, <=, >, <, or 'COLUMN in A,B,C' (for example age>=18)"
        )
    col, op, val = m.group(1), m.group(2).strip(), m.group(3)
    values = [v.strip().strip("'\"") for v in val.split(",")] if op == "in" else [val.strip("'\"")]
    return col, op, values


def condition_mask(frame: pd.DataFrame, cond: str, origin: str) -> np.ndarray:
    col, op, values = parse_condition(cond)
    series = _column(frame, col, origin)
    numeric = pd.to_numeric(series, errors="coerce")
    nums = [_as_number(v) for v in values]
    use_numbers = all(n is not None for n in nums) and numeric.notna().any()
    if op in (">=", "<=", ">", "<") and not use_numbers and numeric.notna().mean() > 0.5:
        raise PopulaceError(
            f"{origin}: filter {cond!r}: column {col!r} holds numbers, {values[0]!r} is not one"
        )
    left = numeric if use_numbers else series.astype(str).str.strip()
    right = nums if use_numbers else values
    if op == "in":
        return left.isin(right).to_numpy()
    return _OPS[op](left, right[0]).fillna(False).to_numpy(dtype=bool)


def country_mask(frame: pd.DataFrame, countries: list[str], origin: str) -> np.ndarray:
    series = _column(frame, "country", origin)
    wanted = {c.strip().upper() for c in countries}
    codes = series.astype(str).str.strip().str.upper()
    absent = sorted(wanted - set(codes))
    if absent and len(absent) == len(wanted):
        common = codes.value_counts().index[:12]
        raise DataError(
            f"no respondents left: no respondent has country {', '.join(absent)}; "
            f"the most common codes here are {', '.join(common)}",
            path=origin,
        )
    return codes.isin(wanted).to_numpy()


def filter_mask(
    frame: pd.DataFrame,
    *,
    country: list[str] | None = None,
    where: list[str] | None = None,
    origin: str = "data",
) -> np.ndarray:
    """Boolean mask of the rows that pass every filter."""
    mask = np.ones(len(frame), dtype=bool)
    if country:
        mask &= country_mask(frame, country, origin)
    for cond in where or []:
        mask &= condition_mask(frame, cond, origin)
    return mask
