"""Exact cosine top-k search over L2-normalised embeddings.

numpy by default: scores are computed in blocks of queries against all
vectors and the top k taken with ``argpartition`` (exact, O(n) per query).
With ``backend="faiss"`` (``pip install "populace[faiss]"``, i.e. faiss-cpu)
an exact inner-product index (IndexFlatIP) is used instead, which is faster for
large pools; both are exact, so they return the same personas (up to the order
of exact ties). ``backend="auto"`` (the default of ``populace target``) takes
faiss when it is installed and the pool has at least ``FAISS_MIN`` vectors,
numpy otherwise.
"""

from __future__ import annotations

import numpy as np

from populace.errors import PopulaceError

BACKENDS = ("auto", "numpy", "faiss")
#: pool size from which ``auto`` uses faiss (when installed)
FAISS_MIN = 50_000


def resolve_backend(backend: str, n: int) -> str:
    """``numpy`` or ``faiss`` for a pool of ``n`` vectors; see the module doc."""
    if backend not in BACKENDS:
        raise PopulaceError(f"unknown index backend {backend!r}; use {', '.join(BACKENDS)}")
    if backend != "auto":
        return backend
    if n < FAISS_MIN:
        return "numpy"
    try:
        import faiss  # noqa: F401
    except ImportError:
        return "numpy"
    return "faiss"


class EmbeddingIndex:
    def __init__(self, vectors: np.ndarray, ids: list, *, backend: str = "numpy"):
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(ids):
            raise PopulaceError("the index needs one vector per id")
        if len(ids) == 0:
            raise PopulaceError("the index is empty: there are no personas to search")
        norms = np.linalg.norm(vectors, axis=1)
        if not np.allclose(norms, 1.0, atol=1e-3):
            vectors = vectors / np.maximum(norms, 1e-12)[:, None]
        self.vectors = vectors
        self.ids = list(ids)
        self.backend = resolve_backend(backend, len(ids))
        self._faiss = None
        if self.backend == "faiss":
            try:
                import faiss
            except ImportError:
                raise PopulaceError(
                    'index backend faiss needs the faiss-cpu package: pip install "populace[faiss]"'
                ) from None
            self._faiss = faiss.IndexFlatIP(vectors.shape[1])
            self._faiss.add(vectors)

    def __len__(self) -> int:
        return len(self.ids)

    def search(
        self, queries: np.ndarray, k: int, *, block: int = 256
    ) -> tuple[np.ndarray, np.ndarray]:
        """(positions, scores), each (n_queries, k), best first."""
        q = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        if q.shape[1] != self.vectors.shape[1]:
            raise PopulaceError(
                f"query vectors have dimension {q.shape[1]}, the index "
                f"{self.vectors.shape[1]}: were they made by another embedder?"
            )
        if k < 1:
            raise PopulaceError("top-k must be at least 1")
        k = min(int(k), len(self))
        if self._faiss is not None:
            scores, pos = self._faiss.search(np.ascontiguousarray(q), k)
            return pos.astype(np.int64), scores
        out_pos = np.empty((len(q), k), dtype=np.int64)
        out_scores = np.empty((len(q), k), dtype=np.float32)
        for start in range(0, len(q), block):
            s = q[start : start + block] @ self.vectors.T
            part = (
                np.argpartition(-s, k - 1, axis=1)[:, :k]
                if k < s.shape[1]
                else np.tile(np.arange(s.shape[1]), (len(s), 1))
            )
            ps = np.take_along_axis(s, part, axis=1)
            order = np.argsort(-ps, axis=1, kind="stable")
            out_pos[start : start + block] = np.take_along_axis(part, order, axis=1)
            out_scores[start : start + block] = np.take_along_axis(ps, order, axis=1)
        return out_pos, out_scores

    def search_ids(self, query: np.ndarray, k: int) -> list[tuple[object, float]]:
        pos, scores = self.search(query, k)
        return [(self.ids[p], float(s)) for p, s in zip(pos[0], scores[0])]
