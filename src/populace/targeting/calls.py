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

from collections.abc import Callable, Sequence

from populace.llm.base import ChoiceRequest, Message
from populace.llm.retry import Parsed, Prompt, generate_parsed
from populace.targeting.parse import ParseError

ANSWER_KEYS = ("Yes", "No")


#: a targeting prompt (messages, parse, max_tokens=200, temperature, sample_index)
Task = Prompt
#: its outcome (value, ok, error, attempts, raw)
Outcome = Parsed


def run_tasks(
    backend,
    tasks: Sequence[Task],
    *,
    seed: int = 0,
    max_attempts: int = 2,
    batch_size: int = 4,
    retry_temperature: float = 0.7,
    advance: Callable[[int], None] = lambda n: None,
) -> list[Outcome]:
    return generate_parsed(
        backend.generate,
        tasks,
        parse_error=ParseError,
        seed=seed,
        max_attempts=max_attempts,
        batch_size=batch_size,
        retry_temperature=retry_temperature,
        advance=advance,
    )


def yes_probability(
    backend,
    messages_list: Sequence[tuple[Message, ...]],
    *,
    batch_size: int = 16,
    advance: Callable[[int], None] = lambda n: None,
    groups: Sequence | None = None,
) -> list[float | None]:
    """P(Yes) renormalised over Yes/No as the first token of the reply (one forward
    pass per request through ``choice_probs``, no decoding: "Yes" and "No" are one
    token each in common tokenizers, "YES" is not); None where it failed.

    ``groups`` (one key per message, e.g. the persona a check is about): requests
    are sent group by group, in the order each group first appears, and a batch
    never spans two groups, so the requests of one batch share their prompt up to
    what differs inside the group (the persona text when the template puts it
    first): a prefix-reusing backend decodes it once per batch. Results come back
    in the order of ``messages_list`` whatever the grouping."""
    keys = list(groups) if groups is not None else [0] * len(messages_list)
    if len(keys) != len(messages_list):
        raise ValueError("groups needs one key per message")
    order: dict = {}
    for i, k in enumerate(keys):
        order.setdefault(k, []).append(i)
    out: list[float | None] = [None] * len(messages_list)
    for members in order.values():
        for start in range(0, len(members), batch_size):
            chunk = members[start : start + batch_size]
            res = backend.choice_probs(
                [ChoiceRequest(messages_list[i], ANSWER_KEYS) for i in chunk]
            )
            for i, r in zip(chunk, res):
                out[i] = r.probs[0] if r.ok and r.probs else None
            advance(len(chunk))
    return out
