"""Final selection of K personas from per-persona weights.

``duplicates=False``: K distinct personas, drawn **by weight without
replacement** (Efraimidis-Spirakis / Gumbel-top-k on the log-weights, seeded;
``mode="top"`` keeps the K largest weights instead).  Personas with zero
weight come last, in random order, and are used only when fewer than K
personas have positive weight (the diagnostics count them).

``duplicates=True``: K i.i.d. draws by weight; a persona drawn c times gets
count c (its output weight is c / K).
"""

from __future__ import annotations

import numpy as np

from populace.errors import PopulaceError


def check_k(k: int, n: int, duplicates: bool) -> int:
    k = int(k)
    if k < 1:
        raise PopulaceError(f"n (the number of personas to select) must be at least 1; got {k}")
    if not duplicates and k > n:
        raise PopulaceError(
            f"cannot select {k} distinct personas from a pool of {n}; "
            "lower -n or allow duplicates (--duplicates)"
        )
    return k


def log_weights(w: np.ndarray) -> np.ndarray:
    w = np.asarray(w, dtype=np.float64)
    if not np.isfinite(w).all() or (w < 0).any():
        raise PopulaceError("alignment weights must be finite and non-negative")
    with np.errstate(divide="ignore"):
        return np.log(w)


def select(
    w: np.ndarray,
    k: int,
    rng: np.random.Generator,
    duplicates: bool = False,
    mode: str = "sample",
    logw: np.ndarray | None = None,
):
    """(indices, counts, n_zero_weight_used) for weights ``w`` (or log-weights ``logw``)."""
    lw = log_weights(w) if logw is None else np.asarray(logw, dtype=np.float64)
    n = lw.shape[0]
    k = check_k(k, n, duplicates)
    pos = np.isfinite(lw)
    if not pos.any():
        raise PopulaceError("every persona has zero alignment weight; nothing to select")
    if duplicates:
        p = np.exp(lw - lw[pos].max())
        p[~pos] = 0.0
        draw = rng.choice(n, size=k, replace=True, p=p / p.sum())
        idx, counts = np.unique(draw, return_counts=True)
        return idx, counts.astype(np.int64), 0
    if mode == "top":
        keys = np.where(pos, lw, -np.inf)
        order = np.lexsort((np.arange(n), -keys))  # largest first, ties by position
    elif mode == "sample":
        keys = np.where(pos, lw + rng.gumbel(size=n), -np.inf)
        order = np.lexsort((rng.permutation(n), -keys))
    else:
        raise PopulaceError(f"unknown selection mode {mode!r}; use sample or top")
    idx = np.sort(order[:k])
    zero_used = int((~pos[idx]).sum())
    return idx, np.ones(idx.size, dtype=np.int64), zero_used
