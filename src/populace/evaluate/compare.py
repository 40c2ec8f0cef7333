"""Compare a synthetic response table with a human reference.

``compare`` computes every distribution metric (``populace.evaluate.metrics``)
in trait or item space, the human noise floor at the synthetic set's
effective size, and (optionally) bootstrap confidence intervals.

corrMAE needs at least two dimensions: on a one-trait instrument (CFCS, Grit)
it is computed over item pairs, as design.md section 5 defines it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from populace.errors import DataError, PopulaceError
from populace.evaluate import metrics as M
from populace.reference.table import ResponseTable

METRIC_NAMES = ("amw", "fd", "sw", "mmd", "corr_mae")


@dataclass(repr=False)
class Comparison:
    """What :func:`compare` returns: each metric, the human noise floor at the
    synthetic set's effective size, and bootstrap intervals (``ci``, None
    without a bootstrap).  :meth:`to_frame` gives them as one table."""

    space: str
    columns: list[str]
    metrics: dict[str, float]
    noise_floor: dict[str, float]
    noise_floor_sd: dict[str, float]
    ci: dict[str, dict] | None
    n_synthetic: int
    n_synthetic_effective: float
    n_reference: int
    noise_floor_n: int

    def to_dict(self) -> dict:
        out = {
            "metrics": self.metrics,
            "noise_floor": self.noise_floor,
            "noise_floor_sd": self.noise_floor_sd,
            "n_synthetic": self.n_synthetic,
            "n_synthetic_effective": self.n_synthetic_effective,
            "n_reference": self.n_reference,
            "noise_floor_n": self.noise_floor_n,
            "space": self.space,
            "columns": self.columns,
        }
        if self.ci is not None:
            out["ci"] = self.ci
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per metric: ``value``, ``noise_floor``, ``noise_floor_sd``,
        ``ratio`` (value / noise floor: 1 is as close as a real sample of
        people of the same size; NaN where the floor is not positive, as the
        unbiased MMD's can be) and, with a bootstrap, ``ci_low`` and
        ``ci_high`` (bias-corrected percentile interval)."""
        rows = []
        for m, v in self.metrics.items():
            floor = self.noise_floor.get(m)
            row = {
                "metric": m,
                "value": v,
                "noise_floor": floor,
                "noise_floor_sd": self.noise_floor_sd.get(m),
                "ratio": v / floor if floor and floor > 0 else float("nan"),
            }
            if self.ci is not None:
                row["ci_low"] = self.ci.get(m, {}).get("low")
                row["ci_high"] = self.ci.get(m, {}).get("high")
            rows.append(row)
        return pd.DataFrame(rows).set_index("metric")

    def __repr__(self) -> str:
        head = (
            f"<Comparison in {self.space} space: {self.n_synthetic:,} synthetic rows "
            f"(effective {self.n_synthetic_effective:,.1f}) vs {self.n_reference:,} "
            f"reference rows; noise floor at n = {self.noise_floor_n:,}>"
        )
        return head + "\n" + self.to_frame().to_string(float_format=lambda x: f"{x:.4g}")


def _matrices(table: ResponseTable, space: str) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    x, w, cols = table.matrix(space)
    if len(x) == 0:
        raise DataError(f"no complete rows in {space} space", path=table.source)
    usable = len(x) if w is None else int((np.asarray(w) > 0).sum())
    if usable < 2:
        raise DataError(
            f"{usable} row(s) with every answer present"
            f"{'' if w is None else ' and a positive weight'}; comparing "
            "distributions needs at least 2",
            path=table.source,
        )
    return x, w, cols


def compare(
    synthetic: ResponseTable,
    reference: ResponseTable,
    *,
    space: str = "traits",
    noise_repeats: int = 10,
    n_boot: int = 0,
    alpha: float = 0.05,
    seed: int = 0,
) -> Comparison:
    """Distances between a synthetic answer table and human answers, with the noise floor.

    Computes every metric of :mod:`populace.evaluate.metrics`: the average
    marginal Wasserstein distance (AMW), the Fréchet distance between fitted
    Gaussians (Dowson & Landau 1982; the form FID uses), the sliced
    Wasserstein distance (Bonneel et al. 2015), the unbiased squared MMD with
    a Gaussian kernel (Gretton et al. 2012) and the mean absolute difference
    of correlations (corrMAE).  The noise floor is each metric between two
    disjoint samples of humans of the synthetic set's Kish effective size: a
    set at the floor is as close as a real sample of people.

    Parameters
    ----------
    synthetic : ResponseTable
        Persona answers (its weights, e.g. alignment counts, are honoured).
    reference : ResponseTable
        Human answers to the same instrument (e.g. the held-out half).
    space : {"traits", "items"}, default "traits"
        Trait scores, or item answers (unkeyed instruments always use items).
    noise_repeats : int, default 10
        Pairs of human samples averaged for the noise floor.
    n_boot : int, default 0
        Bootstrap replicates for confidence intervals; 0 computes none.
    alpha : float, default 0.05
        1 - coverage of the intervals.
    seed : int, default 0

    Returns
    -------
    Comparison
        ``metrics``, ``noise_floor`` (and its SD), ``ci`` (bias-corrected
        percentile intervals, or None) and the sizes; ``to_frame()`` gives one
        row per metric with ``value``, ``noise_floor``, ``ratio``, ``ci_low``,
        ``ci_high``.

    References
    ----------
    Dowson, D. C. & Landau, B. V. (1982). The Fréchet distance between
    multivariate normal distributions. *J. Multivariate Analysis* 12, 450-455.
    Bonneel, N., Rabin, J., Peyré, G. & Pfister, H. (2015). Sliced and Radon
    Wasserstein barycenters of measures. *J. Math. Imaging and Vision* 51, 22-45.
    Gretton, A. et al. (2012). A kernel two-sample test. *JMLR* 13, 723-773.
    Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*.
    Kish, L. (1965). *Survey Sampling* (effective sample size).
    """
    if synthetic.instrument.id != reference.instrument.id:
        raise PopulaceError(
            f"synthetic answers are for {synthetic.instrument.id} but the reference is "
            f"for {reference.instrument.id}"
        )
    space = reference.effective_space(space)
    if int(n_boot) < 0:
        raise PopulaceError(f"the number of bootstrap replicates must be >= 0; got {n_boot}")
    x, wx, cols = _matrices(synthetic, space)
    y, wy, _ = _matrices(reference, space)
    groups = [(x, wx, y, wy, [m for m in METRIC_NAMES if m != "corr_mae" or x.shape[1] >= 2])]
    if x.shape[1] < 2 and len(reference.instrument.items) >= 2:
        # corrMAE over item pairs on a one-trait scale; a one-item survey has none
        xi, wxi, _ = _matrices(synthetic, "items")
        yi, wyi, _ = _matrices(reference, "items")
        groups.append((xi, wxi, yi, wyi, ["corr_mae"]))

    n_eff = float(M.effective_sample_size(wx if wx is not None else np.ones(len(x))))
    n_floor = max(2, int(round(n_eff)))
    values: dict[str, float] = {}
    floor: dict[str, float] = {}
    floor_sd: dict[str, float] = {}
    ci: dict[str, dict] | None = {} if n_boot > 0 else None
    for gx, gwx, gy, gwy, names in groups:
        values.update(M.compute_all(gx, gy, gwx, gwy, metrics=names, seed=seed))
        nf = M.noise_floor(gy, n_floor, gwy, metrics=names, repeats=noise_repeats, seed=seed)
        floor.update(nf["mean"])
        floor_sd.update(nf["sd"])
        n_floor_used = nf["n"]
        if ci is not None:
            ci.update(
                M.bootstrap_ci(
                    gx, gy, gwx, gwy, metrics=names, n_boot=n_boot, alpha=alpha, seed=seed
                )
            )
    order = [m for m in METRIC_NAMES if m in values]
    return Comparison(
        space=space,
        columns=cols,
        metrics={m: values[m] for m in order},
        noise_floor={m: floor[m] for m in order},
        noise_floor_sd={m: floor_sd[m] for m in order},
        ci=None if ci is None else {m: ci[m] for m in order},
        n_synthetic=len(x),
        n_synthetic_effective=n_eff,
        n_reference=len(y),
        noise_floor_n=n_floor_used,
    )
