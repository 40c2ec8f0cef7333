"""LLM calls of the targeting stages: cached, batched, strictly parsed.

Every request goes through the run's call cache (``CachedBackend`` over
``RUN/cache.sqlite``), committed per batch, so a killed command loses at most
one batch and a rerun repeats no finished call. A reply that does not parse is
retried once with the reply and the parser's reason appended as a corrective
turn (temperature ``retry_temperature``, a new sample index); after
``max_attempts`` the item is a recorded failure (``ok=False``, ``error``, last
reply), never a silent default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from populace.llm.base import ChoiceRequest, GenerateRequest, Message
from populace.target.parse import ParseError

RAW_KEEP = 2000
ANSWER_KEYS = ("Yes", "No")


@dataclass
class Task:
    messages: tuple[Message, ...]
    parse: Callable[[str], Any]
    max_tokens: int = 200
    temperature: float = 0.0
    sample_index: int = 0  # distinct variants of one prompt get distinct indices


@dataclass
class Outcome:
    value: Any = None
    ok: bool = False
    error: str | None = None
    attempts: int = 0
    raw: str | None = None


def run_tasks(backend, tasks: Sequence[Task], *, seed: int = 0, max_attempts: int = 2,
              batch_size: int = 4, retry_temperature: float = 0.7,
              advance: Callable[[int], None] = lambda n: None) -> list[Outcome]:
    out = [Outcome() for _ in tasks]
    for start in range(0, len(tasks), max(1, batch_size)):
        idx = list(range(start, min(start + batch_size, len(tasks))))
        convo = {i: tasks[i].messages for i in idx}
        n_block = len(idx)
        for attempt in range(max_attempts):
            if not idx:
                break
            reqs = [GenerateRequest(messages=convo[i], max_tokens=tasks[i].max_tokens,
                                    temperature=(tasks[i].temperature if attempt == 0
                                                 else max(tasks[i].temperature,
                                                          retry_temperature)),
                                    seed=seed, sample_index=tasks[i].sample_index * 100 + attempt)
                    for i in idx]
            res = backend.generate(reqs)
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
                    o.value, o.ok, o.error = tasks[i].parse(g.text or ""), True, None
                except ParseError as exc:
                    o.error = str(exc)
                    todo.append(i)
                    convo[i] = tasks[i].messages + (
                        Message("assistant", o.raw),
                        Message("user", f"Your reply could not be used: {exc}. Do the task "
                                "again and reply exactly in the required format."))
            idx = todo
        advance(n_block)
    return out


def yes_probability(backend, messages_list: Sequence[tuple[Message, ...]], *,
                    batch_size: int = 16, advance: Callable[[int], None] = lambda n: None
                    ) -> list[float | None]:
    """P(Yes) renormalised over Yes/No as the first token of the reply (one forward
    pass per request through ``choice_probs``, no decoding: "Yes" and "No" are one
    token each in common tokenizers, "YES" is not); None where it failed."""
    out: list[float | None] = []
    for start in range(0, len(messages_list), batch_size):
        chunk = messages_list[start:start + batch_size]
        res = backend.choice_probs([ChoiceRequest(m, ANSWER_KEYS) for m in chunk])
        out.extend(r.probs[0] if r.ok and r.probs else None for r in res)
        advance(len(chunk))
    return out
