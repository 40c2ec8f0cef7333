"""``semi_ot``: OT with the human marginal fixed and the persona marginal free.

Each human's mass spreads over nearby personas, so a persona's weight is how
much human mass it stands for (the fix design.md sec. 5 asks for).  ``rho``
is the KL penalty on the persona marginal: 0 = free (closed form: the
column-normalised Gibbs kernel, no iterations), ``inf`` = the balanced
problem (constant row sums again).  Importance sampling (``use_is``) is
optional: its KDE weights become the persona-side prior ``a``.  Then K
personas are drawn by weight (with duplicates when asked: the prototype
drew with replacement).
"""

from __future__ import annotations

import numpy as np

from populace.align import kde
from populace.align._ot_weights import batched_weights
from populace.align.diagnostics import log_spread
from populace.align.result import Problem
from populace.align.select import check_k, select
from populace.errors import PopulaceError


def align_semi_ot(
    problem: Problem,
    rho=0.0,
    reg=0.05,
    n_iter=250,
    batch_size=10_000,
    max_reference=5_000,
    use_is=False,
    bandwidth=0.20,
):
    X = problem.X
    n = X.shape[0]
    k = check_k(problem.k, n, problem.duplicates)
    if not (float(rho) >= 0):
        raise PopulaceError(f"rho must be >= 0 (0 = free persona marginal); got {rho}")
    if not (np.isfinite(float(reg)) and float(reg) > 0):
        raise PopulaceError(f"reg must be a positive factor of the median cost; got {reg}")
    U, w = problem.reference(max_reference)
    a = None
    if use_is:
        with problem.stages("kde"):
            h = kde.scott_bandwidth(U, w) if bandwidth == "scott" else float(bandwidth)
            logw = kde.log_ratio(X, U, h, w)
            a = np.exp(logw - logw.max())
        problem.diagnostics["importance_sampling"] = {**log_spread(logw), "bandwidth": h}
    weights, info = batched_weights(
        X, U, w, a, reg, n_iter, batch_size, float(rho), "rowsum", problem.seed, problem.stages
    )
    with problem.stages("select"):
        sel, counts, zero = select(weights, k, problem.generator(3), problem.duplicates, "sample")
    problem.diagnostics.update(ot=info, zero_weight_selected=zero)
    return sel, counts, weights
