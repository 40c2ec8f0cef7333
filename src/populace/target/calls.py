"""LLM calls of the targeting stages: cached, batched, strictly parsed (the loop is
``populace.llm.retry.generate_parsed``, shared with mining).

Every request goes through the run's call cache (``CachedBackend`` over
``RUN/cache.sqlite``), committed per batch, so a killed command loses at most
one batch and a rerun repeats no finished call. A reply that does not parse is
retried once with the reply and the parser's reason appended as a corrective
turn (temperature ``retry_temperature``, a new sample index); after
``max_attempts`` the item is a recorded failure (``ok=False``, ``error``, last
reply), never a silent default.
"""

from __future__ import annotations

from typing import Callable, Sequence

from populace.llm.base import ChoiceRequest, Message
from populace.llm.retry import Parsed, Prompt, generate_parsed
from populace.target.parse import ParseError

ANSWER_KEYS = ("Yes", "No")


#: a targeting prompt (messages, parse, max_tokens=200, temperature, sample_index)
Task = Prompt
#: its outcome (value, ok, error, attempts, raw)
Outcome = Parsed


def run_tasks(backend, tasks: Sequence[Task], *, seed: int = 0, max_attempts: int = 2,
              batch_size: int = 4, retry_temperature: float = 0.7,
              advance: Callable[[int], None] = lambda n: None) -> list[Outcome]:
    return generate_parsed(backend.generate, tasks, parse_error=ParseError, seed=seed,
                           max_attempts=max_attempts, batch_size=batch_size,
                           retry_temperature=retry_temperature, advance=advance)


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
