"""The problem each aligner sees (``Problem``) and what ``align`` returns (``AlignResult``)."""

from __future__ import annotations

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
    core_columns: int | None = None   # the first columns are answers (traits/items); the
    #                                   rest demographic blocks (demographics.py), if any
    strata: tuple | None = None       # (cell id per persona, human share per cell): quotas
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


@dataclass
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
