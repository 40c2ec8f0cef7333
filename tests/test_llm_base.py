"""The backend protocol's request and result types (llm/base.py). The key payloads
are what the call cache hashes: a change to them would make every committed
benchmark state (benchmarks/state/) miss, so they are pinned here."""

from __future__ import annotations

import math

import pytest

from populace.llm.base import (
    Backend,
    ChoiceRequest,
    ChoiceResult,
    GenerateRequest,
    GenerateResult,
    Message,
    messages,
    renormalise,
)

MSGS = messages(("system", "be brief"), ("user", "Rate 1-5"))


def test_messages_builds_frozen_role_content_pairs():
    assert MSGS == (Message("system", "be brief"), Message("user", "Rate 1-5"))
    with pytest.raises(AttributeError):
        MSGS[0].content = "x"


def test_choice_key_payload_is_pinned():
    req = ChoiceRequest(MSGS, ("1", "2"))
    assert req.key_payload() == {
        "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "Rate 1-5"},
        ],
        "keys": ["1", "2"],
    }
    assert hash(req) == hash(ChoiceRequest(MSGS, ("1", "2")))


def test_generate_key_payload_leaves_out_default_grammar_and_repeat_penalty():
    """Fields added later (grammar, repeat_penalty) are left out at their
    defaults, so the keys of requests made before them stay the same."""
    req = GenerateRequest(MSGS, max_tokens=8, temperature=0.7, seed=3, sample_index=2)
    assert req.key_payload() == {
        "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "Rate 1-5"},
        ],
        "max_tokens": 8,
        "temperature": 0.7,
        "top_p": 1.0,
        "seed": 3,
        "sample_index": 2,
        "stop": [],
    }
    full = GenerateRequest(MSGS, stop=("\n",), grammar='root ::= "1"', repeat_penalty=1.1)
    p = full.key_payload()
    assert p["grammar"] == 'root ::= "1"' and p["repeat_penalty"] == 1.1 and p["stop"] == ["\n"]


def test_results_are_ok_unless_they_carry_an_error():
    assert ChoiceResult(probs=(1.0,), mass=1.0).ok and not ChoiceResult(error="boom").ok
    assert GenerateResult(text="3").ok and not GenerateResult(error="timeout").ok
    assert math.isnan(ChoiceResult().mass)


def test_renormalise_returns_probabilities_and_the_mass_they_had():
    probs, mass = renormalise([0.2, 0.3, 0.0])
    assert probs == pytest.approx((0.4, 0.6, 0.0)) and mass == pytest.approx(0.5)
    assert renormalise([0.0, 0.0]) == ((), 0.0)
    empty, nan = renormalise([math.nan])
    assert empty == () and math.isnan(nan)


def test_a_class_with_the_three_methods_is_a_backend():
    class Tiny:
        fingerprint = "tiny"

        def choice_probs(self, requests):
            return []

        def generate(self, requests):
            return []

        def close(self):
            pass

    assert isinstance(Tiny(), Backend) and not isinstance(object(), Backend)
