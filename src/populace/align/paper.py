"""``paper``: Hu et al.'s two stages, exactly as written, with every open reading exposed.

Stage 1, KDE importance sampling (Sec. 3.2 / App. B.1): Gaussian kernel,
bandwidth 0.20 on [0, 1]-scaled answers (``bandwidth="scott"`` for Scott's
rule), log-weight ``log p_human(x) - log p_persona(x)`` by chunked
log-sum-exp (``kde.py``).  Readings of the selection: ``is_select="top"``
keeps the ``keep`` = 70% of personas with the highest weights (App. B.1);
``"sample"`` draws that many personas in proportion to weight without
replacement (Eq. 4).  The KDE runs in the aligner's ``space`` (items, as in
the paper, or traits).

Stage 2, entropic OT (``sinkhorn.py``): cost ``sum_k w_k (x_ik - y_jk)^2``,
uniform marginals, ``eps = reg x median cost``, 250 log-domain iterations,
personas in batches of 10,000 against the (reduced) reference.  Readouts:
``"rowsum"`` (as written: the mass of each persona's plan row, which the
persona marginal fixes at 1/n, so it is constant: the diagnostics show its
spread, ~1e-15), ``"gibbs"`` (each human's mass split over personas by the
Gibbs kernel alone) and ``"matching"`` (each human's mass to the persona with
the largest plan entry).  Finally K personas are drawn by weight (without
duplicates unless asked).
"""

from __future__ import annotations

import numpy as np

from populace.align import kde
from populace.align._ot_weights import batched_weights
from populace.align.diagnostics import log_spread
from populace.align.result import Problem
from populace.align.select import check_k, select
from populace.errors import PopulaceError

READOUTS = ("rowsum", "gibbs", "matching")


def _keep_by_cell(logw, cells, keep, rng, mode):
    """Importance sampling's ``keep`` share taken within each demographic cell (joint
    matching): a global cut would drop whole cells whose personas the KDE finds
    atypical, and the final draw could not fill their quotas."""
    out = []
    for c in np.unique(cells[cells >= 0]):
        sub = np.flatnonzero(cells == c)
        n_c = max(1, int(round(keep * sub.size)))
        i, _, _ = select(None, n_c, rng, False, mode, logw=logw[sub])
        out.append(sub[i])
    return np.sort(np.concatenate(out))


def _select_by_cell(w, cells, share, groups, k, rng, problem: Problem):
    """The final draw by weight, cell by cell: each demographic cell gets its quota
    (``demographics.quotas``) of the K slots (joint matching, ``--match``)."""
    from populace.align.quotas import quotas

    present = np.bincount(cells[cells >= 0], minlength=share.size)
    capacity = present if not problem.duplicates else np.where(present > 0, k, 0)
    quota, moved = quotas(share, k, capacity, groups)
    problem.diagnostics["quota"] = {"quota": quota, "capacity": capacity, "slots_moved": moved}
    idx, cnt, zero = [], [], 0
    for c in np.flatnonzero(quota):
        sub = np.flatnonzero(cells == c)
        wc = w[sub] if (w[sub] > 0).any() else np.ones(sub.size)
        i, n_, z = select(wc, int(quota[c]), rng, problem.duplicates, "sample")
        idx.append(sub[i])
        cnt.append(n_)
        zero += z
    idx, cnt = np.concatenate(idx), np.concatenate(cnt)
    order = np.argsort(idx)
    return idx[order], cnt[order], zero


def align_paper(
    problem: Problem,
    bandwidth=0.20,
    keep=0.7,
    is_select="top",
    readout="rowsum",
    reg=0.05,
    n_iter=250,
    batch_size=10_000,
    max_reference=50_000,
    ot_reference=5_000,
    exclude_self=False,
):
    X = problem.X
    n = X.shape[0]
    k = check_k(problem.k, n, problem.duplicates)
    if readout not in READOUTS:
        raise PopulaceError(f"unknown readout {readout!r}; use one of {', '.join(READOUTS)}")
    if not 0 < float(keep) <= 1:
        raise PopulaceError(f"keep must be a share in (0, 1]; got {keep}")
    if not (np.isfinite(float(reg)) and float(reg) > 0):
        raise PopulaceError(f"reg must be a positive factor of the median cost; got {reg}")
    rng = problem.generator(2)
    U, w = problem.reference(max_reference)
    with problem.stages("kde"):
        h = kde.scott_bandwidth(U, w) if bandwidth == "scott" else float(bandwidth)
        logw = kde.log_ratio(X, U, h, w, exclude_self=bool(exclude_self))
    n_keep = max(1, int(round(float(keep) * n)))
    if not problem.duplicates and k > n_keep:
        raise PopulaceError(
            f"importance sampling keeps {n_keep} of {n} personas "
            f"(keep={keep}), fewer than the {k} requested; raise keep, "
            "lower -n or allow duplicates"
        )
    with problem.stages("is_select"):
        if problem.strata is None:
            kept, _, _ = select(None, n_keep, rng, False, is_select, logw=logw)
        else:
            kept = _keep_by_cell(logw, problem.strata[0], float(keep), rng, is_select)
    is_diag = log_spread(logw)
    is_diag.update(bandwidth=h, keep=float(keep), select=is_select, kept=int(kept.size))
    # the typicality of the kept set: mean distance to the reference mean
    centre = (w / w.sum()) @ U
    dist = np.linalg.norm(X - centre, axis=1)
    is_diag["mean_distance_to_reference_mean"] = {
        "pool": float(dist.mean()),
        "kept": float(dist[kept].mean()),
    }
    Uo, wo = U, w
    if ot_reference is not None and U.shape[0] > int(ot_reference):
        from populace.align.reduce import reduce_reference

        Uo, wo, _ = reduce_reference(U, w, int(ot_reference), problem.seed + 1)
    ot_w, ot_info = batched_weights(
        X[kept],
        Uo,
        wo,
        None,
        reg,
        n_iter,
        batch_size,
        np.inf,
        readout,
        problem.seed,
        problem.stages,
    )
    ot_info["reference_rows"] = int(Uo.shape[0])
    with problem.stages("select"):
        if problem.strata is None:
            sel, counts, zero = select(ot_w, k, rng, problem.duplicates, "sample")
        else:
            sel, counts, zero = _select_by_cell(
                ot_w, problem.strata[0][kept], problem.strata[1], problem.strata[2], k, rng, problem
            )
    pool_w = np.zeros(n)
    pool_w[kept] = ot_w
    problem.diagnostics.update(
        importance_sampling=is_diag,
        ot=ot_info,
        sizes={"kept_after_is": int(kept.size)},
        zero_weight_selected=zero,
    )
    return kept[sel], counts, pool_w
