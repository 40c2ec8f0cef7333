"""Human noise floor and bootstrap confidence intervals (re-exported by metrics)."""

from __future__ import annotations

import numpy as np

from populace.errors import PopulaceError

from ._core import DEFAULT_MAX_N, evaluate, mmd_inputs, names, pair, points, row, weights


def _disjoint_draw(N: int, k: int, w, rng: np.random.Generator) -> np.ndarray:
    """``k`` distinct indices out of ``N``, in random order.

    Uniform when ``w`` is None; otherwise successive sampling with probability
    proportional to weight (Efraimidis-Spirakis keys ``E_i / w_i``, E ~ Exp(1),
    smallest ``k`` keys), which is drawing without replacement by weight.
    """
    if w is None:
        return rng.choice(N, size=k, replace=False)
    with np.errstate(divide="ignore"):
        keys = rng.exponential(size=N) / w  # zero weight -> inf: never drawn
    pick = np.argpartition(keys, k - 1)[:k]
    return rng.permutation(pick)


def noise_floor(Y, n: int, wy=None, metrics=None, repeats: int = 10, seed=0) -> dict:
    """The human noise floor: each metric between two disjoint size-``n`` human subsamples.

    Each repeat draws ``2n`` distinct rows of ``Y`` (positive-weight rows
    only), splits them at random into two sets of ``n`` and computes the
    metrics between them (with ``seed`` as the metric seed, so sw's directions
    and mmd's subsampling are those of the metric itself).  Repeat ``r`` draws
    from the generator seeded by child ``r`` of ``np.random.SeedSequence(seed)``.
    A weighted reference is sampled with probability proportional to weight,
    without replacement, and the two subsamples are then compared unweighted.
    If fewer than ``2n`` rows are available, each repeat instead splits all
    rows into two random disjoint halves of ``N // 2`` (a weighted reference's
    halves keep their weights), ``n`` reports the half size and ``note`` says so.

    Returns ``{"mean": {metric: float}, "sd": {metric: float} (ddof=1; 0 for a
    single repeat), "n": n_used, "repeats": repeats, "halves": bool,
    "note": str | None, "values": {metric: [per-repeat values]}}``.
    """
    Y = points(Y, "Y")
    w = weights(wy, Y.shape[0], "wy")
    chosen = names(metrics, Y.shape[1])
    n, repeats = int(n), int(repeats)
    if n < 2:
        raise PopulaceError(f"noise_floor needs n >= 2; got {n}")
    if repeats < 1:
        raise PopulaceError(f"noise_floor needs repeats >= 1; got {repeats}")
    pool = np.arange(Y.shape[0]) if w is None else np.flatnonzero(w > 0)
    N = pool.size
    halves = N < 2 * n
    note = None
    if halves:
        n_used = N // 2
        if n_used < 2:
            raise PopulaceError(
                f"the reference has only {N} usable rows; the noise floor needs at least 4"
            )
        note = (
            f"reference has {N} usable rows, fewer than 2n = {2 * n}: used two "
            f"disjoint random halves of {n_used} rows each"
        )
    else:
        n_used = n
    values = {name: np.empty(repeats) for name in chosen}
    for r, child in enumerate(np.random.SeedSequence(seed).spawn(repeats)):
        rng = np.random.default_rng(child)
        if halves:
            idx = pool[rng.permutation(N)[: 2 * n_used]]
            wa = wb = None
            if w is not None:
                wa, wb = row(w[idx[:n_used]]), row(w[idx[n_used:]])
        else:
            idx = pool[_disjoint_draw(N, 2 * n_used, None if w is None else w[pool], rng)]
            wa = wb = None
        A, B = Y[idx[:n_used]], Y[idx[n_used:]]
        for name in chosen:
            values[name][r] = evaluate(name, A, B, wa, wb, seed=seed)[0]
    sd_ddof = 1 if repeats > 1 else 0
    return {
        "mean": {k: float(v.mean()) for k, v in values.items()},
        "sd": {k: float(v.std(ddof=sd_ddof)) for k, v in values.items()},
        "n": int(n_used),
        "repeats": repeats,
        "halves": bool(halves),
        "note": note,
        "values": {k: v.tolist() for k, v in values.items()},
    }


def reference_rows(Y, wy, max_reference: int, rng: np.random.Generator):
    """The reference's positive-weight rows (and weights) that bootstrap replicates
    resample: all of them, or a seeded uniform subsample of ``max_reference``."""
    py = None if wy is None or wy.min() > 0 else np.flatnonzero(wy > 0)
    ny = Y.shape[0] if py is None else py.size
    if ny > max_reference:
        pick = np.sort(rng.choice(ny, size=max_reference, replace=False))
        py = pick if py is None else py[pick]
    return (Y, wy) if py is None else (Y[py], None if wy is None else wy[py])


def count_draws(n: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """``n_boot`` multinomial resamples of ``n`` rows, as (n_boot, n) float counts."""
    return rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(np.float64)


def bootstrap_ci(
    X,
    Y,
    wx=None,
    wy=None,
    metrics=None,
    n_boot: int = 200,
    alpha: float = 0.05,
    seed=0,
    max_reference: int = 20000,
) -> dict:
    """Percentile bootstrap confidence intervals for each metric.

    ``estimate`` is the metric on the full data (as :func:`compute_all` with
    the same ``seed``).  Each of the ``n_boot`` replicates resamples the
    positive-weight synthetic rows with replacement -- a multinomial count
    vector multiplying the row weights, no rows are copied -- and likewise the
    reference.  If the reference has more than ``max_reference`` positive-weight
    rows, the replicates resample a fixed seeded uniform subsample of
    ``max_reference`` of them (keeping their weights): at that size the
    reference's own sampling error is negligible next to the synthetic set's,
    and it keeps 200 replicates against a 1,000,000-row reference fast.
    sw uses the same directions in every replicate; mmd holds the bandwidth
    at its full-data value and caps each side at 5,000 rows once (the cap's
    rows are then resampled through their counts).  Replicates where a metric
    is undefined (e.g. fewer than 2 distinct rows drawn) are dropped;
    ``n_boot`` in the result counts the replicates used.

    Returns ``{metric: {"estimate", "low", "high", "percentile_low",
    "percentile_high", "n_boot", "bias", "reference_rows"}}``.  These metrics
    are distances, and resampling adds noise that inflates them: the
    replicates sit above the estimate by about the statistic's own
    small-sample bias (``bias`` = replicate mean - estimate), so for a
    well-aligned set the plain percentile interval (``percentile_low``,
    ``percentile_high``: the ``alpha/2`` and ``1 - alpha/2`` quantiles of the
    replicates) can lie wholly above the estimate.  ``low``/``high`` are
    therefore the bias-corrected percentile interval
    ``[percentile_low - bias, percentile_high - bias]`` (Efron & Tibshirani,
    *An Introduction to the Bootstrap*, 1993, sec. 10.6), clipped at 0 for
    every metric except the unbiased mmd, which can be negative.
    """
    X, Y, wx, wy = pair(X, Y, wx, wy)
    chosen = names(metrics, X.shape[1])
    n_boot, max_reference = int(n_boot), int(max_reference)
    if n_boot < 1:
        raise PopulaceError(f"n_boot must be at least 1; got {n_boot}")
    if not 0 < alpha < 1:
        raise PopulaceError(f"alpha must be between 0 and 1; got {alpha}")
    if max_reference < 2:
        raise PopulaceError(f"max_reference must be at least 2; got {max_reference}")
    estimates = {}
    bandwidth = None
    for name in chosen:
        estimates[name] = float(evaluate(name, X, Y, row(wx), row(wy), seed=seed)[0])
    if "mmd" in chosen:
        bandwidth = mmd_inputs(X, Y, row(wx), row(wy), DEFAULT_MAX_N, seed)[4]

    rng = np.random.default_rng(seed)
    px = None if wx is None or wx.min() > 0 else np.flatnonzero(wx > 0)
    Yb, by = reference_rows(Y, wy, max_reference, rng)
    Xb, bx = (X, wx) if px is None else (X[px], wx[px])
    WX = count_draws(len(Xb), n_boot, rng)
    WY = count_draws(len(Yb), n_boot, rng)
    if bx is not None:
        WX *= bx
    if by is not None:
        WY *= by
    out = {}
    for name in chosen:
        vals = evaluate(name, Xb, Yb, WX, WY, seed=seed, bandwidth=bandwidth)
        vals = vals[np.isfinite(vals)]
        if vals.size == 0:
            p_low = p_high = bias = low = high = float("nan")
        else:
            p_low, p_high = (float(q) for q in np.quantile(vals, [alpha / 2, 1 - alpha / 2]))
            bias = float(vals.mean() - estimates[name])
            floor = -np.inf if name == "mmd" else 0.0
            low, high = max(p_low - bias, floor), max(p_high - bias, floor)
        out[name] = {
            "estimate": estimates[name],
            "low": low,
            "high": high,
            "percentile_low": p_low,
            "percentile_high": p_high,
            "n_boot": int(vals.size),
            "bias": bias,
            "reference_rows": int(len(Yb)),
        }
    return out
