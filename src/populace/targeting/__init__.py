"""Group targeting (paper section 3.3, Appendix B.4-B.6): persona embeddings,
retrieval by a plain-language group query, LLM revision into the group, and
contrastive fine-tuning of the embedder."""

from populace.targeting.embedder import DEFAULT_EMBEDDER, Embedder, load_embedder
from populace.targeting.index import EmbeddingIndex
from populace.targeting.plan import MAX_PER_SEED, slugify
from populace.targeting.pool import Pool, load_pool, load_pool_file, retrieve
from populace.targeting.revise import TargetResult, target, target_run
from populace.targeting.revision import TEMPLATE_CHOICES, choose_template
from populace.targeting.store import embed_personas

__all__ = [
    "DEFAULT_EMBEDDER",
    "Embedder",
    "EmbeddingIndex",
    "embed_personas",
    "load_embedder",
    "Pool",
    "load_pool",
    "load_pool_file",
    "choose_template",
    "TEMPLATE_CHOICES",
    "retrieve",
    "target",
    "target_run",
    "TargetResult",
    "MAX_PER_SEED",
    "slugify",
]
