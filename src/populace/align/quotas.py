"""Cell quotas of a joint demographic alignment (``match``; demographics.py).

The K slots are split over the joint cells of the matched categorical and
banded columns (e.g. age band x gender) in the humans' proportions; herding
picks (and swaps) only within cells with a free slot, the paper's aligner
draws its final K cell by cell.  A cell holds at most what the pool can give
(its personas x the repeat cap); the slots it cannot take are moved by
iterative proportional fitting (raking: Deming & Stephan 1940, *Annals of
Mathematical Statistics* 11(4), 427-444) so each column's marginal stays at
the humans' as far as the pool allows.
"""

from __future__ import annotations

import numpy as np

from populace.errors import PopulaceError


def quotas(share: np.ndarray, k: int, capacity: np.ndarray, groups=None):
    """Slots per cell: ``k x share``, no cell above its ``capacity`` (what the pool
    can give).  Slots a full cell cannot take are moved by iterative proportional
    fitting (raking; Deming & Stephan 1940, Ann. Math. Stat. 11(4)) over
    ``groups`` (one array per matched column: that column's category of each
    cell), so each column's marginal stays at the humans' where
    the pool allows; what is left goes to the cells with room in proportion to
    their shares.  Rounded by largest remainder.  Returns (quota array, number
    of slots moved away from ``round(k x share)``)."""
    share = np.asarray(share, dtype=float)
    cap = np.asarray(capacity, dtype=float)
    if np.minimum(cap, k).sum() < k:
        raise PopulaceError(
            f"the personas in the humans' demographic cells can fill only "
            f"{int(np.minimum(cap, k).sum())} of the {k} slots; lower -n, "
            "allow more repeats or match fewer columns"
        )
    q = np.minimum(share * k, cap)
    for _ in range(200 if groups else 0):
        before = q.copy()
        for g in groups:
            g = np.asarray(g)
            target = np.bincount(g, share, minlength=g.max() + 1) * k
            cur = np.bincount(g, q, minlength=g.max() + 1)
            q = np.minimum(q * np.where(cur > 0, target / np.maximum(cur, 1e-300), 1.0)[g], cap)
        if np.abs(q - before).max() < 1e-6:
            break
    for _ in range(share.size + 1):  # the total back to k
        left = k - q.sum()
        room = cap - q
        s = np.where(room > 1e-9, np.maximum(share, 1e-12), 0.0)
        if left <= 1e-9 or s.sum() <= 0:
            break
        q = np.minimum(q + left * s / s.sum(), cap)
    base = np.floor(q + 1e-9).astype(np.int64)
    rest = int(k - base.sum())
    for i in np.argsort(-(q - base), kind="stable"):
        if rest <= 0:
            break
        if base[i] < cap[i]:
            base[i] += 1
            rest -= 1
    for i in np.argsort(-share, kind="stable"):  # rounding left a slot: any room
        while rest > 0 and base[i] < cap[i]:
            base[i] += 1
            rest -= 1
    moved = int(np.abs(base - np.round(share * k)).sum() // 2)
    return base, moved


def quota_table(d, quota, capacity, indices, counts) -> list[dict]:
    """One row per demographic cell of ``d`` (a demographics.Demographics): human share,
    quota, pool capacity, selected."""
    sel = np.zeros(len(d.cell_names))
    cells = d.pool_cells[np.asarray(indices)]
    ok = cells >= 0
    np.add.at(sel, cells[ok], np.asarray(counts)[ok])
    return [
        {
            "cell": c,
            "human_share": float(d.cell_share[i]),
            "quota": int(quota[i]),
            "capacity": float(capacity[i]),
            "selected": int(sel[i]),
        }
        for i, c in enumerate(d.cell_names)
    ]
