"""Demographic columns in the alignment space: joint demographic + psychometric matching.

``align(..., match="age,gender")`` (``populace align --match age,gender``)
appends one block of columns per matched column to the aligner's space (trait
scores or [0, 1]-scaled items, the *core* block), so every aligner (herding,
the paper's KDE + Sinkhorn, ...) matches the joint distribution of answers and
demographics.

Features
--------
* A categorical column (``gender``, ``country``, any other name) is one-hot
  over the categories the humans have.  Labels are compared as lower-case text
  (``Male`` = ``male``; codes ``1`` and ``1.0`` are the same).
* ``age`` (the names in ``NUMERIC``) is a number of years; ``age="bands"``
  (default) one-hots the bands of ``age_bands`` (edges; default
  ``<18, 18-24, 25-34, 35-44, 45-54, 55+``), ``age="scaled"`` uses the number.
  Ages outside ``AGE_RANGE`` (10-100: typing errors such as 999) count as
  missing.

Block weights
-------------
Each demographic block ``b`` is scaled by ``sqrt(w_b D_core / D_b)``, where
``D`` is the humans' mean squared distance between two random rows within a
block (``2 x`` the summed weighted variances; ``2 (1 - sum_c p_c^2)`` for a
one-hot block), so that in the kernel's and the cost's squared distances the
block weighs ``w_b`` times the whole core block, whatever its units or number
of categories.  A block on which the humans do not vary is scaled as an even
two-way split.  Default ``w_b`` = :data:`DEFAULT_WEIGHT` for every column,
chosen by ``benchmarks/align_demographics.py`` (docs/alignment.md).

Reference codes
---------------
Human files code demographics as numbers.  The reference side is recoded
with ``codes`` ({column: {raw: label or None}}) over the codebook of the
reference's source (``populace.reference.codebooks``: openpsychometrics
gender 1 = male, 2 = female, 3 = other, 0 = missed; psych ``bfi``).  A
persona column may read a differently named reference column:
``"gender=sex"`` matches the personas' ``gender`` to the humans' ``sex``.

Nothing is dropped silently: human rows without a value of a matched column
are left out of the alignment reference; personas without one, or with a
category no human has, stay in the pool with an all-zero block (they match no
human category); human categories no persona has cannot be reached.  Each of
these is a line in ``warnings`` and a count in the diagnostics.  A matched
column missing on either side is an error naming the column and the side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pandas as pd

from populace.errors import PopulaceError
from populace.reference.codebooks import code_key

NUMERIC = ("age",)
AGE_MODES = ("bands", "scaled")
DEFAULT_AGE_BANDS = (18, 25, 35, 45, 55)
AGE_RANGE = (10.0, 100.0)
DEFAULT_WEIGHT = 0.5
"""Weight of each matched column relative to the whole core (trait) block; measured
by benchmarks/align_demographics.py (docs/alignment.md has the figures)."""
MISSING = "(missing)"


class MatchWarning(UserWarning):
    """A joint-alignment problem that does not stop the run (missing or unmatched
    categories); the same lines are in ``diagnostics["demographics"]["warnings"]``."""


@dataclass(frozen=True)
class MatchSpec:
    """Which demographic columns to match and how (see module docs)."""

    columns: tuple[str, ...]
    weight: float | dict = DEFAULT_WEIGHT
    age: str = "bands"
    age_bands: tuple[float, ...] = DEFAULT_AGE_BANDS
    codes: dict = field(default_factory=dict)
    reference_columns: dict = field(default_factory=dict)
    quota: bool = True

    def weight_of(self, column: str) -> float:
        w = (
            self.weight.get(column, DEFAULT_WEIGHT)
            if isinstance(self.weight, dict)
            else self.weight
        )
        return float(w)


def parse_match(
    match,
    weight=None,
    age: str | None = None,
    age_bands=None,
    codes: dict | None = None,
    quota: bool | None = None,
) -> MatchSpec | None:
    """A MatchSpec from ``"age,gender=sex"``, a list of names or a MatchSpec (None: no match)."""
    if match is None or isinstance(match, MatchSpec):
        return match
    items = (
        [s.strip() for s in match.split(",")]
        if isinstance(match, str)
        else [str(s).strip() for s in match]
    )
    items = [s for s in items if s]
    if not items:
        return None
    cols, ref_cols = [], {}
    for s in items:
        name, _, other = (p.strip() for p in s.partition("="))
        if not name or (_ and not other):
            raise PopulaceError(f"--match {s!r}: write COLUMN or COLUMN=REFERENCE_COLUMN")
        if name in cols:
            raise PopulaceError(f"--match names {name!r} twice")
        cols.append(name)
        if other:
            ref_cols[name] = other
    w = DEFAULT_WEIGHT if weight is None else weight
    if isinstance(w, dict):
        unknown = sorted(set(w) - set(cols))
        if unknown:
            raise PopulaceError(f"match weight(s) for {unknown}, which --match does not name")
        vals = list(w.values())
    else:
        vals = [w]
    for v in vals:
        try:
            ok = np.isfinite(float(v)) and float(v) >= 0
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise PopulaceError(f"match weight must be a number >= 0; got {v!r}")
    age = age or "bands"
    if age not in AGE_MODES:
        raise PopulaceError(f"unknown age mode {age!r}; use one of {', '.join(AGE_MODES)}")
    bands = tuple(float(b) for b in (DEFAULT_AGE_BANDS if age_bands is None else age_bands))
    if not bands or any(b >= c for b, c in pairwise(bands)):
        raise PopulaceError(f"age bands must be increasing edges; got {list(bands)}")
    return MatchSpec(
        tuple(cols),
        w,
        age,
        bands,
        dict(codes or {}),
        ref_cols,
        True if quota is None else bool(quota),
    )


def band_labels(edges) -> list[str]:
    """``<18, 18-24, ..., 55+`` for edges (18, 25, ..., 55)."""
    e = [int(x) if float(x).is_integer() else x for x in edges]
    out = [f"<{e[0]}"]
    out += [f"{a}-{(b - 1) if isinstance(b, int) else b}" for a, b in pairwise(e)]
    return out + [f"{e[-1]}+"]


def age_values(series, codes: dict | None = None):
    """(ages as floats with NaN for missing, number of implausible values set missing)."""
    codes = codes or {}
    raw = [codes.get(code_key(v), v) for v in pd.Series(series)]
    num = pd.to_numeric(pd.Series(raw, dtype=object), errors="coerce").to_numpy(
        dtype=float, copy=True
    )
    bad = np.isfinite(num) & ((num < AGE_RANGE[0]) | (num > AGE_RANGE[1]))
    num[bad] = np.nan
    return num, int(bad.sum())


def age_bands(ages: np.ndarray, edges) -> np.ndarray:
    """Band label per age (None for NaN)."""
    labels = band_labels(edges)
    idx = np.searchsorted(np.asarray(edges, dtype=float), ages, side="right")
    return np.array(
        [labels[i] if np.isfinite(a) else None for a, i in zip(ages, idx)], dtype=object
    )


def categories(series, codes: dict | None = None) -> np.ndarray:
    """Category label per row (lower-case text; None for missing), ``codes`` applied."""
    codes = codes or {}
    out = []
    for v in pd.Series(series).tolist():
        k = code_key(v)
        if k is not None and k in codes:
            k = codes[k]
        out.append(None if k is None else str(k).strip().lower())
    return np.array(out, dtype=object)


def labels_of(
    frame: pd.DataFrame, column: str, spec_age_bands=DEFAULT_AGE_BANDS, codes: dict | None = None
) -> np.ndarray:
    """Harmonised labels of one column (age as bands) for marginals and reports."""
    if column in NUMERIC:
        return age_bands(age_values(frame[column], codes)[0], spec_age_bands)
    return categories(frame[column], codes)


REPORT_COLUMNS = ("age", "gender", "country")
"""Demographic columns the pipeline carries into its reference files, the report and
the export whenever a source has them (matched or not)."""


def harmonised(
    meta: pd.DataFrame,
    codebook: dict | None = None,
    columns=REPORT_COLUMNS,
    reference_columns: dict | None = None,
    codes: dict | None = None,
) -> pd.DataFrame:
    """The demographic ``columns`` of ``meta`` in shared labels (the persona side's
    names): ages in years (implausible ages NaN), categories as lower-case labels
    (None = missing), the codebook and ``codes`` applied.  Columns absent are
    skipped."""
    out = {}
    for col in columns:
        rcol = (reference_columns or {}).get(col, col)
        if rcol not in meta.columns:
            continue
        c = {
            **(codebook or {}).get(rcol, {}),
            **{
                code_key(k): v
                for k, v in ((codes or {}).get(col) or (codes or {}).get(rcol) or {}).items()
            },
        }
        out[col] = age_values(meta[rcol], c)[0] if col in NUMERIC else categories(meta[rcol], c)
    return pd.DataFrame(out, index=range(len(meta)))


def shares(labels, weights=None) -> dict[str, float]:
    """Weighted share of each label (None counts as ``(missing)``)."""
    lab = np.array([MISSING if x is None else x for x in labels], dtype=object)
    w = np.ones(len(lab)) if weights is None else np.asarray(weights, dtype=float)
    if lab.size == 0 or w.sum() <= 0:
        return {}
    s = pd.Series(w).groupby(lab).sum()
    return {str(k): float(v / w.sum()) for k, v in s.items()}


def tv(p: dict, q: dict) -> float:
    """Total variation distance ``0.5 sum |p_c - q_c|`` over the union of categories."""
    return 0.5 * sum(abs(p.get(c, 0.0) - q.get(c, 0.0)) for c in set(p) | set(q))


def joint_labels(label_sets: list[np.ndarray]) -> np.ndarray:
    """One label per row for the combination of several columns (``18-24 x male``)."""
    return np.array(
        [None if any(x is None for x in t) else " x ".join(t) for t in zip(*label_sets)],
        dtype=object,
    )


def meta_of(obj) -> pd.DataFrame | None:
    """The non-answer columns of a ResponseTable or DataFrame (None for arrays)."""
    from populace.reference.table import ResponseTable

    if isinstance(obj, ResponseTable):
        return obj.meta
    if isinstance(obj, pd.DataFrame):
        return obj
    return None


def _mean_sq_dist(Y, w) -> float:
    v = w / w.sum()
    m = v @ Y
    return float(2.0 * (v @ ((Y - m) ** 2)).sum())


def _column_of(frame: pd.DataFrame | None, name: str, side: str, available) -> pd.Series:
    if frame is None or name not in frame.columns:
        cols = ", ".join(map(str, list(available)[:20])) or "none"
        raise PopulaceError(
            f"--match column {name!r} is not in the {side} (its columns: "
            f"{cols}); add it there or drop it from --match"
        )
    return frame[name]


class Demographics:
    """The demographic blocks of one alignment problem (built by :func:`build`)."""

    def __init__(self, spec: MatchSpec):
        self.spec = spec
        self.blocks: dict[str, dict] = {}
        self.pool_labels: dict[str, np.ndarray] = {}
        self.ref_labels: dict[str, np.ndarray] = {}
        self.warnings: list[str] = []
        self.ref_keep: np.ndarray | None = None
        self.Xd = self.Yd = None
        self.pool_cells = None  # cell id per pool persona (-1: no human cell)
        self.cell_share = self.cell_names = self.strata_columns = self.cell_groups = None

    @property
    def strata(self):
        """(cell id per persona, human share per cell, column categories per cell) for
        the aligners that fill cells by quota (``quotas.py``)."""
        return (
            None
            if self.pool_cells is None
            else (self.pool_cells, self.cell_share, self.cell_groups)
        )

    def marginals(self, indices, counts, ref_weights=None) -> dict:
        """Per matched column (and jointly): humans vs pool vs selection, with TV."""
        out = {}
        counts = np.asarray(counts, dtype=float)
        idx = np.asarray(indices)
        for col in self.spec.columns:
            h = shares(self.ref_labels[col], ref_weights)
            p = shares(self.pool_labels[col])
            s = shares(self.pool_labels[col][idx], counts)
            out[col] = {
                **self.blocks[col],
                "humans": h,
                "pool": p,
                "selected": s,
                "tv_pool": tv(p, h),
                "tv_selected": tv(s, h),
            }
        if len(self.spec.columns) >= 2:
            hj = joint_labels([self.ref_labels[c] for c in self.spec.columns])
            pj = joint_labels([self.pool_labels[c] for c in self.spec.columns])
            h, p, s = shares(hj, ref_weights), shares(pj), shares(pj[idx], counts)
            out["joint"] = {
                "columns": list(self.spec.columns),
                "tv_pool": tv(p, h),
                "tv_selected": tv(s, h),
            }
        return out


def build(
    spec: MatchSpec,
    persona_meta: pd.DataFrame | None,
    reference_meta,
    ref_weights,
    Y_core: np.ndarray,
    codebook: dict | None = None,
) -> Demographics:
    """Blocks for ``spec``: ``persona_meta`` / ``reference_meta`` hold one row per pool
    persona / reference row (same order as the aligner's matrices); ``Y_core`` is the
    reference in the core space (for the block scale).  Returns a
    :class:`Demographics` with ``Xd``, ``Yd`` (demographic columns of the kept
    reference rows), ``ref_keep`` and ``warnings``."""
    d = Demographics(spec)
    m = Y_core.shape[0]
    wy = np.ones(m) if ref_weights is None else np.asarray(ref_weights, dtype=float)
    keep = np.ones(m, dtype=bool)
    raw_pool, raw_ref = {}, {}
    for col in spec.columns:
        rcol = spec.reference_columns.get(col, col)
        ps = _column_of(
            persona_meta,
            col,
            "personas table",
            [] if persona_meta is None else persona_meta.columns,
        )
        rs = _column_of(
            reference_meta,
            rcol,
            "reference",
            [] if reference_meta is None else reference_meta.columns,
        )
        codes = {
            **(codebook or {}).get(rcol, {}),
            **{
                code_key(k): v
                for k, v in (spec.codes.get(col) or spec.codes.get(rcol) or {}).items()
            },
        }
        info: dict = {"reference_column": rcol}
        if col in NUMERIC:
            pa, p_bad = age_values(ps)
            ra, r_bad = age_values(rs, codes)
            info.update(kind="age", mode=spec.age, implausible={"pool": p_bad, "reference": r_bad})
            raw_pool[col], raw_ref[col] = pa, ra
            d.pool_labels[col] = age_bands(pa, spec.age_bands)
            d.ref_labels[col] = age_bands(ra, spec.age_bands)
            ref_missing = ~np.isfinite(ra)
        else:
            d.pool_labels[col] = categories(ps)
            d.ref_labels[col] = categories(rs, codes)
            info["kind"] = "categorical"
            ref_missing = np.array([x is None for x in d.ref_labels[col]])
        if ref_missing.any():
            d.warnings.append(
                f"reference: {int(ref_missing.sum())} of {m} rows have no "
                f"{rcol} (empty, a missing code or an implausible value): left "
                "out of the alignment reference"
            )
        info["missing"] = {"reference": int(ref_missing.sum())}
        keep &= ~ref_missing
        d.blocks[col] = info
    if not keep.any():
        raise PopulaceError(
            f"no reference row has a value for every --match column ({', '.join(spec.columns)})"
        )
    d.ref_keep = keep
    wk = wy[keep]
    d_core = _mean_sq_dist(Y_core[keep], wk) if Y_core.shape[1] else 1.0
    xs, ys = [], []
    n = len(next(iter(d.pool_labels.values())))
    for col in spec.columns:
        info = d.blocks[col]
        rl = d.ref_labels[col]
        d.ref_labels[col] = rl[keep]
        pl = d.pool_labels[col]
        pool_missing = np.array([x is None for x in pl])
        info["missing"]["pool"] = int(pool_missing.sum())
        if pool_missing.any():
            d.warnings.append(
                f"{int(pool_missing.sum())} of {n} personas have no {col}: "
                "they match no human category"
            )
        if col in NUMERIC and spec.age == "scaled":
            ra = raw_ref[col][keep]
            mean = float(np.average(ra, weights=wk))
            pa = np.where(np.isfinite(raw_pool[col]), raw_pool[col], mean)
            Xb, Yb = pa[:, None], ra[:, None]
            info["pool_imputed_with_reference_mean"] = int(pool_missing.sum())
        else:
            cats = band_labels(spec.age_bands) if col in NUMERIC else sorted({x for x in rl[keep]})
            ref_share = shares(rl[keep], wk)
            cats = [c for c in cats if ref_share.get(c, 0) > 0]
            lookup = {c: i for i, c in enumerate(cats)}
            Xb, Yb = np.zeros((n, len(cats))), np.zeros((int(keep.sum()), len(cats)))
            for M, labels in ((Xb, pl), (Yb, rl[keep])):
                for r, lab in enumerate(labels):
                    j = lookup.get(lab)
                    if j is not None:
                        M[r, j] = 1.0
            present = {x for x in pl if x is not None}
            unmatched = {c: int(sum(1 for x in pl if x == c)) for c in sorted(present - set(cats))}
            unreached = {c: ref_share[c] for c in cats if c not in present}
            if unmatched:
                d.warnings.append(
                    f"{sum(unmatched.values())} of {n} personas have a {col} no "
                    f"human has ({', '.join(f'{k!r}: {v}' for k, v in unmatched.items())}): "
                    "they match no human category"
                )
            if unreached:
                d.warnings.append(
                    f"no persona has {col} = "
                    + ", ".join(
                        f"{k!r} ({100 * v:.1f}% of the humans)" for k, v in unreached.items()
                    )
                    + ": the aligned set cannot reach it"
                )
            info.update(categories=cats, unmatched_pool=unmatched, unreached_reference=unreached)
        d_b = _mean_sq_dist(Yb, wk)
        w = spec.weight_of(col)
        scale = float(np.sqrt(w * d_core / (d_b if d_b > 1e-12 else 1.0)))
        info.update(weight=w, scale=scale)
        xs.append(Xb * scale)
        ys.append(Yb * scale)
    d.Xd = np.hstack(xs)
    d.Yd = np.hstack(ys)
    strat = [c for c in spec.columns if not (c in NUMERIC and spec.age == "scaled")]
    if spec.quota and strat:
        hj = joint_labels([d.ref_labels[c] for c in strat])
        cell_share = shares(hj, wk)
        d.cell_names = sorted(cell_share)
        d.cell_share = np.array([cell_share[c] for c in d.cell_names])
        lookup = {c: i for i, c in enumerate(d.cell_names)}
        pj = joint_labels([d.pool_labels[c] for c in strat])
        d.pool_cells = np.array([lookup.get(c, -1) for c in pj], dtype=np.int64)
        d.strata_columns = strat
        parts = [name.split(" x ") for name in d.cell_names]
        d.cell_groups = []
        for j in range(len(strat)):
            vals = sorted({p[j] for p in parts})
            d.cell_groups.append(np.array([vals.index(p[j]) for p in parts], dtype=np.int64))
    return d
