"""Distribution comparison of persona sets with human reference data.

:func:`compare` (two ResponseTables -> metrics, noise floor, intervals) is the
entry point; :mod:`populace.evaluate.metrics` holds the metrics on arrays
(AMW, Frechet distance, sliced Wasserstein, MMD, correlation MAE), the noise
floor and bootstrap intervals; :func:`paired_bootstrap` compares two sets
drawn from one pool; :mod:`populace.evaluate.marginals` compares option
distributions item by item.  See docs/metrics.md.
"""

from populace.evaluate.compare import METRIC_NAMES, Comparison, compare
from populace.evaluate.metrics import (
    METRICS,
    amw,
    bootstrap_ci,
    compute_all,
    corr_mae,
    effective_sample_size,
    fd,
    mmd,
    noise_floor,
    sw,
)
from populace.evaluate.paired import paired_bootstrap

__all__ = [
    "compare",
    "Comparison",
    "METRIC_NAMES",
    "METRICS",
    "amw",
    "fd",
    "sw",
    "mmd",
    "corr_mae",
    "compute_all",
    "effective_sample_size",
    "noise_floor",
    "bootstrap_ci",
    "paired_bootstrap",
]
