"""Diagnostics shipped with every alignment: weight spread, ESS, stage times."""

from __future__ import annotations

import os
import time
from contextlib import contextmanager

import numpy as np

from populace.weighted import kish_ess


def spread(w) -> dict:
    """How unequal weights are: min, max, max/min, coefficient of variation, ESS.

    ``relative_range`` is ``(max - min) / mean``: 0 for constant weights, which is
    how the paper's row-sum readout shows up (to Sinkhorn's marginal error,
    about 1e-9 to 1e-5 after 250 iterations); ``constant`` means below 1e-4:
    drawing by such weights is drawing uniformly.
    """
    w = np.asarray(w, dtype=np.float64)
    mean = float(w.mean())
    pos = w[w > 0]
    return {
        "n": int(w.size),
        "min": float(w.min()),
        "max": float(w.max()),
        "max_over_min": float(w.max() / pos.min()) if pos.size == w.size else float("inf"),
        "relative_range": float((w.max() - w.min()) / mean) if mean > 0 else 0.0,
        "cv": float(w.std() / mean) if mean > 0 else 0.0,
        "zero": int((w <= 0).sum()),
        "ess": kish_ess(w),
        "ess_share": kish_ess(w) / w.size if w.size else 0.0,
        "constant": bool(mean > 0 and (w.max() - w.min()) / mean < 1e-4),
    }


def log_spread(logw) -> dict:
    """``spread`` of ``exp(logw)`` computed stably, plus the log-range in nats."""
    lw = np.asarray(logw, dtype=np.float64)
    fin = lw[np.isfinite(lw)]
    out = spread(np.exp(lw - fin.max())) if fin.size else spread(np.zeros_like(lw))
    out["log_range_nats"] = float(fin.max() - fin.min()) if fin.size else 0.0
    return out


class Stages:
    """Wall time per named stage (``with stages("kde"): ...``)."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover
        return None
