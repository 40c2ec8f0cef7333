"""ResponseTable: answers to one instrument, with respondent metadata and weights.

The same type holds human reference data and synthetic (persona) answers.
``items`` has one float column per instrument item (in the instrument's item
order; NaN = no answer); ``meta`` keeps every other column of the source
(demographics, ids); ``weights`` is None (uniform) or one non-negative number
per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from populace.errors import PopulaceError
from populace.instruments import Instrument
from populace.weighted import correlation

SPACES = ("traits", "items")


@dataclass(repr=False)
class ResponseTable:
    """Answers to one instrument: ``items`` (one column per item id, NaN = no
    answer), ``meta`` (every other column of the source), ``weights`` (None or
    one non-negative number per row), ``source`` and the loader's ``log``."""

    instrument: Instrument
    items: pd.DataFrame
    meta: pd.DataFrame
    weights: np.ndarray | None = None
    source: str = "<memory>"
    log: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if list(self.items.columns) != self.instrument.item_ids:
            raise ValueError("items columns must be the instrument's item ids in order")
        if len(self.meta) != len(self.items):
            raise ValueError("meta and items must have the same rows")
        if self.weights is not None:
            self.weights = np.asarray(self.weights, dtype=float)
            if self.weights.shape != (len(self.items),):
                raise ValueError("weights must have one value per row")

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        w = "unweighted" if self.weights is None else "weighted"
        return (
            f"<ResponseTable {self.instrument.id}: {len(self):,} rows x "
            f"{self.items.shape[1]} items, {w}, from {self.source}>"
        )

    def to_frame(self) -> pd.DataFrame:
        """Metadata columns, one column per item, and ``weight`` when weighted."""
        frame = pd.concat([self.meta, self.items], axis=1)
        if self.weights is not None:
            frame["weight"] = self.weights
        return frame

    # ------------------------------------------------------------ selections
    def subset(self, mask_or_index) -> ResponseTable:
        """Rows by boolean mask or positional index, weights kept."""
        idx = np.asarray(mask_or_index)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        return ResponseTable(
            self.instrument,
            self.items.iloc[idx].reset_index(drop=True),
            self.meta.iloc[idx].reset_index(drop=True),
            None if self.weights is None else self.weights[idx],
            self.source,
            dict(self.log),
        )

    def split(self, fraction: float = 0.5, seed: int = 0) -> tuple[ResponseTable, ResponseTable]:
        """Two disjoint parts by a seeded permutation of the rows.

        Parameters
        ----------
        fraction : float, default 0.5
            Share of the rows in the second part (the held-out humans, say).
        seed : int, default 0

        Returns
        -------
        (ResponseTable, ResponseTable)
            The rest and the ``fraction`` part, each in the original row order
            and with at least 2 rows.
        """
        n = len(self)
        n_hold = int(round(float(fraction) * n))
        if not 0 < fraction < 1 or n_hold < 2 or n - n_hold < 2:
            raise PopulaceError(
                f"cannot split {n} rows at {fraction!r}: the fraction must be "
                "between 0 and 1 and leave at least 2 rows on each side"
            )
        perm = np.random.default_rng([int(seed), 29]).permutation(n)
        return self.subset(np.sort(perm[n_hold:])), self.subset(np.sort(perm[:n_hold]))

    # --------------------------------------------------------------- scoring
    def trait_scores(self) -> pd.DataFrame:
        """Trait scores per respondent (columns = trait ids)."""
        scores = self.instrument.score(self.items.to_numpy(dtype=float))
        return pd.DataFrame(scores, columns=self.instrument.trait_ids)

    def matrix(self, space: str = "traits") -> tuple[np.ndarray, np.ndarray | None, list[str]]:
        """(X, weights, column names) of the complete rows in ``space``.

        ``traits``: trait scores (an instrument with no scoring key falls back
        to ``items``). ``items``: item answers as coded (not reverse-keyed).
        Rows with a missing value in that space are left out.
        """
        x, ok, cols = self.masked_matrix(space)
        w = None if self.weights is None else self.weights[ok]
        return x[ok], w, cols

    def masked_matrix(self, space: str = "traits") -> tuple[np.ndarray, np.ndarray, list[str]]:
        """(X of every row, boolean mask of the complete rows :meth:`matrix` keeps,
        column names): for callers that must map the kept rows back to ``meta``."""
        frame = self._space_frame(space)
        x = frame.to_numpy(dtype=float)
        return x, ~np.isnan(x).any(axis=1), list(frame.columns)

    def _space_frame(self, space: str) -> pd.DataFrame:
        if space not in SPACES:
            raise PopulaceError(f"unknown space {space!r}; use one of {', '.join(SPACES)}")
        return self.trait_scores() if self.effective_space(space) == "traits" else self.items

    def effective_space(self, space: str) -> str:
        """``space`` (traits or items; anything else is an error), or items for an
        instrument without a scoring key."""
        if space not in SPACES:
            raise PopulaceError(f"unknown space {space!r}; use one of {', '.join(SPACES)}")
        return "traits" if space == "traits" and self.instrument.traits else "items"

    # --------------------------------------------------------------- summary
    def summary(self) -> dict:
        """N, missing rate, trait means and SDs (item means for unkeyed
        instruments) and correlations (of traits, or of items when the
        instrument has fewer than two traits)."""
        answered = self.items.notna().to_numpy()
        if self.instrument.traits:
            scores = self.trait_scores()
        else:
            scores = self.items
        ok = scores.notna().all(axis=1).to_numpy()
        if not ok.any():
            raise PopulaceError("no complete rows to summarise")
        w = np.ones(int(ok.sum())) if self.weights is None else self.weights[ok]
        x = scores.to_numpy(dtype=float)[ok]
        mean = np.average(x, axis=0, weights=w)
        var = np.average((x - mean) ** 2, axis=0, weights=w)
        sd = np.sqrt(var * len(x) / max(len(x) - 1, 1))
        corr_space = "traits" if len(self.instrument.traits) >= 2 else "items"
        corr_x, corr_w, corr_cols = self.matrix(corr_space)
        corr = correlation(corr_x, corr_w)
        cols = list(scores.columns)
        return {
            "source": self.source,
            "instrument": self.instrument.id,
            "n": len(self),
            "n_complete": int(ok.sum()),
            "missing_rate": float(1 - answered.mean()) if answered.size else 0.0,
            "scored": "traits" if self.instrument.traits else "items",
            "mean": dict(zip(cols, map(float, mean))),
            "sd": dict(zip(cols, map(float, sd))),
            "corr": pd.DataFrame(corr, index=corr_cols, columns=corr_cols),
            "weighted": self.weights is not None,
            "log": dict(self.log),
        }
