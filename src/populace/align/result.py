"""The problem each aligner sees (``Problem``) and what ``align`` returns (``AlignResult``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from populace.align.diagnostics import Stages
from populace.align.reduce import reduce_reference


@dataclass
class Problem:
    """Personas ``X`` (n, d) and humans ``Y`` (m, d, weights ``wy``) in one space."""

    X: np.ndarray
    Y: np.ndarray
    wy: np.ndarray | None
    k: int
    seed: int
    duplicates: bool = False
    core_columns: int | None = None  # the first columns are answers (traits/items); the
    #                                   rest demographic blocks (demographics.py), if any
    strata: tuple | None = None  # (cell id per persona, human share per cell): quotas
    stages: Stages = field(default_factory=Stages)
    diagnostics: dict = field(default_factory=dict)

    def generator(self, salt: int = 0) -> np.random.Generator:
        return np.random.default_rng([int(self.seed), int(salt)])

    def reference(self, max_rows: int | None):
        """The reduced reference (deduplicated, then resampled above ``max_rows``)."""
        with self.stages("reference"):
            U, w, info = reduce_reference(self.Y, self.wy, max_rows, self.seed)
        self.diagnostics["reference"] = info
        return U, w


@dataclass(repr=False)
class AlignResult:
    """K selected personas: ``indices`` into the pool, ``counts`` (1 without
    duplicates) and ``weights`` = counts / K; ``pool_weights`` are the method's
    weights for every pool persona (None for methods without any)."""

    method: str
    indices: np.ndarray
    persona_ids: np.ndarray
    counts: np.ndarray
    params: dict
    diagnostics: dict
    pool_weights: np.ndarray | None = None

    @property
    def weights(self) -> np.ndarray:
        return self.counts / self.counts.sum()

    @property
    def k(self) -> int:
        return int(self.counts.sum())

    def to_frame(self, with_counts: bool | None = None) -> pd.DataFrame:
        """``persona_id``, ``weight`` (and ``count`` when duplicates are kept)."""
        frame = pd.DataFrame({"persona_id": self.persona_ids, "weight": self.weights})
        if with_counts or (with_counts is None and (self.counts > 1).any()):
            frame["count"] = self.counts
        return frame

    def select(self, responses):
        """The selected rows of ``responses`` (the table given to ``align``),
        each weighted by its count: a ResponseTable for a ResponseTable, a
        DataFrame with a ``weight`` column for a DataFrame."""
        from populace.reference.table import ResponseTable

        counts = self.counts.astype(np.float64)
        if isinstance(responses, ResponseTable):
            return dataclasses.replace(responses.subset(self.indices), weights=counts)
        return responses.iloc[self.indices].reset_index(drop=True).assign(weight=counts)

    def __repr__(self) -> str:
        d = self.diagnostics
        ess = d.get("output", {}).get("ess")
        sizes = d.get("sizes", {})
        parts = [f"K = {self.k:,}", f"{self.indices.size:,} distinct"]
        if sizes.get("pool") is not None:
            parts.append(f"of a pool of {sizes['pool']:,}")
        if ess is not None:
            parts.append(f"ESS {ess:,.1f}")
        text = f"<AlignResult {self.method}: {', '.join(parts)}"
        after = (d.get("in_sample_metrics") or {}).get("after")
        before = (d.get("in_sample_metrics") or {}).get("before")
        if after and before and "mmd" in after:
            text += f"; in-sample MMD {before['mmd']:.4g} -> {after['mmd']:.4g}"
        return text + ">"
