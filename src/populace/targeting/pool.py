"""The persona pool of a run and retrieval from it by a plain-language query.

Pool: ``RUN/aligned.parquet`` (``persona_id``, ``weight``) where it exists,
joined with the texts in ``RUN/personas.parquet`` (``persona_id``,
``persona``); otherwise every persona of ``RUN/personas.parquet``. An aligned
set that repeats a persona (integer weights) is one pool entry with the summed
weight. :func:`load_pool_file` reads a pool from elsewhere: another run's
directory (the same rule), or a persona file (CSV/TSV/JSON/JSONL/Parquet with
``persona_id``/``persona`` columns, or a public persona set through a preset of
:mod:`populace.persona_sets`: ``personahub``, ``synthetic_persona_chat``,
``personachat``, ...). Embeddings are stored under ``RUN/embeddings/`` per embedder
(:func:`populace.targeting.store.embed_personas`), so they are computed once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from populace.errors import PopulaceError
from populace.run import PERSONAS, Run
from populace.targeting.embedder import Embedder
from populace.targeting.index import EmbeddingIndex
from populace.targeting.store import embed_personas

ALIGNED = "aligned.parquet"
EMBEDDINGS = "embeddings"


@dataclass
class Pool:
    ids: list[str]
    texts: list[str]
    weights: np.ndarray
    source: str  # "aligned" | "personas" | "file:<name>" | "preset:<preset>:<name>"

    def __len__(self) -> int:
        return len(self.ids)


def load_pool(run: Run) -> Pool:
    ppath = run.file(PERSONAS)
    if not ppath.exists():
        raise PopulaceError(
            f"{ppath} does not exist: targeting needs the run's personas table "
            "(persona_id, persona); run `populace mine` first or put one there"
        )
    frame = pd.read_parquet(ppath)
    missing = [c for c in ("persona_id", "persona") if c not in frame.columns]
    if missing:
        raise PopulaceError(
            f"{ppath} has no column {', '.join(missing)} "
            f"(columns: {', '.join(map(str, frame.columns[:12]))})"
        )
    frame = frame.dropna(subset=["persona_id", "persona"])
    frame = frame[frame["persona"].astype(str).str.strip() != ""]
    frame = frame.assign(
        persona_id=frame["persona_id"].astype(str), persona=frame["persona"].astype(str)
    ).drop_duplicates("persona_id")
    if frame.empty:
        raise PopulaceError(f"{ppath} has no personas with text")
    apath = run.file(ALIGNED)
    if apath.exists():
        al = pd.read_parquet(apath)
        if "persona_id" not in al.columns:
            raise PopulaceError(f"{apath} has no persona_id column")
        w = al["weight"] if "weight" in al.columns else pd.Series(1.0, index=al.index)
        al = pd.DataFrame({"persona_id": al["persona_id"].astype(str), "weight": w.astype(float)})
        al = al.groupby("persona_id", sort=False, as_index=False)["weight"].sum()
        unknown = set(al["persona_id"]) - set(frame["persona_id"])
        if unknown:
            raise PopulaceError(
                f"{apath} names {len(unknown)} persona(s) not in {ppath}, "
                f"e.g. {sorted(unknown)[0]!r}"
            )
        merged = al.merge(frame[["persona_id", "persona"]], on="persona_id", how="left")
        return Pool(
            merged["persona_id"].tolist(),
            merged["persona"].tolist(),
            merged["weight"].to_numpy(float),
            "aligned",
        )
    return Pool(
        frame["persona_id"].tolist(), frame["persona"].tolist(), np.ones(len(frame)), "personas"
    )


def load_pool_file(
    path: str | Path,
    *,
    preset: str | None = None,
    text_column: str | None = None,
    id_column: str | None = None,
    limit: int | None = None,
    seed: int = 0,
) -> Pool:
    """A pool read from ``path``: a run directory (its aligned set, else its
    personas, as :func:`load_pool`) or a persona file, read by
    :func:`populace.persona_sets.load_external` (``preset`` names a public
    persona set's layout; ``text_column``/``id_column`` override it; ``limit``
    draws that many distinct profiles, seeded). Every persona weighs 1."""
    from populace.persona_sets import load_external

    p = Path(path)
    if p.is_dir():
        if preset or text_column or id_column:
            raise PopulaceError(
                f"{p} is a run directory; a preset or text/id column applies to a persona file"
            )
        return load_pool(Run(p, create=False))
    frame = load_external(
        p,
        name=p.stem,
        preset=preset,
        text_column=text_column,
        id_column=id_column,
        limit=limit,
        seed=seed,
    )
    source = f"preset:{preset}:{p.name}" if preset else f"file:{p.name}"
    return Pool(
        frame["persona_id"].tolist(), frame["persona"].tolist(), np.ones(len(frame)), source
    )


def pool_vectors(run: Run, pool: Pool, embedder: Embedder, *, progress: bool = False) -> np.ndarray:
    return embed_personas(
        pool.ids, pool.texts, embedder, Path(run.path) / EMBEDDINGS, progress=progress
    )


def retrieve(
    query: str, pool: Pool, vectors: np.ndarray, embedder: Embedder, k: int, *, index: str = "auto"
) -> list[tuple[int, float]]:
    """Top-``k`` (pool position, cosine similarity), best first; ``index`` is the
    search backend (:mod:`populace.targeting.index`: auto, numpy or faiss)."""
    index = EmbeddingIndex(vectors, pool.ids, backend=index)
    pos, scores = index.search(embedder.encode([query]), k)
    return [(int(p), float(s)) for p, s in zip(pos[0], scores[0])]
