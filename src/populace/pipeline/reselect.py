"""The pool sets redrawn in every bootstrap replicate, the aligner rerun on each draw.

The paired bootstrap (:mod:`populace.evaluate.paired`) by default holds the
selection fixed: it answers "is *this* aligned set closer to the humans than
the raw pool?". Whether the *method* helps is a different question: on another
pool of the same kind, or with another sample of alignment humans, the aligner
would choose other personas. ``evaluate.rerun_selection`` answers it. Every
replicate ``b``

1. draws the pool's personas with replacement (multinomial counts ``C_b``) and
   the alignment humans (``reference/align.parquet``) with replacement;
2. reruns the run's aligner (method, space, duplicates, parameters, seed of
   ``[align]``) on the drawn personas' answers to the align instrument against
   the drawn humans, selecting K (a persona drawn twice is two candidates);
3. draws K distinct candidates uniformly from the same draw for ``random``;

so ``raw`` is ``C_b``, ``aligned`` the rerun selection's counts and ``random``
the fresh draw, all as weights over the pool's personas. The same replicates
serve every evaluated instrument (a persona's answers to another instrument
come with it), so out-of-domain differences also carry the selection's noise.

A bootstrap draw holds about 63% of the pool's distinct personas, so the
aligner chooses from fewer candidates than it had and its replicate selections
fit somewhat worse than the full-data one. The intervals are bias-corrected
(recentred on the full-data difference, as every interval here), but their
width can be inflated by that. On the other hand the refit absorbs part of
the persona resampling noise that a fixed selection carries. Read the two
side by side; docs/pipeline.md has the measured widths of both.

Cost: one alignment per replicate (docs/pipeline.md has the measured times).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from populace.errors import PopulaceError
from populace.pipeline import tables as T


@dataclass
class Reselection:
    """Per-replicate weights over the pool's personas (``ids``)."""

    ids: np.ndarray  # (n,) persona ids (str): complete on the align instrument
    weights: dict[str, np.ndarray]  # set name -> (n_boot, n)
    seconds: float

    def for_rows(self, row_ids) -> dict[str, np.ndarray]:
        """The weights re-indexed to ``row_ids`` (an instrument's complete rows);
        a row outside the pool gets 0, a pool persona missing from the rows is
        dropped from that instrument's replicates."""
        pos = pd.Series(np.arange(len(self.ids)), index=self.ids)
        where = pd.Series(np.asarray(row_ids, dtype=str)).map(pos)
        have = where.notna().to_numpy()
        idx = where[have].astype(int).to_numpy()
        out = {}
        for name, R in self.weights.items():
            M = np.zeros((R.shape[0], len(where)))
            M[:, have] = R[:, idx]
            out[name] = M
        return out


def _match(run_path, a, ids, part):
    """(MatchSpec for the stored, already harmonised reference; personas' columns in
    ``ids`` order) for a run aligned with [align.match], else (None, None)."""
    import dataclasses

    from populace.pipeline.stages import match_spec
    from populace.run import PERSONAS

    spec = match_spec(a)
    if spec is None:
        return None, None
    missing = [c for c in spec.columns if c not in part.meta.columns]
    if missing:
        raise PopulaceError(
            f"{T.ALIGN_REF} lacks the matched column(s) {missing}; rerun the align stage"
        )
    people = pd.read_parquet(Path(run_path) / PERSONAS)
    people = (
        people.assign(persona_id=people["persona_id"].astype(str))
        .set_index("persona_id")
        .reindex(ids)
        .reset_index(drop=True)
    )
    return dataclasses.replace(spec, codes={}, reference_columns={}), people


def reselect(
    run_path, cfg, sets: list[str], n_boot: int, *, seed: int = 0, progress: bool = True
) -> Reselection:
    """Rerun the selection of the pool sets in ``sets`` (aligned, raw, random)
    on ``n_boot`` bootstrap draws of the pool and of the alignment humans."""
    from populace.align import align
    from populace.survey.progress import progress_bar

    a = cfg.align
    t0 = time.perf_counter()
    ids = np.asarray(T.complete_ids(run_path, a.instrument), dtype=str)
    pool = T.persona_responses(
        run_path, a.instrument, pd.DataFrame({"persona_id": ids, "weight": 1.0})
    )
    order = pd.Series(np.arange(len(pool)), index=pool.meta["persona_id"].astype(str).to_numpy())
    X = pool.items.to_numpy(dtype=float)[order[ids].to_numpy()]
    part = T.read_ref_file(run_path, T.ALIGN_REF, a.instrument)
    Y = part.items
    match, people = _match(run_path, a, ids, part)
    if match is not None:
        Y = pd.concat([Y, part.meta[list(match.columns)]], axis=1)
    n, k = len(ids), int(a.k)
    rng = np.random.default_rng([int(seed), 71])  # the pool's and humans' draws
    rng_random = np.random.default_rng([int(seed), 72])  # the random sets' picks
    out = {s: np.zeros((int(n_boot), n)) for s in sets if s in ("aligned", "raw", "random")}
    with progress_bar(int(n_boot), "rerun selection", enabled=progress) as advance:
        for b in range(int(n_boot)):
            idx = rng.integers(0, n, n)  # the pool's draw (as candidate rows)
            hy = rng.integers(0, len(Y), len(Y))  # the alignment humans' draw
            ref = Y.iloc[hy].reset_index(drop=True)
            if part.weights is not None:
                ref = ref.assign(weight=part.weights[hy])
            if "raw" in out:
                out["raw"][b] = np.bincount(idx, minlength=n)
            if "aligned" in out:
                mk = (
                    {}
                    if match is None
                    else {"match": match, "persona_meta": people.iloc[idx].reset_index(drop=True)}
                )
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # the align stage reported them
                    res = align(
                        X[idx],
                        ref,
                        a.instrument,
                        n=k,
                        method=a.method,
                        seed=a.seed,
                        space=a.space,
                        duplicates=a.duplicates,
                        in_sample=False,
                        **mk,
                        **a.params,
                    )
                out["aligned"][b] = np.bincount(
                    idx[np.asarray(res.indices)], weights=np.asarray(res.counts, float), minlength=n
                )
            if "random" in out:
                pick = rng_random.choice(n, min(k, n), replace=False)
                out["random"][b] = np.bincount(idx[pick], minlength=n)
            advance(1)
    return Reselection(ids, out, time.perf_counter() - t0)
