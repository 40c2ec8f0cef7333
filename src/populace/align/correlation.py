"""Correlation matching for selections: running sums, exact error, linear swap scores.

The error of a multiset S of K rows against target correlations ``R*`` is

    f(S) = mean over pairs a < b of (R_ab(S) - R*_ab)^2,

``R(S)`` the Pearson correlation matrix of S (rows with multiplicity).
:class:`CorrelationTracker` keeps ``S1 = sum x`` and ``S2 = sum x x^T`` so
that the exact error after swapping one row for another costs O(d^2), and
gives, for every candidate row at once, the first-order change of ``f``
when that row enters S:

    df ~ (x - m)^T A (x - m) / K,
    A = E / (s s^T) - diag_a( sum_b E_ab R_ab / C_aa ),   E = 2 (R - R*) / P,

(``m``, ``C``, ``s`` the mean, covariance and standard deviations of S, P the
number of pairs; the constant part cancels in a swap).  That is one
``(n, d) @ (d, d)`` product over the pool, O(n d^2).  Columns where the
target or the selection has no variance are left out of the pairs.

Used by ``herding``'s swap passes (``corr_weight``): a swap is proposed by
MMD^2 change + lambda x this linear score and accepted only if the exact
joint objective drops.
"""

from __future__ import annotations

import numpy as np

_TINY = 1e-12


class CorrelationTracker:
    """Running first and second moment sums of a multiset of rows of ``X``."""

    def __init__(self, X: np.ndarray, picks: np.ndarray, target: np.ndarray, valid: np.ndarray):
        self.center = X.mean(axis=0)
        self.X = X - self.center  # correlations are shift-invariant
        self.target = target
        self.pairs = np.triu(np.outer(valid, valid), 1)
        self.n_pairs = max(1, int(self.pairs.sum()))
        self.reset(picks)

    def reset(self, picks):
        """Recompute the sums from scratch (bounds rounding drift)."""
        P = self.X[np.asarray(picks)]
        self.k = P.shape[0]
        self.s1 = P.sum(axis=0)
        self.s2 = P.T @ P

    def _moments(self, s1, s2):
        m = s1 / self.k
        C = s2 / self.k - np.outer(m, m)
        var = np.maximum(np.diag(C), _TINY)
        sd = np.sqrt(var)
        return m, C, var, C / np.outer(sd, sd)

    def _error(self, R) -> float:
        return float(((R - self.target)[self.pairs] ** 2).sum() / self.n_pairs)

    def error(self) -> float:
        """f(S) for the current sums."""
        return self._error(self._moments(self.s1, self.s2)[3])

    def error_after_swap(self, out: int, into: int) -> float:
        """Exact f after replacing one copy of row ``out`` by row ``into``."""
        xo, xi = self.X[out], self.X[into]
        s2 = self.s2 + np.outer(xi, xi) - np.outer(xo, xo)
        return self._error(self._moments(self.s1 + xi - xo, s2)[3])

    def swap(self, out: int, into: int) -> None:
        xo, xi = self.X[out], self.X[into]
        self.s1 += xi - xo
        self.s2 += np.outer(xi, xi) - np.outer(xo, xo)

    def linear_scores(self) -> np.ndarray:
        """First-order change of f when each row of X enters (up to a constant)."""
        m, _, var, R = self._moments(self.s1, self.s2)
        sd = np.sqrt(var)
        E = np.where(self.pairs | self.pairs.T, 2.0 * (R - self.target), 0.0) / (2 * self.n_pairs)
        A = E / np.outer(sd, sd)
        A[np.diag_indices_from(A)] -= (E * R).sum(axis=1) / var
        Z = self.X - m
        return np.einsum("ij,ij->i", Z @ A, Z) / self.k
