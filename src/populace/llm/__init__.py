"""LLM backends behind one protocol (``generate``, ``choice_probs``), the model
registry and the SQLite call cache. Heavy dependencies load lazily:
``llama-cpp-python`` (extra ``llm``) only for the in-process backend, ``httpx``
(extra ``openai``) only for HTTP servers and downloads."""

from populace.llm.base import (
    Backend,
    ChoiceRequest,
    ChoiceResult,
    GenerateRequest,
    GenerateResult,
    Message,
)
from populace.llm.cache import CachedBackend, CallCache, call_key
from populace.llm.models import DEFAULT_MODEL, REGISTRY, ModelSpec, ResolvedModel, resolve_model


def load_backend(
    model: str | None = None, *, backend: str = "llamacpp", base_urls=None, **kw
) -> tuple[Backend, dict]:
    """Open a backend by name; returns it and a description for run metadata."""
    from populace.errors import PopulaceError

    if backend == "llamacpp":
        from populace.llm.llamacpp import LlamaCppBackend

        rm = resolve_model(model)
        b = LlamaCppBackend(str(rm.path), model_id=rm.id, sha256=rm.sha256, **kw)
        return b, {
            "backend": "llamacpp",
            "model_id": rm.id,
            "model_sha256": rm.sha256,
            "model_source": rm.source,
        }
    if backend == "openai":
        from populace.llm.openai_compat import OpenAIBackend

        if not base_urls:
            raise PopulaceError("--backend openai needs --base-url (repeatable for replicas)")
        if not model:
            raise PopulaceError("--backend openai needs --model, the server's model name")
        b = OpenAIBackend(base_urls, model, **kw)
        return b, {"backend": "openai", "model_id": model, "base_urls": b.base_urls}
    raise PopulaceError(f"unknown backend {backend!r}; use llamacpp or openai")


__all__ = [
    "Backend",
    "ChoiceRequest",
    "ChoiceResult",
    "GenerateRequest",
    "GenerateResult",
    "Message",
    "CachedBackend",
    "CallCache",
    "call_key",
    "DEFAULT_MODEL",
    "REGISTRY",
    "ModelSpec",
    "ResolvedModel",
    "resolve_model",
    "load_backend",
]
