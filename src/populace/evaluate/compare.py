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

from populace.errors import DataError, PopulaceError
from populace.evaluate import metrics as M
from populace.reference.table import ResponseTable

METRIC_NAMES = ("amw", "fd", "sw", "mmd", "corr_mae")


@dataclass
class Comparison:
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


def _matrices(table: ResponseTable, space: str) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    x, w, cols = table.matrix(space)
    if len(x) == 0:
        raise DataError(f"no complete rows in {space} space", path=table.source)
    usable = len(x) if w is None else int((np.asarray(w) > 0).sum())
    if usable < 2:
        raise DataError(f"{usable} row(s) with every answer present"
                        f"{'' if w is None else ' and a positive weight'}; comparing "
                        "distributions needs at least 2", path=table.source)
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
    """Metrics of ``synthetic`` against ``reference`` with noise floor and CIs."""
    if synthetic.instrument.id != reference.instrument.id:
        raise PopulaceError(
            f"synthetic answers are for {synthetic.instrument.id} but the reference is "
            f"for {reference.instrument.id}")
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
            ci.update(M.bootstrap_ci(gx, gy, gwx, gwy, metrics=names, n_boot=n_boot,
                                     alpha=alpha, seed=seed))
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
