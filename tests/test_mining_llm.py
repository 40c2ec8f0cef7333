"""The stage caller: batches through the cache, corrective retry, recorded failure, counts."""

from populace.llm.base import GenerateResult, Message
from populace.llm.cache import CachedBackend, CallCache
from populace.mining.llm import Item, StageCaller
from populace.mining.parse import ParseError


class Script:
    fingerprint = "script:v1"

    def __init__(self, answers):
        self.answers = answers  # callable(request) -> GenerateResult
        self.seen = []

    def generate(self, requests, **kw):
        self.seen.extend(requests)
        return [self.answers(r) for r in requests]

    def close(self):
        pass


def parse_int(s):
    if not s.strip().isdigit():
        raise ParseError("reply with a number")
    return int(s)


def items(n):
    return [Item((Message("user", f"q{i}"),), parse_int, 8) for i in range(n)]


def test_retry_then_success_and_failure(tmp_path):
    def answer(r):
        q = r.messages[0].content
        if q == "q0":
            return GenerateResult(text="7")
        if q == "q1":  # succeeds on the corrective retry
            return GenerateResult(text="8" if len(r.messages) > 1 else "eight")
        if q == "q2":
            return GenerateResult(error="server said no")
        return GenerateResult(text="never a number")

    b = Script(answer)
    cached = CachedBackend(b, CallCache(tmp_path / "c.sqlite"))
    c = StageCaller(cached, "t", max_attempts=2, batch_size=2)
    out = c.run(items(4))
    assert [o.status for o in out] == ["ok", "ok", "failed", "failed"]
    assert out[1].value == 8 and out[1].attempts == 2
    assert out[2].error == "server said no" and out[3].error == "reply with a number"
    assert out[3].raw == "never a number"
    retry = [r for r in b.seen if r.messages[0].content == "q1"][1]
    assert retry.messages[1].role == "assistant"
    assert "reply with a number" in retry.messages[2].content
    assert retry.sample_index == 1 and retry.temperature == 0.7
    s = c.stats
    assert s["requests"] == 7 and s["model_calls"] == 7 and s["failures"] == 2 and s["retries"] == 3
    assert s["prompt_tokens"] > 0 and not s["tokens_exact"]
    # a second run: every successful call comes from the cache (failed ones are retried)
    c2 = StageCaller(cached, "t", max_attempts=2, batch_size=2)
    c2.run(items(4))
    assert c2.stats["cache_hits"] == 5 and c2.stats["model_calls"] == 2


def test_progress_advances_per_batch():
    seen = []
    c = StageCaller(Script(lambda r: GenerateResult(text="1")), "t", batch_size=2)
    c.run(items(5), seen.append)
    assert seen == [2, 2, 1]
