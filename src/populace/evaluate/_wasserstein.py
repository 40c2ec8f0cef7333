"""Exact weighted 1-D Wasserstein-1 distances, batched (private to metrics).

``w1_rows(U, V, WU, WV)`` treats row ``r`` of ``U`` (shape ``(k, n)``) and
row ``r`` of ``V`` (shape ``(k, m)``) as two 1-D samples and returns the
Wasserstein-1 distance between them for every row and for every replicate
weight vector in ``WU`` / ``WV`` (shape ``(R, n)`` / ``(R, m)``; ``None`` =
uniform).  The distance is the CDF-difference integral

    W1 = sum_i |F_u(z_i) - F_v(z_i)| (z_{i+1} - z_i)

over the sorted pooled values ``z``, i.e. exactly what
``scipy.stats.wasserstein_distance`` computes.  Each side is sorted once
(``np.sort`` when unweighted, ``np.argsort`` when weighted), the two sorted
runs are merged with a stable argsort (a linear merge) and the signed weights
(+w_u, -w_v) are accumulated in pooled order.  Ties need no care: tied values
have zero gap, so the order inside a tie group does not matter.  Because the
pooled order does not depend on the weights, all ``R`` replicate weightings
are evaluated against a single sort -- this is what makes the bootstrap cheap.
Against a large uniformly weighted side (the usual 1,000,000-row reference)
the merge is skipped altogether: see ``_w1_against_uniform``.

All temporaries are bounded by ``BUDGET_BYTES`` by processing rows (and
replicates) in chunks.
"""

from __future__ import annotations

import numpy as np

BUDGET_BYTES = 200 * 2**20  # rough cap on the bytes of one block of temporaries
QUANTILE_MIN_ROWS = 10_000  # below this the merge path is as fast and exact in integers


def _sorted_side(A: np.ndarray, weighted: bool):
    """Sort each row of ``A``; for a weighted side also return the permutation."""
    if not weighted:
        return np.sort(A, axis=1), None
    order = np.argsort(A, axis=1)
    return np.take_along_axis(A, order, axis=1), order


def _pooled(U: np.ndarray, V: np.ndarray, u_weighted: bool, v_weighted: bool):
    """Sorted pooled values and, per pooled slot, its index into ``[u-row | v-row]``.

    For an unweighted side the index is the position within the sorted side,
    which is as good as the original index because all its weights are equal.
    """
    k, n = U.shape
    m = V.shape[1]
    Us, ou = _sorted_side(U, u_weighted)
    Vs, ov = _sorted_side(V, v_weighted)
    Z = np.concatenate([Us, Vs], axis=1)
    del Us, Vs
    merge = np.argsort(Z, axis=1, kind="stable")  # two sorted runs -> linear merge
    Zs = np.take_along_axis(Z, merge, axis=1)
    del Z
    if ou is None and ov is None:
        return Zs, merge
    left = ou if ou is not None else np.broadcast_to(np.arange(n), (k, n))
    right = (ov if ov is not None else np.broadcast_to(np.arange(m), (k, m))) + n
    src = np.take_along_axis(np.concatenate([left, right], axis=1), merge, axis=1)
    return Zs, src


def _signed_weights(WU, WV, n: int, m: int) -> np.ndarray:
    """(R, n + m) matrix [w_u | -w_v] with every weight row normalised to sum 1."""
    R = WU.shape[0] if WU is not None else WV.shape[0]
    if WU is None:
        a = np.full((R, n), 1.0 / n)
    else:
        a = WU / WU.sum(axis=1, keepdims=True)
    if WV is None:
        b = np.full((R, m), 1.0 / m)
    else:
        b = WV / WV.sum(axis=1, keepdims=True)
    return np.concatenate([a, -b], axis=1)


def _w1_against_uniform(Us: np.ndarray, A, Vs: np.ndarray) -> np.ndarray:
    """Row-wise W1 between sorted ``Us`` (weights ``A`` sorted alike, or uniform)
    and sorted, uniformly weighted ``Vs``, without merging the two sides.

    Quantile form: ``W1 = sum_i int_{c_{i-1}}^{c_i} |u_i - Q_v(q)| dq`` where
    ``c`` are the cumulative weights of u.  ``Q_v(q) <= u_i`` exactly for
    ``q <= F_v(u_i)``, so each interval splits at ``s_i = clip(F_v(u_i))`` and
    needs only ``G(t) = int_0^t Q_v``, whose increments between the ``2n + 1``
    breakpoints are segment sums of ``v`` (``np.add.reduceat``: no long prefix
    sums, so no cancellation).  Cost after sorting: ``O(m + n log m)`` per row.
    """
    k, n = Us.shape
    m = Vs.shape[1]
    out = np.empty(k)
    c_uniform = np.arange(n + 1) / n
    T = np.empty(2 * n + 1)
    for r in range(k):
        u, v = Us[r], Vs[r]
        if A is None:
            c = c_uniform
        else:
            cs = np.cumsum(A[r])
            c = np.concatenate(([0.0], cs / cs[-1]))
        s = np.clip(np.searchsorted(v, u, side="right") / m, c[:-1], c[1:])
        T[0::2] = c
        T[1::2] = s
        x = T * m
        f = np.minimum(x.astype(np.int64), m - 1)
        frac = x - f
        seg = np.add.reduceat(v, f)[:-1]
        seg[f[1:] == f[:-1]] = 0.0
        vf = v[f]
        dG = (seg + frac[1:] * vf[1:] - frac[:-1] * vf[:-1]) / m
        lower = u * (s - c[:-1]) - dG[0::2]
        upper = dG[1::2] - u * (c[1:] - s)
        out[r] = lower.sum() + upper.sum()
    return out


def w1_rows(U: np.ndarray, V: np.ndarray, WU=None, WV=None, method: str = "auto") -> np.ndarray:
    """Row-wise exact W1 distances; returns an array of shape ``(R, k)``.

    ``U`` is ``(k, n)``, ``V`` is ``(k, m)``; ``WU`` is ``None`` or
    ``(R, n)`` non-negative weights (rows need not sum to 1), ``WV`` likewise.
    ``method``: ``"merge"`` sorts the pooled sample (with both sides uniform
    the cumulative sums are exact integers, so identical samples give exactly
    0); ``"quantile"`` (only for R = 1 with a uniform side) avoids the merge
    (see ``_w1_against_uniform``); ``"auto"`` picks quantile when allowed and
    ``n + m >= QUANTILE_MIN_ROWS``.
    """
    k, n = U.shape
    m = V.shape[1]
    N = n + m
    if WU is not None and WU.ndim == 1:
        WU = WU[None, :]
    if WV is not None and WV.ndim == 1:
        WV = WV[None, :]
    quantile_ok = (WU is None or WV is None) and max(
        1 if W is None else W.shape[0] for W in (WU, WV)
    ) == 1
    if method == "quantile" and not quantile_ok:
        raise ValueError("the quantile method needs one uniform side and a single weighting")
    if method == "quantile" or (method == "auto" and quantile_ok and N >= QUANTILE_MIN_ROWS):
        if WV is not None or (WU is None and n > m):
            U, V, WU, WV, n, m = V, U, WV, WU, m, n  # W1 is symmetric; V = uniform side
        out = np.empty((1, k))
        rows = max(1, BUDGET_BYTES // (8 * N * 3))
        for r0 in range(0, k, rows):
            r1 = min(k, r0 + rows)
            Vs = np.sort(V[r0:r1], axis=1)
            if WU is None:
                Us, A = np.sort(U[r0:r1], axis=1), None
            else:
                order = np.argsort(U[r0:r1], axis=1)
                Us, A = np.take_along_axis(U[r0:r1], order, axis=1), WU[0][order]
            out[0, r0:r1] = _w1_against_uniform(Us, A, Vs)
        return out
    uniform = WU is None and WV is None
    if uniform:
        signed = np.concatenate([np.full(n, m, np.int64), np.full(m, -n, np.int64)])
        R = 1
    else:
        signed_t = np.ascontiguousarray(_signed_weights(WU, WV, n, m).T)  # (N, R)
        R = signed_t.shape[1]
    out = np.empty((R, k))
    rows = max(1, BUDGET_BYTES // (8 * N * 8))
    for r0 in range(0, k, rows):
        r1 = min(k, r0 + rows)
        Zs, src = _pooled(U[r0:r1], V[r0:r1], WU is not None, WV is not None)
        dZ = np.diff(Zs, axis=1)
        del Zs
        if uniform:
            C = np.cumsum(signed[src], axis=1)
            np.abs(C, out=C)
            out[0, r0:r1] = np.einsum("kn,kn->k", C[:, :-1].astype(np.float64), dZ) / (n * m)
            continue
        rep = max(1, BUDGET_BYTES // (8 * N * 2))
        for j in range(r1 - r0):  # (N, R) layout: contiguous gathers and cumsums
            for q0 in range(0, R, rep):
                q1 = min(R, q0 + rep)
                C = np.take(signed_t if R <= rep else signed_t[:, q0:q1], src[j], axis=0)
                np.cumsum(C, axis=0, out=C)
                np.abs(C, out=C)
                out[q0:q1, r0 + j] = dZ[j] @ C[:-1]
    return out


def amw_values(X: np.ndarray, Y: np.ndarray, WX=None, WY=None) -> np.ndarray:
    """Average over columns of the per-column W1; shape ``(R,)``."""
    n, d = X.shape
    m = Y.shape[0]
    step = max(1, BUDGET_BYTES // (8 * (n + m)))
    total = 0.0
    for c0 in range(0, d, step):
        c1 = min(d, c0 + step)
        U = np.ascontiguousarray(X[:, c0:c1].T)
        V = np.ascontiguousarray(Y[:, c0:c1].T)
        total = total + w1_rows(U, V, WX, WY).sum(axis=1)
    return np.asarray(total / d, dtype=np.float64)


def directions(d: int, n_projections: int, seed) -> np.ndarray:
    """``(d, n_projections)`` unit vectors, uniform on the sphere (POT's layout)."""
    P = np.random.default_rng(seed).standard_normal((d, n_projections))
    return P / np.linalg.norm(P, axis=0, keepdims=True)


def sw_values(X: np.ndarray, Y: np.ndarray, P: np.ndarray, WX=None, WY=None) -> np.ndarray:
    """Mean over the columns of ``P`` of the W1 of the projected samples; ``(R,)``.

    Projections are formed ``step`` directions at a time so that the projected
    reference never takes more than ``BUDGET_BYTES``.
    """
    n = X.shape[0]
    m = Y.shape[0]
    k = P.shape[1]
    step = max(1, BUDGET_BYTES // (8 * (n + m)))
    total = 0.0
    for c0 in range(0, k, step):
        Pc = P[:, c0 : c0 + step]
        U = Pc.T @ X.T  # (step, n), C-contiguous: rows are the projected samples
        V = Pc.T @ Y.T
        total = total + w1_rows(U, V, WX, WY).sum(axis=1)
        del U, V
    return np.asarray(total / k, dtype=np.float64)
