"""Input validation and the shared metric evaluator (private to metrics).

``evaluate`` computes one metric for ``R`` weightings of the same two point
clouds at once (``WX``/``WY`` of shape ``(R, n)`` or ``None``), which is how
both the plain metrics (R = 1) and the bootstrap (R = n_boot) run.
"""

from __future__ import annotations

import numpy as np

from populace import weighted
from populace.errors import PopulaceError

from . import _mmd, _moments
from ._wasserstein import amw_values, directions, sw_values

METRIC_NAMES = ("amw", "fd", "sw", "mmd", "corr_mae")
DEFAULT_PROJECTIONS = 200
DEFAULT_MAX_N = 5000


# -- input checks -----------------------------------------------------------


def points(A, name: str) -> np.ndarray:
    try:
        A = np.asarray(A, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise PopulaceError(f"{name} must be a numeric 2-D array: {exc}") from None
    if A.ndim != 2:
        raise PopulaceError(
            f"{name} must be a 2-D array (rows = respondents, columns = "
            f"variables); got {A.ndim}-D with shape {A.shape}"
        )
    if A.shape[0] == 0 or A.shape[1] == 0:
        raise PopulaceError(f"{name} is empty (shape {A.shape})")
    if not np.isfinite(A.sum()):  # one cheap pass; locate the problem only if needed
        bad = ~np.isfinite(A)
        if bad.any():
            r, c = np.argwhere(bad)[0]
            kind = "NaN" if np.isnan(A).any() else "infinite"
            raise PopulaceError(
                f"{name} contains {int(bad.sum())} {kind} value(s) (first at row "
                f"{r}, column {c}); drop or impute missing answers first"
            )
    return A


def weights(w, n: int, name: str):
    """1-D weights normalised to sum 1, or ``None`` when absent or all equal."""
    if w is None:
        return None
    try:
        w = np.asarray(w, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise PopulaceError(f"{name} must be numeric: {exc}") from None
    if w.ndim != 1 or w.shape[0] != n:
        raise PopulaceError(
            f"{name} must be a 1-D array with one weight per row ({n}); got shape {w.shape}"
        )
    if not np.isfinite(w).all():
        raise PopulaceError(f"{name} contains NaN or infinite weights")
    if (w < 0).any():
        raise PopulaceError(f"{name} contains negative weights")
    top = w.max()
    if top <= 0:
        raise PopulaceError(f"{name} is all zero: at least one row needs positive weight")
    if w.min() == top:
        return None
    w = w / top
    return w / w.sum()


def pair(X, Y, wx, wy):
    X = points(X, "X")
    Y = points(Y, "Y")
    if X.shape[1] != Y.shape[1]:
        raise PopulaceError(
            f"X and Y must have the same columns: X has {X.shape[1]}, Y has {Y.shape[1]}"
        )
    return X, Y, weights(wx, X.shape[0], "wx"), weights(wy, Y.shape[0], "wy")


def names(metrics, d: int) -> list[str]:
    if metrics is None:
        return [m for m in METRIC_NAMES if d >= 2 or m != "corr_mae"]
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    unknown = [m for m in names if m not in METRIC_NAMES]
    if unknown:
        raise PopulaceError(f"unknown metric(s) {unknown}; choose from {list(METRIC_NAMES)}")
    return names


# -- the single evaluator: R weight rows at once ------------------------------


def evaluate(
    name,
    X,
    Y,
    WX,
    WY,
    *,
    seed=0,
    n_projections=DEFAULT_PROJECTIONS,
    projections=None,
    bandwidth=None,
    max_n=DEFAULT_MAX_N,
) -> np.ndarray:
    """Metric ``name`` for every weight row; ``WX``/``WY`` are ``None`` or ``(R, n)``."""
    if name == "amw":
        return amw_values(X, Y, WX, WY)
    if name == "sw":
        P = directions(X.shape[1], n_projections, seed) if projections is None else projections
        return sw_values(X, Y, P, WX, WY)
    if name == "mmd":
        Xc, WXc, Yc, WYc, h = mmd_inputs(X, Y, WX, WY, max_n, seed, bandwidth)
        vals = _mmd.mmd2_values(Xc, Yc, WXc, WYc, float(h))
        if vals.size == 1 and np.isnan(vals[0]):
            raise PopulaceError("mmd needs at least 2 rows with positive weight on each side")
        return vals
    if name not in ("fd", "corr_mae"):
        raise PopulaceError(f"unknown metric {name!r}; choose from {list(METRIC_NAMES)}")
    if name == "corr_mae" and X.shape[1] < 2:
        raise PopulaceError("corr_mae needs at least 2 columns (correlations between columns)")
    R = max(1 if W is None else W.shape[0] for W in (WX, WY))
    if R == 1:  # exact two-pass moments
        w_x = None if WX is None else WX[0] / WX[0].sum()
        w_y = None if WY is None else WY[0] / WY[0].sum()
        if name == "fd":
            return np.array(
                [_moments.frechet(*_moments.mean_cov(X, w_x, "X"), *_moments.mean_cov(Y, w_y, "Y"))]
            )
        return np.array(
            [_moments.corr_mae_value(weighted.correlation(X, w_x), weighted.correlation(Y, w_y))]
        )
    sx = _moments.replicate_stats(name, X, WX, R)
    sy = _moments.replicate_stats(name, Y, WY, R)
    out = np.full(R, np.nan)
    for r in range(R):
        a, b = sx(r), sy(r)
        if a is None or b is None:
            continue  # fewer than 2 rows drawn: fd undefined for this replicate
        out[r] = _moments.frechet(*a, *b) if name == "fd" else _moments.corr_mae_value(a, b)
    return out


def mmd_inputs(X, Y, WX, WY, max_n, seed, bandwidth=None):
    """mmd's capped sides (seeded) and its bandwidth (median heuristic unless given)."""
    rng = np.random.default_rng(seed)
    Xc, WXc = _mmd.cap_rows(X, WX, max_n, rng)
    Yc, WYc = _mmd.cap_rows(Y, WY, max_n, rng)
    h = bandwidth if bandwidth is not None else _mmd.median_bandwidth(Xc, Yc, rng)
    return Xc, WXc, Yc, WYc, h


def row(w):
    return None if w is None else w[None, :]
