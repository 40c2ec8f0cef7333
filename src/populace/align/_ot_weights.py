"""Per-persona OT weights over persona batches (shared by ``paper`` and ``semi_ot``)."""

from __future__ import annotations

import numpy as np

from populace.align import sinkhorn as S
from populace.align.diagnostics import spread


def batched_weights(X, U, w, a, reg, n_iter, batch_size, rho, readout, seed, stages):
    """Weights for every row of ``X``: each batch of ``batch_size`` personas is
    transported against the whole (reduced) reference ``U`` (mass ``w``);
    a batch's weights are scaled by its share of the persona mass so batches
    are comparable.  Returns (weights, info)."""
    n = X.shape[0]
    a = np.full(n, 1.0 / n) if a is None else a / a.sum()
    med = S.median_cost(X, U, seed)
    eps = float(reg) * med
    out = np.zeros(n)
    info = {
        "median_cost": med,
        "eps": eps,
        "reg_factor": float(reg),
        "batches": 0,
        "batch_size": int(batch_size),
        "iterations": int(n_iter),
        "readout": readout,
        "rho": float(rho),
    }
    for b0 in range(0, n, int(batch_size)):
        b1 = min(n, b0 + int(batch_size))
        ab = a[b0:b1]
        with stages("ot_cost"):
            C = S.sq_cost(X[b0:b1], U)
        with stages("ot_sinkhorn"):
            if readout == "gibbs" or (rho == 0 and readout == "rowsum"):
                wb = S.gibbs_weights(C, ab, w, eps)
            else:
                f, g, _ = S.sinkhorn_log(C, ab, w, eps, n_iter, rho)
                rows, match = S.readouts(C, f, g, ab, w, eps)
                wb = rows if readout == "rowsum" else match
        out[b0:b1] = wb * ab.sum()
        info["batches"] += 1
        del C
    info["weights"] = spread(out)
    return out, info
