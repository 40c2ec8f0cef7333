"""The backend protocol every LLM backend implements, and its request/result types.

Two operations:

``choice_probs(requests)``
    For each request (chat messages + the answer keys, e.g. ``"1".."5"``), the
    probability of each key as the *first token of the assistant's reply*,
    renormalised over the keys, plus ``mass``: how much of the model's raw
    next-token probability the keys captured before renormalising (1.0 means
    the model put all its probability on valid answers).

``generate(requests)``
    Free text for each request (chat messages + decoding parameters, optionally
    a GBNF grammar the reply must follow).

Requests are plain frozen dataclasses so the call cache can hash them.
Backends report per-request failures (a server that keeps returning errors)
in the result's ``error`` field; they raise :class:`~populace.errors.PopulaceError`
only for problems that stop every call (unreachable server, unknown model).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Message:
    role: str  # "system" | "user" | "assistant"
    content: str


def messages(*pairs: tuple[str, str]) -> tuple[Message, ...]:
    return tuple(Message(r, c) for r, c in pairs)


@dataclass(frozen=True)
class ChoiceRequest:
    messages: tuple[Message, ...]
    keys: tuple[str, ...]

    def key_payload(self) -> dict:
        return {"messages": [asdict(m) for m in self.messages], "keys": list(self.keys)}


@dataclass(frozen=True)
class ChoiceResult:
    probs: tuple[float, ...] = ()  # one per key, summing to 1 (empty on error)
    mass: float = float("nan")  # raw probability the keys captured
    method: str = ""  # "logits", "top_logprobs", "first_token"
    error: str | None = None
    #: True when a key whose tokens begin another key's ("1" of "10") was scored as
    #: itself alone (exclusive_of_extensions, since session 18); results cached
    #: before read False, and a caller that corrected them itself (the critic's
    #: expected score) still does so for those
    exclusive: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class GenerateRequest:
    messages: tuple[Message, ...]
    max_tokens: int = 16
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0
    sample_index: int = 0  # distinguishes repeated stochastic samples of one prompt
    stop: tuple[str, ...] = field(default=())
    #: a GBNF grammar the reply must follow (llama.cpp's format), or None. Backends
    #: that can enforce it do (llama.cpp in process, llama.cpp servers); the
    #: caller still parses the reply, so a backend that ignores it only costs retries.
    grammar: str | None = None
    #: llama.cpp's repeat penalty over the last 64 tokens (1.0: none). Small models
    #: decoding greedily fall into loops ("She is a good friend. She is a good
    #: friend. ..."); 1.1 breaks them. Sent as ``repeat_penalty`` to servers.
    repeat_penalty: float = 1.0

    def key_payload(self) -> dict:
        d = asdict(self)
        d["messages"] = [asdict(m) for m in self.messages]
        d["stop"] = list(self.stop)
        if d["grammar"] is None:  # keys of requests without a grammar stay as they were
            del d["grammar"]
        if d["repeat_penalty"] == 1.0:  # likewise without a repeat penalty
            del d["repeat_penalty"]
        return d


@dataclass(frozen=True)
class GenerateResult:
    text: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@runtime_checkable
class Backend(Protocol):
    """What the survey (and every other LLM stage) needs from a model."""

    #: stable identity of the model for the call cache: model id plus file hash
    #: (in-process) or server model name (HTTP)
    fingerprint: str

    def choice_probs(self, requests: Sequence[ChoiceRequest]) -> list[ChoiceResult]: ...

    def generate(self, requests: Sequence[GenerateRequest]) -> list[GenerateResult]: ...

    def close(self) -> None: ...


def exclusive_of_extensions(
    raw: Sequence[float], variants: Sequence[Sequence[tuple]]
) -> list[float]:
    """P(a key is the whole answer) from P(its tokens come first).

    ``variants[i]`` are key i's token spellings (its first one is the key's own
    tokens). Where a tokenizer splits digits, key "1" (token "1") is also how
    "10" ("1", "0") begins, so P("1" first) holds P("10"): key i loses the
    probability of every key whose tokens begin with one of its spellings (the
    nearest only: "1" loses "10", which already holds "100"), floored at 0. Keys
    that are distinct single tokens are unchanged."""
    paths = [tuple(v[0]) for v in variants]
    out = [float(r) for r in raw]
    for i, spellings in enumerate(variants):
        ext = [
            j
            for j, pj in enumerate(paths)
            if any(len(pj) > len(s) and pj[: len(s)] == tuple(s) for s in spellings)
        ]
        near = [
            j
            for j in ext
            if not any(
                m != j and len(paths[m]) < len(paths[j]) and paths[j][: len(paths[m])] == paths[m]
                for m in ext
            )
        ]
        out[i] = max(0.0, float(raw[i]) - sum(float(raw[j]) for j in near))
    return out


def renormalise(raw: Sequence[float]) -> tuple[tuple[float, ...], float]:
    """Renormalise raw key probabilities; returns (probs, captured mass)."""
    mass = float(sum(raw))
    if not mass > 0:
        return (), mass
    return tuple(float(p) / mass for p in raw), mass
