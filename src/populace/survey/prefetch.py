"""Score several instruments persona by persona, into the call cache.

``survey`` answers one instrument for every persona, so a run with several
instruments decodes each persona's description once per instrument. A local
model (llama.cpp) keeps the prefix it scored last in its KV cache
(``LlamaCppBackend.reuse_scoring_prefix``): when one persona's instruments are
scored one after another, the system message and the persona, which every
item prompt starts with, are decoded once for all of them. ``prefetch_choices``
does that, persona by persona and instrument by instrument, through the call
cache; the ``survey`` calls that follow find every request there and make no
model call. The requests are exactly those ``survey`` sends (both build them with
``prompts.choice_request``), so answers are drawn from the same cached probabilities.

Only for the log-probability modes; a server backend (``concurrency`` > 0)
gains nothing from the order and loses its parallel requests, so callers skip
it there (``worth_prefetching``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from populace.instruments import load_instrument
from populace.llm.base import Backend
from populace.llm.cache import CachedBackend, CallCache
from populace.survey.personas import load_personas
from populace.survey.progress import progress_bar
from populace.survey.prompts import Templates, choice_request


def worth_prefetching(backend: Backend, mode: str, instruments) -> bool:
    """Several instruments, a log-probability mode and a local backend."""
    return (
        len(list(instruments)) > 1
        and mode != "generate"
        and not int(getattr(backend, "concurrency", 0) or 0)
    )


def prefetch_choices(
    personas: str | Path | pd.DataFrame,
    instruments,
    *,
    backend: Backend,
    cache: str | Path,
    prompt_dir: str | Path | None = None,
    progress: bool = True,
) -> dict:
    """Score every item of ``instruments`` for every persona into ``cache``, persona
    by persona; returns ``{"requests", "model_calls", "cache_hits"}``."""
    people = load_personas(personas)
    templates = Templates.load(prompt_dir)
    inss = [i if not isinstance(i, str) else load_instrument(i) for i in instruments]
    per = [(ins, list(ins.items)) for ins in inss]
    total = len(people) * sum(len(items) for _, items in per)
    stats = {"requests": 0, "model_calls": 0, "cache_hits": 0}
    with CallCache(cache) as c:
        cb = CachedBackend(backend, c)
        names = ", ".join(ins.id for ins in inss)
        with progress_bar(
            total, f"survey {names} (persona by persona)", enabled=progress
        ) as advance:
            for text in people["persona"].tolist():
                for ins, items in per:
                    cb.choice_probs([choice_request(templates, ins, it, text) for it in items])
                    stats["requests"] += len(items)
                    advance(len(items))
        stats["model_calls"], stats["cache_hits"] = cb.misses, cb.hits
    return stats
