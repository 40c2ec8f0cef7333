"""Paired bootstrap of the difference between persona sets drawn from one pool.

The aligned set, the raw pool and a random selection are all subsets (with
counts) of one surveyed pool, compared with the same human reference. Their
separate bootstrap intervals (``compare``) overlap even when one set is better
in nearly every replicate, because much of each interval is the sampling noise
of the pool's personas and of the human rows, which the sets share. Here every
replicate draws the pool's rows (multinomial counts) and the human rows once,
and every set is evaluated on that same draw (a set's weights are its counts
times the replicate's counts). The interval of the difference ``a - b`` and of
the relative change ``a / b - 1`` then carries only what differs between the
sets.

By default the selection is held fixed: the aligner is not rerun in each
replicate, so the intervals describe the sampling noise of personas and
humans given the selection, not the variability of the selection itself.
``replicate_weights`` lifts that: the caller gives each pool set's weights in
every replicate (e.g. the aligner rerun on that replicate's pool draw,
:mod:`populace.pipeline.reselect`), and those replace the fixed set's counts.

Sets with rows of their own (the no-persona model, SyncP, an external file:
``others``) are resampled independently of the pool in each replicate but
share its human draw, so their differences from a pool set carry each side's
own noise and not the humans'.

Intervals are bias-corrected percentile intervals, as in ``bootstrap_ci``
(Efron & Tibshirani 1993, sec. 10.6): the metrics are distances whose
small-sample bias depends on the set's size, so the replicates of a
difference are shifted by their mean minus the full-data difference.
``share_better`` is the share of (bias-corrected) replicates in which ``a`` is
closer to the humans than ``b`` (lower is better for every metric); it is
consistent with the interval, not a p-value.
"""

from __future__ import annotations

import numpy as np

from populace.errors import PopulaceError

from ._core import DEFAULT_MAX_N, evaluate, mmd_inputs, names, points, row, weights
from ._resampling import count_draws, reference_rows


def _interval(vals: np.ndarray, estimate: float, alpha: float) -> tuple[float, float]:
    lo, hi = np.quantile(vals, [alpha / 2, 1 - alpha / 2])
    bias = float(vals.mean() - estimate)
    return float(lo - bias), float(hi - bias)


def paired_bootstrap(
    X,
    Y,
    set_weights: dict[str, np.ndarray],
    pairs,
    *,
    wy=None,
    others: dict[str, tuple] | None = None,
    metrics=None,
    n_boot: int = 200,
    alpha: float = 0.05,
    seed=0,
    max_reference: int = 20000,
    replicate_weights: dict[str, np.ndarray] | None = None,
) -> dict:
    """Differences between sets of one pool, with paired bootstrap intervals.

    Steps: check the inputs, draw the pool's and the humans' replicate counts
    once, lay out each set's rows and replicate weights (:func:`_sides`),
    evaluate every set on the full data and on every replicate
    (:func:`_evaluate_sets`), and summarise each pair (:func:`_pair`).

    Parameters
    ----------
    X : array of shape (n, d)
        The pool's rows.
    Y : array of shape (m, d)
        The human reference; ``wy`` its optional row weights.
    set_weights : dict
        {set name: n non-negative weights over the pool's rows (0 = not in
        the set)}.  Each set's estimate equals the metric on its
        positive-weight rows alone (as ``compare`` computes it).
    pairs : sequence of (str, str)
        The (a, b) set names to compare.
    others : dict, optional
        {set name: (rows, weights or None)} of sets with rows of their own.
    metrics : sequence of str, optional
        Default: every metric (corr_mae only with two or more columns).
    n_boot : int, default 200
    alpha : float, default 0.05
    seed : int, default 0
    max_reference : int, default 20000
        Human rows the replicates use at most (a seeded subsample).
    replicate_weights : dict, optional
        {pool set name: (n_boot, n) weights of that set in each replicate}
        replacing the default (the replicate's pool counts times the set's
        weights), for sets whose membership is itself redrawn per
        replicate; the estimate still comes from ``set_weights``.

    Returns
    -------
    dict
        ``{"a vs b": {metric: {"a", "b", "difference", "low", "high",
        "relative", "relative_low", "relative_high", "share_better",
        "n_boot"}}}``; ``relative`` is ``a / b - 1`` and is None where ``b``'s
        estimate is not positive (the unbiased mmd can be 0 or below); its
        interval leaves out the replicates in which ``b`` is not positive.

    References
    ----------
    Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*,
    sec. 10.6 (bias-corrected percentile intervals).
    """
    X, Y = points(X, "X"), points(Y, "Y")
    if X.shape[1] != Y.shape[1]:
        raise PopulaceError(
            f"X and Y must have the same columns: X has {X.shape[1]}, Y has {Y.shape[1]}"
        )
    n_boot = int(n_boot)
    W = _pool_sets(set_weights, X.shape[0])
    own = _own_sets(others, W, X.shape[1])
    R = _replicate_sets(replicate_weights, W, n_boot, X.shape[0])
    pairs = [tuple(p) for p in pairs]
    for a, b in pairs:
        for s in (a, b):
            if s not in W and s not in own:
                raise PopulaceError(
                    f"pair {a!r} vs {b!r}: no set {s!r} (sets: {', '.join([*W, *own])})"
                )
    if n_boot < 2:
        raise PopulaceError(f"n_boot must be at least 2; got {n_boot}")
    if not 0 < alpha < 1:
        raise PopulaceError(f"alpha must be between 0 and 1; got {alpha}")
    wy = weights(wy, Y.shape[0], "wy")
    chosen = names(metrics, X.shape[1])

    rng = np.random.default_rng(seed)
    Yb, by = reference_rows(Y, wy, max_reference, rng)
    CX = count_draws(X.shape[0], n_boot, rng)
    WY = count_draws(len(Yb), n_boot, rng)
    if by is not None:
        WY *= by
    sides = _sides(X, W, own, R, CX, n_boot, rng)
    used = sorted({s for p in pairs for s in p}, key=list(sides).index)
    est, reps = _evaluate_sets({s: sides[s] for s in used}, Y, wy, Yb, WY, chosen, seed)
    return {
        f"{a} vs {b}": {
            m: _pair(est[a, m], est[b, m], reps[a, m], reps[b, m], alpha) for m in chosen
        }
        for a, b in pairs
    }


def _pool_sets(set_weights: dict, n: int) -> dict[str, np.ndarray]:
    W = {}
    for name, w in set_weights.items():
        w = np.asarray(w, dtype=float)
        if w.shape != (n,):
            raise PopulaceError(f"set {name!r}: {w.shape} weights for {n} pool rows")
        weights(w, n, f"weights of set {name!r}")  # validates (non-negative, some positive)
        W[name] = w
    return W


def _own_sets(others: dict | None, W: dict, d: int) -> dict[str, tuple]:
    own = {}
    for name, (Xo, wo) in (others or {}).items():
        if name in W:
            raise PopulaceError(f"set {name!r} is both a pool set and one with its own rows")
        Xo = points(Xo, f"rows of set {name!r}")
        if Xo.shape[1] != d:
            raise PopulaceError(f"set {name!r} has {Xo.shape[1]} columns, the pool {d}")
        wo = np.ones(len(Xo)) if wo is None else np.asarray(wo, dtype=float)
        weights(wo, len(Xo), f"weights of set {name!r}")
        own[name] = (Xo, wo)
    return own


def _replicate_sets(
    replicate_weights: dict | None, W: dict, n_boot: int, n: int
) -> dict[str, np.ndarray]:
    R = {}
    for name, r in (replicate_weights or {}).items():
        if name not in W:
            raise PopulaceError(f"replicate weights for {name!r}, which is not a pool set")
        r = np.asarray(r, dtype=float)
        if r.shape != (n_boot, n) or not np.isfinite(r).all() or (r < 0).any():
            raise PopulaceError(
                f"replicate weights of set {name!r} must be a non-negative "
                f"({n_boot}, {n}) array; got shape {r.shape}"
            )
        R[name] = r
    return R


def _sides(X, W: dict, own: dict, R: dict, CX: np.ndarray, n_boot: int, rng) -> dict:
    """Each set: (its positive-weight rows, their weights, the rows its replicates
    use, their replicate weights).  Pool sets share the pool's counts (or take
    given replicate weights); the others draw their own, after the pool and the
    humans, so adding one leaves the pool sets' replicates as they were."""
    sides = {}
    for s in W:
        keep = W[s] > 0
        if s in R:
            used_rows = R[s].sum(axis=0) > 0
            sides[s] = (X[keep], W[s][keep], X[used_rows], R[s][:, used_rows])
        else:
            sides[s] = (X[keep], W[s][keep], X[keep], CX[:, keep] * W[s][keep])
    for s, (Xo, wo) in own.items():
        keep = wo > 0
        sides[s] = (
            Xo[keep],
            wo[keep],
            Xo[keep],
            count_draws(int(keep.sum()), n_boot, rng) * wo[keep],
        )
    return sides


def _evaluate_sets(sides: dict, Y, wy, Yb, WY, chosen, seed) -> tuple[dict, dict]:
    """{(set, metric): full-data estimate} and {(set, metric): replicate values}."""
    est, reps = {}, {}
    for s, (Xs, ws, Xr, WXs) in sides.items():
        ws_row = None if ws.min() == ws.max() else row(ws / ws.sum())
        for m in chosen:
            bw = None
            if m == "mmd":  # the bandwidth of the set's own full-data estimate
                bw = mmd_inputs(Xs, Y, ws_row, row(wy), DEFAULT_MAX_N, seed)[4]
            est[s, m] = float(evaluate(m, Xs, Y, ws_row, row(wy), seed=seed)[0])
            # a replicate that draws none of a small set's rows is undefined (NaN)
            # and dropped in _pair
            with np.errstate(invalid="ignore", divide="ignore"):
                reps[s, m] = evaluate(m, Xr, Yb, WXs, WY, seed=seed, bandwidth=bw)
    return est, reps


def _pair(ea: float, eb: float, ra: np.ndarray, rb: np.ndarray, alpha: float) -> dict:
    """Difference, relative change and their intervals for one pair and metric."""
    ok = np.isfinite(ra) & np.isfinite(rb)
    d = ra[ok] - rb[ok]
    r = {
        "a": ea,
        "b": eb,
        "difference": ea - eb,
        "low": None,
        "high": None,
        "relative": None,
        "relative_low": None,
        "relative_high": None,
        "share_better": None,
        "n_boot": int(ok.sum()),
    }
    if d.size >= 2:
        r["low"], r["high"] = _interval(d, ea - eb, alpha)
        r["share_better"] = float((d - (d.mean() - (ea - eb)) < 0).mean())
    if eb > 0:
        r["relative"] = ea / eb - 1
        pos = ok & (rb > 0)
        if pos.sum() >= 2:
            r["relative_low"], r["relative_high"] = _interval(
                ra[pos] / rb[pos] - 1, ea / eb - 1, alpha
            )
    return r
