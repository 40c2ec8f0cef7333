"""The shared generate-parse-retry loop: corrective turn, temperatures, sample
indices, batches, recorded failures (a scripted generate; the loop's users are
tested with SmolLM2 in the mining and targeting tests)."""

from __future__ import annotations

import pytest

from populace.errors import PopulaceError
from populace.llm.base import GenerateResult, Message
from populace.llm.retry import Prompt, generate_parsed


class Bad(ValueError):
    pass


def parse_int(s):
    if not s.strip().isdigit():
        raise Bad("reply with digits only")
    return int(s)


def test_retry_with_reason_then_success_and_recorded_failure():
    calls = []

    def gen(reqs):
        calls.append(reqs)
        out = []
        for r in reqs:
            last = r.messages[-1].content
            if "q1" in r.messages[0].content:
                out.append(GenerateResult(text="7" if "could not be used" in last else "seven"))
            elif "q2" in r.messages[0].content:
                out.append(GenerateResult(text="never a number"))
            else:
                out.append(GenerateResult(error="server said no"))
        return out

    ps = [
        Prompt(
            (Message("user", f"q{i}"),),
            parse_int,
            max_tokens=5,
            sample_index=i,
            grammar="root ::= [0-9]+" if i == 1 else None,
        )
        for i in (1, 2, 3)
    ]
    seen = []
    res = generate_parsed(
        gen, ps, parse_error=Bad, seed=3, retry_temperature=0.7, batch_size=2, advance=seen.append
    )
    assert [r.ok for r in res] == [True, False, False]
    assert res[0].value == 7 and res[0].attempts == 2 and res[0].error is None
    assert res[1].error == "reply with digits only" and res[1].raw == "never a number"
    assert res[2].error == "server said no" and res[2].raw is None and res[2].attempts == 2
    assert seen == [2, 1]  # one advance per batch
    first, retry = calls[0], calls[1]
    assert [r.temperature for r in first] == [0.0, 0.0]
    assert [r.temperature for r in retry] == [0.7, 0.7]
    assert [r.sample_index for r in first] == [100, 200]
    assert [r.sample_index for r in retry] == [101, 201]
    assert first[0].grammar == "root ::= [0-9]+" and first[1].grammar is None
    assert retry[0].messages[-2] == Message("assistant", "seven")
    assert "reply with digits only" in retry[0].messages[-1].content
    assert all(r.seed == 3 for batch in calls for r in batch)


def test_single_attempt_and_empty_input():
    res = generate_parsed(
        lambda reqs: [GenerateResult(text="x")] * len(reqs),
        [Prompt((Message("user", "a"),), parse_int)],
        parse_error=Bad,
        max_attempts=1,
    )
    assert not res[0].ok and res[0].attempts == 1
    assert generate_parsed(lambda reqs: [], [], parse_error=Bad) == []


def test_a_corrective_turn_that_overflows_the_context_is_dropped_from_the_retry():
    """The e2e v2 run stopped when a persona retry (the prompt, the unusable reply
    and the reason) came to 2,095 tokens in a 2,048 context: such a retry batch
    now goes again without the corrective turns, as a plain new sample."""
    sent = []

    def gen(reqs):
        sent.append([(len(r.messages), r.temperature, r.sample_index) for r in reqs])
        if any(len(r.messages) > 1 for r in reqs):
            raise PopulaceError("a prompt of 2095 tokens (+1 to answer) does not fit")
        return [
            GenerateResult(text="5" if r.sample_index == 1 else "five")
            if "long" in r.messages[0].content
            else GenerateResult(text="3")
            for r in reqs
        ]

    ps = [Prompt((Message("user", q),), parse_int) for q in ("long", "short")]
    got = generate_parsed(gen, ps, parse_error=Bad, max_attempts=2, batch_size=2)
    assert [(g.value, g.ok, g.attempts) for g in got] == [(5, True, 2), (3, True, 1)]
    # attempt 0; the retry with its corrective turn (refused); the retry without it
    assert sent == [[(1, 0.0, 0), (1, 0.0, 0)], [(3, 0.7, 1)], [(1, 0.7, 1)]]

    def refuse(reqs):
        raise PopulaceError("does not fit")

    with pytest.raises(PopulaceError):  # the first attempt's error is the caller's
        generate_parsed(refuse, ps, parse_error=Bad)
