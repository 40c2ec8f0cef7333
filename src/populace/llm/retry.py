"""Generate, parse strictly, retry once with the reason, record what failed.

One loop for every stage that needs a parsed reply (mining's clean, QC,
persona, critic and PII; targeting's queries and revisions). Requests go out
in batches of ``batch_size`` (each batch is one ``generate`` call, so a cached
backend commits per batch and a killed run loses at most one). A reply the
parser rejects (it raises ``parse_error``) is retried with the reply and the
reason appended as a corrective turn, at temperature ``max(the prompt's,
retry_temperature)`` and sample index ``prompt.sample_index * 100 + attempt``;
after ``max_attempts`` the prompt is a recorded failure (``ok=False``,
``error``, the last reply in ``raw``), never a silent default. When a retry
batch cannot be sent because a corrective turn made a prompt too long for the
model's context (the backend raises ``PopulaceError``), the batch is sent again
without the corrective turns: the retry is then a plain new sample.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from populace.errors import PopulaceError
from populace.llm.base import GenerateRequest, GenerateResult, Message

RAW_KEEP = 2000  # characters of a failed reply kept


@dataclass
class Prompt:
    messages: tuple[Message, ...]
    parse: Callable[[str], Any]
    max_tokens: int = 200
    temperature: float = 0.0
    sample_index: int = 0  # distinct variants of one prompt get distinct indices
    grammar: str | None = None  # GBNF the reply must follow
    repeat_penalty: float = 1.0  # see GenerateRequest.repeat_penalty


@dataclass
class Parsed:
    value: Any = None
    ok: bool = False
    error: str | None = None
    attempts: int = 0
    raw: str | None = None


def generate_parsed(
    generate: Callable[[list[GenerateRequest]], list[GenerateResult]],
    prompts: Sequence[Prompt],
    *,
    parse_error: type[Exception],
    seed: int = 0,
    max_attempts: int = 2,
    batch_size: int = 4,
    retry_temperature: float = 0.7,
    advance: Callable[[int], None] = lambda n: None,
    on_retry: Callable[[int], None] = lambda n: None,
) -> list[Parsed]:
    out = [Parsed() for _ in prompts]
    step = max(1, batch_size)
    for start in range(0, len(prompts), step):
        idx = list(range(start, min(start + step, len(prompts))))
        n_block = len(idx)
        convo = {i: prompts[i].messages for i in idx}
        for attempt in range(max_attempts):
            if not idx:
                break
            if attempt:
                on_retry(len(idx))

            def requests(msgs, attempt=attempt, idx=idx):
                return [
                    GenerateRequest(
                        messages=msgs[i],
                        max_tokens=prompts[i].max_tokens,
                        temperature=(
                            prompts[i].temperature
                            if attempt == 0
                            else max(prompts[i].temperature, retry_temperature)
                        ),
                        seed=seed,
                        sample_index=prompts[i].sample_index * 100 + attempt,
                        grammar=prompts[i].grammar,
                        repeat_penalty=prompts[i].repeat_penalty,
                    )
                    for i in idx
                ]

            corrective = any(convo[i] is not prompts[i].messages for i in idx)
            try:
                results = generate(requests(convo))
            except PopulaceError:
                # a corrective turn can push a long prompt past the model's
                # context: the retry then goes without it (a fresh sample of the
                # prompt as it was). An error the first attempt meets is the caller's.
                if not corrective:
                    raise
                convo = {**convo, **{i: prompts[i].messages for i in idx}}
                results = generate(requests(convo))
            todo = []
            for i, g in zip(idx, results):
                o = out[i]
                o.attempts = attempt + 1
                if not g.ok:
                    o.error, o.raw = g.error, None
                    todo.append(i)
                    continue
                o.raw = (g.text or "")[:RAW_KEEP]
                try:
                    o.value, o.ok, o.error = prompts[i].parse(g.text or ""), True, None
                except parse_error as exc:
                    o.error = str(exc)
                    todo.append(i)
                    convo[i] = prompts[i].messages + (
                        Message("assistant", o.raw),
                        Message(
                            "user",
                            f"Your reply could not be used: {exc}. Do the task "
                            "again and reply exactly in the required format.",
                        ),
                    )
            idx = todo
        advance(n_block)
    return out
