"""Group targeting: persona embeddings, retrieval by a plain-language group query,
contrastive fine-tuning of the embedder and LLM revision (the last two land
with the LLM layer)."""

from populace.target.embedder import DEFAULT_EMBEDDER, Embedder, load_embedder
from populace.target.index import EmbeddingIndex
from populace.target.store import embed_personas

__all__ = ["DEFAULT_EMBEDDER", "Embedder", "EmbeddingIndex", "embed_personas", "load_embedder"]
