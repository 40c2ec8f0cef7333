"""Distances between a persona set X and a human reference Y (point clouds).

Rows are respondents, columns are variables (trait scores or item answers).
Either side may carry non-negative row weights (``None`` = uniform).  Weights
are only relative: each side's weights are normalised to sum 1, zero-weight
rows drop out, and weights ``c_i`` that are integer counts are equivalent to
repeating row ``i`` ``c_i`` times (exactly for amw, sw and corr_mae; for fd see
below).  Inputs are converted to float64; NaN/inf, ragged shapes, differing
column counts and bad weights raise :class:`populace.errors.PopulaceError`.

Definitions (w = normalised weights of X, v = of Y):

``amw``  Average marginal Wasserstein: the mean over columns of the exact 1-D
    Wasserstein-1 distance between the weighted marginals,
    ``W1 = integral |F_X(t) - F_Y(t)| dt`` (CDF-difference integral, as
    ``scipy.stats.wasserstein_distance``).
``fd``   Frechet distance between Gaussians fitted to each side:
    ``||mu_x - mu_y||^2 + tr(Sx + Sy - 2 (Sx^1/2 Sy Sx^1/2)^1/2)``, the
    squared-distance form used by FID (no square root taken).  ``mu`` is the
    weighted mean, ``S`` the weighted covariance with the reliability-weights
    correction ``sum w_i (x_i-mu)(x_i-mu)^T / (1 - sum w_i^2)`` (= ``np.cov``
    for uniform weights).  Matrix square roots come from symmetric
    eigendecompositions with tiny negative eigenvalues clipped to 0; the
    result is clipped at 0.  Because of the reliability correction, count
    weights match duplicated rows only up to the Bessel factor
    ``(N - 1) / (N - sum c_i^2 / N)`` on the covariances.  Needs >= 2 rows
    with positive weight per side.
``sw``   Sliced Wasserstein-1: ``n_projections`` directions drawn uniformly on
    the unit sphere from ``np.random.default_rng(seed)`` (standard normals of
    shape ``(d, n_projections)``, columns normalised; see
    :func:`sw_directions`) and the mean over directions of the exact weighted
    1-D W1 of the projected samples.  Equal to
    ``ot.sliced_wasserstein_distance(X, Y, w, v, projections=P, p=1)``.
``mmd``  Unbiased squared MMD with the Gaussian kernel
    ``k(a, b) = exp(-||a - b||^2 / (2 h^2))``:
    ``sum_{i!=j} w_i w_j k(x_i,x_j) / sum_{i!=j} w_i w_j``
    ``+ (same for Y) - 2 sum_{i,j} w_i v_j k(x_i,y_j)``.  ``h`` is the median
    heuristic unless ``bandwidth`` is given: the median pairwise Euclidean
    distance over the pooled rows, computed on a seeded uniform subsample of
    at most 2,000 pooled rows (if that median is 0, the median of the
    positive distances; if all rows coincide, 1).  Rule for big sets: a side
    with more than ``max_n`` (default 5,000) positive-weight rows is replaced
    by a seeded uniform subsample of ``max_n`` of them, keeping their weights;
    the median heuristic then runs on the capped sides.  All three draws come,
    in that order (X's cap, Y's cap, median subsample), from
    ``np.random.default_rng(seed)``.  About 0 (possibly slightly negative)
    for identical distributions.  Needs >= 2 rows with positive weight per
    side.
``corr_mae``  Mean absolute difference of the weighted Pearson correlation
    matrices over the upper triangle (i < j).  A column that is constant over
    the positive-weight rows has correlation 0 with every other column (never
    NaN).  Needs >= 2 columns.

Defaults: ``sw`` 200 directions, ``mmd`` median heuristic with ``max_n``
5,000, ``seed`` 0 everywhere; :func:`compute_all` uses these defaults.

Uncertainty (details in each function's docstring):

:func:`noise_floor`  Each metric between two *disjoint* random subsamples of
    ``n`` human rows (unweighted; a weighted reference is drawn with
    probability proportional to weight, without replacement), mean and sd
    over ``repeats`` draws -- the value a perfect persona set of size ``n``
    would get.  With fewer than ``2n`` rows: two disjoint halves, flagged in
    the result.
:func:`bootstrap_ci`  Percentile intervals from replicates that resample the
    synthetic rows (and a <= ``max_reference``-row fixed subsample of the
    reference) with replacement via multinomial counts multiplying the
    weights.  Distances of resampled sets are inflated by resampling noise,
    so the result also reports ``bias`` (replicate mean - estimate).

All computations are vectorised and memory-bounded: W1 sorts each column or
projection once (projections are formed ~25 at a time for a 1,000,000-row
reference, <= ~200 MB per block; against a large unweighted side no pooled
merge is needed), covariances are accumulated over row blocks and kernel sums
over blocks of <= 8M entries.  Bootstrap replicates are evaluated together:
one sort per column/projection and one kernel block serve all replicates.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from populace.errors import PopulaceError
from populace.weighted import kish_ess

from ._core import (
    DEFAULT_MAX_N,
    DEFAULT_PROJECTIONS,
    evaluate,
    mmd_inputs,
    names,
    pair,
    row,
    weights,
)
from ._resampling import bootstrap_ci, noise_floor
from ._wasserstein import directions

__all__ = [
    "amw",
    "fd",
    "sw",
    "mmd",
    "corr_mae",
    "METRICS",
    "compute_all",
    "effective_sample_size",
    "noise_floor",
    "bootstrap_ci",
    "sw_directions",
    "mmd_bandwidth",
]


# -- public metrics -----------------------------------------------------------


def amw(X, Y, wx=None, wy=None) -> float:
    """Average marginal Wasserstein-1 distance: the mean over columns of the exact
    weighted 1-D W1 (``scipy.stats.wasserstein_distance`` per column).

    Parameters
    ----------
    X, Y : array of shape (n, d) and (m, d)
    wx, wy : array-like, optional
        Non-negative row weights; None is uniform.

    Returns
    -------
    float

    References
    ----------
    Hu et al. (2025). arXiv:2509.10127 (AMW, the paper's headline metric).
    """
    X, Y, wx, wy = pair(X, Y, wx, wy)
    return float(evaluate("amw", X, Y, row(wx), row(wy))[0])


def fd(X, Y, wx=None, wy=None) -> float:
    """Fréchet distance between Gaussians fitted to each side (squared, FID form).

    Parameters
    ----------
    X, Y : array of shape (n, d) and (m, d)
        The two samples (rows = respondents).
    wx, wy : array-like, optional
        Non-negative row weights; None is uniform.

    Returns
    -------
    float
        ``||mu_x - mu_y||^2 + tr(Sx + Sy - 2 (Sx^1/2 Sy Sx^1/2)^1/2)`` with
        weighted means and reliability-weighted covariances (module doc).

    References
    ----------
    Dowson, D. C. & Landau, B. V. (1982). The Fréchet distance between
    multivariate normal distributions. *J. Multivariate Analysis* 12, 450-455.
    Heusel, M. et al. (2017). GANs trained by a two time-scale update rule
    converge to a local Nash equilibrium. *NeurIPS* (the FID form).
    """
    X, Y, wx, wy = pair(X, Y, wx, wy)
    return float(evaluate("fd", X, Y, row(wx), row(wy))[0])


def sw_directions(d: int, n_projections: int = DEFAULT_PROJECTIONS, seed=0) -> np.ndarray:
    """The ``(d, n_projections)`` unit directions that :func:`sw` uses for ``seed``."""
    return directions(int(d), int(n_projections), seed)


def sw(
    X, Y, wx=None, wy=None, n_projections: int = DEFAULT_PROJECTIONS, seed=0, projections=None
) -> float:
    """Sliced Wasserstein-1 distance: the mean exact 1-D W1 over random directions.

    Parameters
    ----------
    X, Y : array of shape (n, d) and (m, d)
    wx, wy : array-like, optional
        Non-negative row weights; None is uniform.
    n_projections : int, default 200
        Directions drawn uniformly on the unit sphere from ``seed``
        (:func:`sw_directions`).
    seed : int, default 0
    projections : array of shape (d, k), optional
        Explicit directions, overriding the seeded ones.

    Returns
    -------
    float
        Equal to ``ot.sliced_wasserstein_distance(X, Y, wx, wy, projections=P,
        p=1)`` for the same directions.

    References
    ----------
    Bonneel, N., Rabin, J., Peyré, G. & Pfister, H. (2015). Sliced and Radon
    Wasserstein barycenters of measures. *J. Math. Imaging and Vision* 51, 22-45.
    """
    X, Y, wx, wy = pair(X, Y, wx, wy)
    if projections is not None:
        projections = np.asarray(projections, dtype=np.float64)
        if projections.ndim != 2 or projections.shape[0] != X.shape[1]:
            raise PopulaceError(
                f"projections must have shape (d={X.shape[1]}, n_projections); "
                f"got {projections.shape}"
            )
    elif int(n_projections) < 1:
        raise PopulaceError("n_projections must be at least 1")
    return float(
        evaluate(
            "sw",
            X,
            Y,
            row(wx),
            row(wy),
            seed=seed,
            n_projections=int(n_projections),
            projections=projections,
        )[0]
    )


def _check_mmd_args(bandwidth, max_n):
    if bandwidth is not None and not (np.isfinite(bandwidth) and bandwidth > 0):
        raise PopulaceError(f"bandwidth must be a positive number; got {bandwidth}")
    if int(max_n) < 2:
        raise PopulaceError(f"max_n must be at least 2; got {max_n}")


def mmd(X, Y, wx=None, wy=None, bandwidth=None, max_n: int = DEFAULT_MAX_N, seed=0) -> float:
    """Unbiased squared maximum mean discrepancy with a Gaussian kernel.

    Parameters
    ----------
    X, Y : array of shape (n, d) and (m, d)
    wx, wy : array-like, optional
        Non-negative row weights; None is uniform.
    bandwidth : float, optional
        Kernel width ``h`` of ``exp(-||a - b||^2 / (2 h^2))``; None takes the
        median pairwise distance over at most 2,000 pooled rows (seeded).
    max_n : int, default 5000
        Each side is capped at this many rows by a seeded subsample.
    seed : int, default 0

    Returns
    -------
    float
        The weighted U-statistic (module doc); near 0, and possibly
        negative, when the two samples come from one distribution.

    References
    ----------
    Gretton, A., Borgwardt, K. M., Rasch, M. J., Schölkopf, B. & Smola, A.
    (2012). A kernel two-sample test. *JMLR* 13, 723-773.
    """
    X, Y, wx, wy = pair(X, Y, wx, wy)
    _check_mmd_args(bandwidth, max_n)
    return float(
        evaluate("mmd", X, Y, row(wx), row(wy), seed=seed, bandwidth=bandwidth, max_n=int(max_n))[0]
    )


def mmd_bandwidth(X, Y, wx=None, wy=None, max_n: int = DEFAULT_MAX_N, seed=0) -> float:
    """The median-heuristic ``h`` that :func:`mmd` uses for these arguments."""
    X, Y, wx, wy = pair(X, Y, wx, wy)
    _check_mmd_args(None, max_n)
    return float(mmd_inputs(X, Y, row(wx), row(wy), int(max_n), seed)[4])


def corr_mae(X, Y, wx=None, wy=None) -> float:
    """Mean |difference| of weighted correlation matrices over i < j."""
    X, Y, wx, wy = pair(X, Y, wx, wy)
    return float(evaluate("corr_mae", X, Y, row(wx), row(wy))[0])


METRICS = MappingProxyType({"amw": amw, "fd": fd, "sw": sw, "mmd": mmd, "corr_mae": corr_mae})
"""Read-only, ordered registry of the metric functions."""


def compute_all(X, Y, wx=None, wy=None, metrics=None, seed=0) -> dict[str, float]:
    """Each metric (default: all of :data:`METRICS`, in order) at default settings.

    ``seed`` drives sw's directions and mmd's subsampling.  With a single
    column and ``metrics=None``, corr_mae is left out rather than raising.
    """
    X, Y, wx, wy = pair(X, Y, wx, wy)
    return {
        name: float(evaluate(name, X, Y, row(wx), row(wy), seed=seed)[0])
        for name in names(metrics, X.shape[1])
    }


def effective_sample_size(w, n: int | None = None) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2``; ``w=None`` gives ``n``."""
    if w is None:
        if n is None:
            raise PopulaceError("effective_sample_size(None) needs n, the number of rows")
        return float(n)
    arr = np.asarray(w, dtype=np.float64)
    size = arr.shape[0] if arr.ndim == 1 else -1
    norm = weights(arr, size if n is None else int(n), "w")
    return float(size) if norm is None else kish_ess(norm)
