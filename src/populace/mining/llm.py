"""Calling the model for a stage: batches, strict parsing, one corrective retry,
recorded failures (``populace.llm.retry``), and per-stage counts of calls and tokens.

Each request goes through the run's call cache (``CachedBackend``), committed
per batch of ``batch_size``, so a killed stage loses at most one batch. An
attempt whose reply does not parse is retried with the reply and the parser's
reason appended as a corrective turn (temperature ``retry_temperature``, a
new sample index); after ``max_attempts`` the item is a recorded failure
(``status="failed"``, ``error``, last ``raw`` reply), never a silent default.

Token counts use the backend's tokenizer when it has one (llama.cpp) and an
estimate of 4 characters per token otherwise (``tokens_exact`` says which);
they count every request, cached or not, so a resumed run reports the same
work as an uninterrupted one. ``model_calls`` counts the requests that reached
the model in this process; ``cache_hits`` the ones the cache answered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from populace.llm.base import ChoiceRequest, ChoiceResult, GenerateRequest, Message
from populace.llm.retry import Prompt, generate_parsed
from populace.mining.parse import ParseError


@dataclass
class Item:
    messages: tuple[Message, ...]
    parse: Callable[[str], Any]
    max_tokens: int
    grammar: str | None = None  # GBNF the reply must follow (see mining/grammars.py)
    repeat_penalty: float = 1.0


@dataclass
class Outcome:
    value: Any = None
    status: str = "failed"  # ok | failed
    error: str | None = None
    attempts: int = 0
    raw: str | None = None


class StageCaller:
    def __init__(
        self,
        backend,
        stage: str,
        *,
        max_attempts: int = 2,
        seed: int = 0,
        batch_size: int = 4,
        retry_temperature: float = 0.7,
    ):
        self.backend = backend
        self.stage = stage
        self.max_attempts = max_attempts
        self.seed = seed
        self.batch_size = max(1, batch_size)
        self.retry_temperature = retry_temperature
        inner = getattr(backend, "backend", backend)
        self._tok = inner if hasattr(inner, "tokens") and hasattr(inner, "llm") else None
        self.stats = {
            "requests": 0,
            "model_calls": 0,
            "cache_hits": 0,
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "retries": 0,
            "failures": 0,
            "tokens_exact": self._tok is not None,
            "model": getattr(backend, "fingerprint", "?"),
        }

    def _count(self, req: GenerateRequest, text: str | None) -> None:
        if self._tok is not None:
            try:
                self.stats["prompt_tokens"] += len(self._tok.tokens(req.messages))
                if text:
                    self.stats["completion_tokens"] += len(
                        self._tok.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
                    )
                return
            except Exception:  # pragma: no cover - fall back to the estimate
                self._tok = None
                self.stats["tokens_exact"] = False
        self.stats["prompt_tokens"] += sum(len(m.content) for m in req.messages) // 4 + 4
        self.stats["completion_tokens"] += len(text or "") // 4

    def _call(self, method, reqs: list):
        """``backend.generate`` or ``backend.choice_probs`` on ``reqs``, counting
        requests, model calls and (through a CachedBackend) cache hits."""
        before = (getattr(self.backend, "misses", None), getattr(self.backend, "hits", None))
        res = method(reqs)
        if before[0] is not None:
            self.stats["model_calls"] += self.backend.misses - before[0]
            self.stats["cache_hits"] += self.backend.hits - before[1]
        else:
            self.stats["model_calls"] += len(reqs)
        self.stats["requests"] += len(reqs)
        return res

    def _generate(self, reqs: list[GenerateRequest]):
        res = self._call(self.backend.generate, reqs)
        for r, g in zip(reqs, res):
            self._count(r, g.text)
        return res

    def score(
        self,
        groups: Sequence[Sequence[ChoiceRequest]],
        advance: Callable[[int], None] = lambda n: None,
    ) -> list[list[ChoiceResult]]:
        """Next-token probabilities of answer keys (``choice_probs``), one backend call
        per group, so requests that share a prefix (one post's questions) decode it
        once. No decoding, no parsing; a result with ``error`` (a backend without
        log-probs) is the caller's to handle. Only prompt tokens are counted."""
        out = []
        for g in groups:
            g = list(g)
            res = self._call(self.backend.choice_probs, g)
            self.stats["scored"] = self.stats.get("scored", 0) + len(g)
            for r in g:
                self._count(GenerateRequest(messages=r.messages), None)
            out.append(list(res))
            advance(1)
        return out

    def run(
        self, items: Sequence[Item], advance: Callable[[int], None] = lambda n: None
    ) -> list[Outcome]:
        """Generate and parse each item (``populace.llm.retry.generate_parsed``:
        batches, one corrective retry, recorded failures)."""

        def retried(n):
            self.stats["retries"] += n

        res = generate_parsed(
            self._generate,
            [
                Prompt(
                    it.messages,
                    it.parse,
                    it.max_tokens,
                    grammar=it.grammar,
                    repeat_penalty=it.repeat_penalty,
                )
                for it in items
            ],
            parse_error=ParseError,
            seed=self.seed,
            max_attempts=self.max_attempts,
            batch_size=self.batch_size,
            retry_temperature=self.retry_temperature,
            advance=advance,
            on_retry=retried,
        )
        self.stats["failures"] += sum(not r.ok for r in res)
        return [
            Outcome(
                value=r.value,
                status="ok" if r.ok else "failed",
                error=r.error,
                attempts=r.attempts,
                raw=r.raw,
            )
            for r in res
        ]
