"""Calling the model for a stage: batches, strict parsing, one corrective retry,
recorded failures, and per-stage counts of calls and tokens.

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

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from populace.llm.base import ChoiceRequest, ChoiceResult, GenerateRequest, Message
from populace.mining.parse import ParseError

RAW_KEEP = 2000  # characters of a failed reply kept in the stage table


@dataclass
class Item:
    messages: tuple[Message, ...]
    parse: Callable[[str], Any]
    max_tokens: int
    grammar: str | None = None  # GBNF the reply must follow (see mining/grammars.py)


@dataclass
class Outcome:
    value: Any = None
    status: str = "failed"  # ok | failed
    error: str | None = None
    attempts: int = 0
    raw: str | None = None


class StageCaller:
    def __init__(self, backend, stage: str, *, max_attempts: int = 2, seed: int = 0,
                 batch_size: int = 4, retry_temperature: float = 0.7):
        self.backend = backend
        self.stage = stage
        self.max_attempts = max_attempts
        self.seed = seed
        self.batch_size = max(1, batch_size)
        self.retry_temperature = retry_temperature
        inner = getattr(backend, "backend", backend)
        self._tok = inner if hasattr(inner, "tokens") and hasattr(inner, "llm") else None
        self.stats = {"requests": 0, "model_calls": 0, "cache_hits": 0, "prompt_tokens": 0,
                      "completion_tokens": 0, "retries": 0, "failures": 0,
                      "tokens_exact": self._tok is not None,
                      "model": getattr(backend, "fingerprint", "?")}

    def _count(self, req: GenerateRequest, text: str | None) -> None:
        if self._tok is not None:
            try:
                self.stats["prompt_tokens"] += len(self._tok.tokens(req.messages))
                if text:
                    self.stats["completion_tokens"] += len(self._tok.llm.tokenize(
                        text.encode("utf-8"), add_bos=False, special=False))
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

    def score(self, groups: Sequence[Sequence[ChoiceRequest]],
              advance: Callable[[int], None] = lambda n: None) -> list[list[ChoiceResult]]:
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

    def run(self, items: Sequence[Item], advance: Callable[[int], None] = lambda n: None
            ) -> list[Outcome]:
        out = [Outcome() for _ in items]
        for start in range(0, len(items), self.batch_size):
            idx = list(range(start, min(start + self.batch_size, len(items))))
            convo = {i: items[i].messages for i in idx}
            for attempt in range(self.max_attempts):
                if not idx:
                    break
                if attempt:
                    self.stats["retries"] += len(idx)
                reqs = [GenerateRequest(messages=convo[i], max_tokens=items[i].max_tokens,
                                        temperature=0.0 if attempt == 0 else self.retry_temperature,
                                        seed=self.seed, sample_index=attempt,
                                        grammar=items[i].grammar) for i in idx]
                res = self._generate(reqs)
                todo = []
                for i, g in zip(idx, res):
                    o = out[i]
                    o.attempts = attempt + 1
                    if not g.ok:
                        o.error, o.raw = g.error, None
                        todo.append(i)
                        continue
                    o.raw = (g.text or "")[:RAW_KEEP]
                    try:
                        o.value, o.status, o.error = items[i].parse(g.text or ""), "ok", None
                    except ParseError as exc:
                        o.error = str(exc)
                        todo.append(i)
                        convo[i] = items[i].messages + (
                            Message("assistant", (g.text or "")[:RAW_KEEP]),
                            Message("user", f"Your reply could not be used: {exc}. Do the task "
                                    "again and reply exactly in the required format."))
                idx = todo
            self.stats["failures"] += len(idx)
            advance(len(range(start, min(start + self.batch_size, len(items)))))
        return out
