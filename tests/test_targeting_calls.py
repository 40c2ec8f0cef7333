"""The targeting stages' LLM calls (targeting/calls.py): strict parsing with one
corrective retry, and P(Yes) checks that come back in order with failures as
None. Stand-ins replace the model here; the calls against SmolLM2 are in
tests/test_targeting_pairs.py and tests/test_targeting_revision.py."""

from __future__ import annotations

import pytest

from populace.llm.base import ChoiceResult, GenerateResult, Message
from populace.targeting.calls import ANSWER_KEYS, Task, run_tasks, yes_probability
from populace.targeting.parse import ParseError


def _msgs(text):
    return (Message("user", text),)


class _Replies:
    """Replies from a list per prompt text, one per attempt; records the requests."""

    def __init__(self, replies):
        self.replies = replies
        self.requests = []

    def generate(self, reqs):
        self.requests.append(list(reqs))
        out = []
        for r in reqs:
            first = r.messages[0].content
            n = sum(1 for b in self.requests for q in b if q.messages[0].content == first)
            out.append(GenerateResult(text=self.replies[first][n - 1]))
        return out


def _int(text):
    try:
        return int(text.strip())
    except ValueError:
        raise ParseError(f"not a number: {text!r}") from None


def test_a_reply_that_does_not_parse_is_retried_with_the_reason_then_recorded():
    be = _Replies({"a": ["7"], "b": ["seven", "7"], "c": ["x", "y"]})
    got = run_tasks(be, [Task(_msgs(k), _int) for k in "abc"], batch_size=3)
    assert [g.value for g in got] == [7, 7, None]
    assert [g.ok for g in got] == [True, True, False]
    assert [g.attempts for g in got] == [1, 2, 2]
    assert "not a number: 'y'" in got[2].error and got[2].raw == "y"
    retry = be.requests[1]
    assert len(be.requests) == 2 and len(retry) == 2  # only b and c again, in one batch
    turns = [m.content for m in retry[0].messages]
    assert turns[1] == "seven" and "not a number" in turns[2]  # the reply, then the reason
    assert retry[0].temperature == pytest.approx(0.7) and retry[0].sample_index == 1


class _Choices:
    def __init__(self, fail=()):
        self.fail, self.batches = set(fail), []

    def choice_probs(self, reqs):
        self.batches.append([r.messages[-1].content for r in reqs])
        assert all(r.keys == ANSWER_KEYS for r in reqs)
        return [
            ChoiceResult(error="no log-probs")
            if r.messages[-1].content in self.fail
            else ChoiceResult(probs=(0.25, 0.75), mass=1.0, method="logits")
            for r in reqs
        ]


def test_yes_probability_is_none_where_the_backend_failed():
    be = _Choices(fail={"q1"})
    got = yes_probability(be, [_msgs(f"q{i}") for i in range(3)], batch_size=2)
    assert got == [0.25, None, 0.25]
    assert be.batches == [["q0", "q1"], ["q2"]]


def test_yes_probability_needs_one_group_key_per_message():
    with pytest.raises(ValueError, match="one key per message"):
        yes_probability(_Choices(), [_msgs("q0"), _msgs("q1")], groups=["p1"])
