"""Persona embeddings computed once per embedder and kept on disk.

``embed_personas(ids, texts, embedder, folder)`` stores the vectors in
``folder/<embedder>-<fingerprint>.npz`` (ids, a SHA-256 of each text, the
vectors). A later call embeds only personas that are new or whose text
changed, so an interrupted or extended run never recomputes finished work.
The file is written to a temporary name and renamed, so it is never half-written.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np

from populace.errors import PopulaceError
from populace.targeting.embedder import Embedder


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(name).name or name).strip("_")[:60]


def store_path(folder: str | Path, embedder: Embedder) -> Path:
    return Path(folder) / f"{_slug(embedder.name)}-{embedder.fingerprint}.npz"


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def embed_personas(
    ids: list[str],
    texts: list[str],
    embedder: Embedder,
    folder: str | Path,
    *,
    batch_size: int = 64,
    progress: bool = False,
) -> np.ndarray:
    """Vectors (len(ids), dim) in ``ids`` order, reusing stored ones."""
    if len(ids) != len(texts):
        raise PopulaceError("one text per persona id is needed")
    if len(set(ids)) != len(ids):
        raise PopulaceError("persona ids must be unique")
    bad = [i for i, t in zip(ids, texts) if not isinstance(t, str) or not t.strip()]
    if bad:
        raise PopulaceError(f"{len(bad)} persona(s) have no text, e.g. {bad[0]!r}")
    path = store_path(folder, embedder)
    known: dict[tuple[str, str], np.ndarray] = {}
    if path.exists():
        with np.load(path, allow_pickle=False) as z:
            for i, h, v in zip(z["ids"], z["hashes"], z["vectors"]):
                known[(str(i), str(h))] = v
    hashes = [_text_hash(t) for t in texts]
    todo = [k for k, (i, h) in enumerate(zip(ids, hashes)) if (i, h) not in known]
    if todo:
        new = embedder.encode([texts[k] for k in todo], batch_size=batch_size, progress=progress)
        for k, v in zip(todo, new):
            known[(ids[k], hashes[k])] = v
    out = np.stack([known[(i, h)] for i, h in zip(ids, hashes)]).astype(np.float32)
    if todo:
        path.parent.mkdir(parents=True, exist_ok=True)
        keys = list(known)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(
            tmp,
            ids=np.array([k[0] for k in keys]),
            hashes=np.array([k[1] for k in keys]),
            vectors=np.stack([known[k] for k in keys]).astype(np.float32),
        )
        tmp.replace(path)
    return out
