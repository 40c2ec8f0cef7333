"""``herding``: greedy MMD minimisation (kernel herding over a finite pool).

Goal: the K-persona set S whose kernel mean embedding is closest to the human
reference's, i.e. the smallest squared MMD

    MMD^2(S) = const - 2/K sum_{s in S} mu(x_s) + 1/K^2 sum_{s,s' in S} k(x_s, x_s'),
    mu(x) = sum_j v_j k(x, y_j)            (v = normalised reference weights).

Greedy step t (t personas chosen): add the persona minimising
``s(x) - (t + 1) mu(x)`` with ``s(x) = sum_{s in S} k(x, x_s)`` (the exact
change of MMD^2).  Without duplicates a chosen persona leaves the pool; with
duplicates it may be chosen again (its own kernel term counts, so repeats are
only taken when they really reduce MMD).

With duplicates, ``max_repeat`` caps how often one persona may be taken
(default 2, so at least K/2 distinct personas; None = no cap).  On pools whose
answers are compressed toward the mean, repeats of the few most spread-out
personas are what restores the human spread, and the cap trades that against
the diversity of the set (docs/alignment.md has the measured trade-off).

``refine`` passes then revisit every chosen persona in order: take it out and
put back the best persona for the freed slot (a coordinate-descent swap that
never increases the objective); a pass with no change stops early.

Correlation term (``corr_weight`` = lambda > 0): the swap passes minimise

    J(S) = MMD^2(S) + lambda * f(S),
    f(S) = mean over pairs a < b of (corr_ab(S) - corr_ab(reference))^2

(Pearson correlations of the selection's rows with repeats, in the aligner's
space, against the weighted reduced reference).  MMD's kernel alone does not
guard the correlations: on compressed pools the spread comes back through
repeats of the most spread-out personas, which bends them.  For the freed
slot every candidate gets the exact MMD^2 change plus lambda times the
first-order change of f (one ``(n, d) @ (d, d)`` product, recomputed only
after a swap; ``correlation.py``); the best candidate is taken only if the
exact J (O(d^2) from running sums) drops, so J never increases.  lambda = 0
is plain MMD refinement.  Default lambda = 10 (docs/alignment.md has the
measured trade-off).

Kernel: Gaussian, ``k = mean_s exp(-||x - y||^2 / (2 (c_s h)^2))`` for the
bandwidth factors ``c_s`` in ``scales`` (default 0.5) and ``h`` the median pairwise distance
of pooled personas and humans (or ``bandwidth``); ``kernel="energy"`` uses
the distance kernel ``-||x - y|| / h`` (MMD = energy distance) and
``"gaussian+energy"`` their mean (slightly lower avg4, worse corrMAE; see the
docs).  Costs: ``mu`` is one pass
over n x m kernel blocks (the reference is capped at ``max_reference`` rows by
the rule in ``reduce.py``); each greedy or swap step is one kernel column over
the pool, O(n d), plus O(n d^2) after each accepted swap when lambda > 0.
Memory O(n d + block).
"""

from __future__ import annotations

import numpy as np

from populace.align._kernel import kernel_column, mean_embedding, median_distance
from populace.align.correlation import CorrelationTracker
from populace.align.result import Problem
from populace.align.select import check_k
from populace.errors import PopulaceError
from populace.weighted import constant_columns, correlation

KERNELS = ("gaussian", "energy", "gaussian+energy")


def _eligible(score, count, blocked, duplicates, cap):
    if not duplicates:
        score[blocked] = np.inf
    elif cap < np.inf:
        score[count >= cap] = np.inf
    return score


def herd(
    X,
    mu,
    k,
    gammas,
    duplicates=False,
    refine=0,
    max_repeat=None,
    corr=None,
    corr_weight=0.0,
    info=None,
    corr_columns=None,
    cells=None,
    quota=None,
):
    """Greedy selection (indices in pick order, with repeats if ``duplicates``, each
    persona at most ``max_repeat`` times) and the number of swaps made.

    ``corr`` = (target correlation matrix, mask of usable columns) and
    ``corr_weight`` > 0 make the swap passes minimise
    ``MMD^2 + corr_weight * f`` (f: mean squared correlation error, see
    ``correlation.py``) instead of MMD^2 alone; ``info`` (a dict), if given,
    receives f after the greedy stage and after the swap passes.  ``corr_columns``:
    f covers only the first that many columns (the answers, not the demographic
    blocks of a joint alignment).  ``cells`` (cell id per persona, -1 = none) and
    ``quota`` (slots per cell) make every step pick only from cells with a free
    slot, so the selection's cell counts are exactly the quotas."""
    n = X.shape[0]
    x2 = np.einsum("ij,ij->i", X, X)
    s = np.zeros(n)
    cap = 1 if not duplicates else (np.inf if max_repeat is None else int(max_repeat))
    duplicates = cap > 1
    count = np.zeros(n, dtype=np.int64)
    blocked = np.zeros(n, dtype=bool)
    picks = np.empty(k, dtype=np.int64)
    free = None
    if cells is not None:
        free = np.append(np.asarray(quota, dtype=np.int64), 0)  # last: "no cell", never free
        cells = np.where(np.asarray(cells) < 0, free.size - 1, cells)
    for t in range(k):
        score = s - (t + 1) * mu
        if not duplicates:
            score[blocked] = np.inf
        if cap < np.inf:
            score[count >= cap] = np.inf
        if free is not None:
            score[free[cells] <= 0] = np.inf
        i = int(np.argmin(score))
        picks[t] = i
        count[i] += 1
        blocked[i] = True
        if free is not None:
            free[cells[i]] -= 1
        s += kernel_column(X, x2, i, gammas)
    lam = float(corr_weight) if corr is not None else 0.0
    Xc = X if corr_columns is None else X[:, :corr_columns]
    tracker = CorrelationTracker(Xc, picks, *corr) if lam > 0 and k > 2 else None
    if tracker is not None and info is not None:
        info["corr_error_greedy"] = tracker.error()
    swaps = 0
    for _ in range(int(refine)):
        changed = 0
        q = None
        if tracker is not None:
            tracker.reset(picks)
        for p in range(k):
            j = int(picks[p])
            if tracker is not None and q is None:
                q = tracker.linear_scores()  # changes only when a swap is made
            kj = kernel_column(X, x2, j, gammas)
            s -= kj
            count[j] -= 1
            if not duplicates:
                blocked[j] = False
            base = s - k * mu  # (K^2 / 2) x change of MMD^2, + const
            score = base if q is None else base + (0.5 * k * k * lam) * q
            score = _eligible(score, count, blocked, duplicates, cap)
            if free is not None:  # the freed slot is in j's cell
                score = np.where(cells == cells[j], score, np.inf)
            i = int(np.argmin(score))
            if i != j and tracker is not None:
                # accept only if the exact joint objective drops
                gain = (2.0 / (k * k)) * (base[i] - base[j]) + lam * (
                    tracker.error_after_swap(j, i) - tracker.error()
                )
                if not gain < 0:
                    i = j
            if i != j:
                changed += 1
                picks[p] = i
                s += kernel_column(X, x2, i, gammas)
                if tracker is not None:
                    tracker.swap(j, i)
                    q = None
            else:
                s += kj
            blocked[i] = True
            count[i] += 1
        swaps += changed
        if changed == 0:
            break
    if tracker is not None and info is not None:
        tracker.reset(picks)
        info["corr_error_final"] = tracker.error()
    return picks, swaps


def align_herding(
    problem: Problem,
    bandwidth=None,
    scales=(0.5,),
    max_reference=20_000,
    refine=2,
    kernel="gaussian",
    max_repeat=2,
    corr_weight=10.0,
):
    """Kernel herding over the pool (the module doc has the algorithm).

    Parameters
    ----------
    problem : Problem
        Personas, humans, K, seed and whether repeats are allowed.
    bandwidth : float, optional
        Kernel width ``h``; None is the median pairwise distance.
    scales : float or sequence of float, default (0.5,)
        Bandwidth factors ``c_s``; the kernel averages one Gaussian per factor.
    max_reference : int, default 20000
        Human rows kept after deduplication (seeded resample above it).
    refine : int, default 2
        Swap passes after the greedy selection.
    kernel : {"gaussian", "energy", "gaussian+energy"}, default "gaussian"
    max_repeat : int or None, default 2
        How often one persona may be taken (with duplicates).
    corr_weight : float, default 10
        Weight of the correlation error in the swap passes (0: MMD only).

    Returns
    -------
    indices, counts, None
        The selected pool rows and their counts (no pool weights).

    References
    ----------
    Chen, Y., Welling, M. & Smola, A. (2010). Super-samples from kernel
    herding. *UAI*.
    Gretton, A. et al. (2012). A kernel two-sample test. *JMLR* 13, 723-773.
    """
    n = problem.X.shape[0]
    k = check_k(problem.k, n, problem.duplicates)
    U, w = problem.reference(max_reference)
    with problem.stages("kernel_mean"):
        h = float(bandwidth) if bandwidth else median_distance(problem.X, U, problem.seed)
        scales = tuple(float(c) for c in (scales if np.ndim(scales) else (scales,)))
        if kernel not in KERNELS:
            raise PopulaceError(f"unknown kernel {kernel!r}; use one of {', '.join(KERNELS)}")
        gammas = [1.0 / (2.0 * (c * h) ** 2) for c in scales] if kernel != "energy" else []
        if kernel in ("energy", "gaussian+energy"):
            gammas.append(-1.0 / h)
        mu = mean_embedding(problem.X, U, w, gammas)
    with problem.stages("greedy"):
        if max_repeat is not None and int(max_repeat) < 1:
            raise PopulaceError(f"max_repeat must be at least 1; got {max_repeat}")
        if problem.duplicates and max_repeat is not None and int(max_repeat) * n < k:
            raise PopulaceError(
                f"cannot fill {k} slots from {n} personas used at most {max_repeat} times each"
            )
        try:
            lam = float(corr_weight)
        except (TypeError, ValueError):
            lam = float("nan")
        if not np.isfinite(lam) or lam < 0:
            raise PopulaceError(f"corr_weight must be a number >= 0; got {corr_weight!r}")
        dc = problem.core_columns
        Uc = U if dc is None else U[:, :dc]
        corr = (correlation(Uc, w), ~constant_columns(Uc, w)) if lam > 0 else None
        info = {}
        cells = quota = None
        if problem.strata is not None:
            from populace.align.quotas import quotas

            cells, share, groups = problem.strata
            per = 1 if not problem.duplicates else (k if max_repeat is None else int(max_repeat))
            capacity = np.bincount(cells[cells >= 0], minlength=share.size) * per
            quota, moved = quotas(share, k, capacity, groups)
            problem.diagnostics["quota"] = {
                "quota": quota,
                "capacity": capacity,
                "slots_moved": moved,
            }
        picks, swaps = herd(
            problem.X,
            mu,
            k,
            gammas,
            problem.duplicates,
            refine,
            max_repeat,
            corr,
            lam,
            info,
            dc,
            cells,
            quota,
        )
    idx, counts = np.unique(picks, return_counts=True)
    problem.diagnostics["herding"] = {
        "bandwidth": h,
        "scales": list(scales),
        "kernel": kernel,
        "max_repeat": max_repeat,
        "swaps": swaps,
        "refine_passes": int(refine),
        "corr_weight": lam,
        **info,
    }
    return idx, counts.astype(np.int64), None
