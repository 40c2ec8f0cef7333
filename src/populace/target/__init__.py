"""Group targeting (paper section 3.3, Appendix B.4-B.6): persona embeddings,
retrieval by a plain-language group query, LLM revision into the group, and
contrastive fine-tuning of the embedder."""

from populace.target.embedder import DEFAULT_EMBEDDER, Embedder, load_embedder
from populace.target.index import EmbeddingIndex
from populace.target.pool import Pool, load_pool, retrieve
from populace.target.revise import MAX_PER_SEED, TargetResult, slugify, target, target_run
from populace.target.store import embed_personas

__all__ = ["DEFAULT_EMBEDDER", "Embedder", "EmbeddingIndex", "embed_personas", "load_embedder",
           "Pool", "load_pool", "retrieve", "target", "target_run", "TargetResult", "MAX_PER_SEED", "slugify"]


# ``populace.target(...)`` is the Python API of ``populace target`` (design.md),
# while ``populace.target`` is also this package: calling the module calls
# :func:`populace.target.revise.target`.
import sys as _sys
import types as _types


class _CallableModule(_types.ModuleType):
    def __call__(self, *args, **kwargs):
        return target(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallableModule
