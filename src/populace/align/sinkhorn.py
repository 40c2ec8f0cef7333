"""Entropic optimal transport in the log domain (balanced and semi-relaxed).

Problem, for personas ``x_i`` (marginal ``a``) and humans ``y_j`` (marginal ``b``):

    min_P  <C, P> + eps KL(P | a b^T) + rho KL(P 1 | a)   s.t.  P^T 1 = b

with ``C_ij = ||x_i - y_j||^2`` (item weights are already in the columns).
``rho = inf`` is the balanced problem (both marginals fixed: the paper);
finite ``rho`` relaxes the persona side (semi-relaxed, KL penalty); ``rho = 0``
frees it entirely, and the solution is then the column-normalised Gibbs kernel
``P_ij = b_j a_i K_ij / sum_k a_k K_kj`` with ``K = exp(-C / eps)``.

The plan is ``P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps)``.  Updates (the
persona update scaled by ``rho / (rho + eps)``, Chizat et al. 2018):

    f_i <- -rho/(rho+eps) * eps * LSE_j(log b_j + (g_j - C_ij) / eps)
    g_j <- -eps * LSE_i(log a_i + (f_i - C_ij) / eps)

Every log-sum-exp subtracts its maximum, and the fast scaling sweeps run on
an absorbed kernel (see ``sinkhorn_log``), so any ``eps > 0`` stays finite
(no NaN or inf); tiny ``eps`` just approaches unregularised OT.  Memory is the
dense ``n x m`` cost block, so callers batch personas (paper: 10,000 per batch)
and cap the reference (see ``reduce.py``).
"""

from __future__ import annotations

import numpy as np


def sq_cost(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """``C_ij = ||x_i - y_j||^2`` (clipped at 0)."""
    C = np.einsum("ij,ij->i", X, X)[:, None] + np.einsum("ij,ij->i", Y, Y)[None, :]
    C -= 2.0 * (X @ Y.T)
    np.maximum(C, 0.0, out=C)
    return C


def _lse(A: np.ndarray, axis: int) -> np.ndarray:
    m = A.max(axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    s = np.exp(A - m).sum(axis=axis, keepdims=True)
    with np.errstate(divide="ignore"):
        return (np.log(s) + m).squeeze(axis)


def _logs(a: np.ndarray, b: np.ndarray):
    with np.errstate(divide="ignore"):
        return np.log(a / a.sum()), np.log(b / b.sum())


def _log_update(S, f, g, loga, logb, eps, scale):
    """One exact log-domain sweep (f then g)."""
    if scale > 0:
        f = -scale * eps * _lse(S + (logb + g / eps)[None, :], axis=1)
    else:
        f = np.zeros_like(f)
    g = -eps * _lse(S + (loga + f / eps)[:, None], axis=0)
    return f, g


def sinkhorn_log(
    C: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    eps: float,
    n_iter: int = 250,
    rho: float = np.inf,
    absorb_at: float = 1e30,
):
    """Potentials ``(f, g)`` after ``n_iter`` sweeps, and info.

    Log-domain with absorption (Schmitzer 2019): the potentials live in the
    log domain; between absorptions the sweeps are scaling updates
    ``u = (1 / (K~ (b v)))^{rho/(rho+eps)}``, ``v = 1 / (K~^T (a u))`` on the
    absorbed kernel ``K~ = exp((f + g - C) / eps)``, whose entries stay <= ~1.
    When a scaling leaves ``[1/absorb_at, absorb_at]`` or is not finite, it is
    absorbed into the potentials (``f += eps log u``), ``K~`` is rebuilt and the
    sweep is redone exactly in the log domain, so no regularisation gives NaN
    or inf (tiny ``eps`` just absorbs every sweep: pure log-domain cost).

    Parameters
    ----------
    C : array of shape (n, m)
        Cost matrix.
    a, b : array of shape (n,) and (m,)
        Marginals (non-negative, normalised here).
    eps : float
        Entropic regularisation.
    n_iter : int, default 250
    rho : float, default inf
        KL relaxation of the ``a`` marginal (inf: balanced; 0: free).
    absorb_at : float, default 1e30

    Returns
    -------
    f, g : arrays of shape (n,) and (m,)
        Dual potentials; the plan is ``P = a b^T exp((f + g - C) / eps)``.
    info : dict
        Iterations, eps, rho and the number of absorptions.

    References
    ----------
    Cuturi, M. (2013). Sinkhorn distances: lightspeed computation of optimal
    transport. *NeurIPS*.
    Schmitzer, B. (2019). Stabilized sparse scaling algorithms for entropy
    regularized transport problems. *SIAM J. Sci. Comput.* 41(3).
    Chizat, L., Peyré, G., Schmitzer, B. & Vialard, F.-X. (2018). Scaling
    algorithms for unbalanced optimal transport problems. *Math. Comp.* 87.
    """
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive number; got {eps}")
    loga, logb = _logs(a, b)
    a_, b_ = np.exp(loga), np.exp(logb)
    S = -C / eps
    scale = 1.0 if not np.isfinite(rho) else rho / (rho + eps)
    f, g = _log_update(S, np.zeros(C.shape[0]), np.zeros(C.shape[1]), loga, logb, eps, scale)
    Kt = np.exp(S + (f / eps)[:, None] + (g / eps)[None, :])
    u = np.ones(C.shape[0])
    v = np.ones(C.shape[1])
    absorbed = 0
    lo = 1.0 / absorb_at
    for _ in range(int(n_iter) - 1):
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            u_new = (1.0 / (Kt @ (b_ * v))) ** scale if scale > 0 else np.ones_like(u)
            v_new = 1.0 / (Kt.T @ (a_ * u_new))
        ok = (
            np.isfinite(u_new).all()
            and np.isfinite(v_new).all()
            and u_new.min() > lo
            and u_new.max() < absorb_at
            and v_new.min() > lo
            and v_new.max() < absorb_at
        )
        if ok:
            u, v = u_new, v_new
            continue
        # absorb what we have, redo this sweep exactly in the log domain
        f = f + eps * np.log(u)
        g = g + eps * np.log(v)
        f, g = _log_update(S, f, g, loga, logb, eps, scale)
        Kt = np.exp(S + (f / eps)[:, None] + (g / eps)[None, :])
        u[:] = 1.0
        v[:] = 1.0
        absorbed += 1
    f = f + eps * np.log(u)
    g = g + eps * np.log(v)
    return (
        f,
        g,
        {"iterations": int(n_iter), "eps": float(eps), "rho": float(rho), "absorptions": absorbed},
    )


def log_plan_row(C, f, g, a, b, eps, rows: slice) -> np.ndarray:
    loga, logb = _logs(a, b)
    return loga[rows, None] + logb[None, :] + (f[rows, None] + g[None, :] - C[rows]) / eps


def readouts(C, f, g, a, b, eps):
    """Row sums of the plan, and hard matching mass (each human's mass to its
    highest-plan persona); both length ``n``."""
    logP = log_plan_row(C, f, g, a, b, eps, slice(None))
    row_sums = np.exp(_lse(logP, axis=1))
    best = logP.argmax(axis=0)
    match = np.bincount(best, weights=b / b.sum(), minlength=C.shape[0])
    return row_sums, match


def gibbs_weights(C, a, b, eps) -> np.ndarray:
    """Soft assignment by the Gibbs kernel alone: each human's mass ``b_j`` split
    over personas in proportion to ``a_i exp(-C_ij / eps)`` (= ``rho = 0``)."""
    loga, logb = _logs(a, b)
    L = loga[:, None] - C / eps
    L -= _lse(L, axis=0)[None, :]
    return np.exp(_lse(L + logb[None, :], axis=1))


def median_cost(X: np.ndarray, Y: np.ndarray, seed=0, rows: int = 2000) -> float:
    """Median of ``C_ij`` over a seeded subsample (the regularisation unit)."""
    rng = np.random.default_rng([int(seed), 0xC057])
    xi = rng.choice(X.shape[0], size=min(rows, X.shape[0]), replace=False)
    yj = rng.choice(Y.shape[0], size=min(rows, Y.shape[0]), replace=False)
    med = float(np.median(sq_cost(X[xi], Y[yj])))
    return med if med > 0 else 1.0
