"""Helpers for the corpus and mining tests: real bloggers from ../shared/data/blogs,
one shared SmolLM2 backend (loaded once), a tiny mining config that keeps the
real-model calls few and short, and a scripted backend that answers every
stage in its format (only for data-flow tests; the model is tested with SmolLM2)."""

from __future__ import annotations

import functools
import json
import re

from populace.llm.base import GenerateResult
from populace.mining import MiningConfig
from tests.conftest import shared

BLOG_A = "23191.female.23.Advertising.Taurus.xml"
BLOG_B = "23676.male.33.Technology.Scorpio.xml"


def blogs_dir():
    return shared("blogs")


@functools.lru_cache(maxsize=1)
def smol():
    """The real SmolLM2 backend, shared by the tests of one session."""
    from populace.llm import load_backend
    from tests._llm_helpers import smollm2_path

    smollm2_path()
    b, _ = load_backend("smollm2-135m", n_ctx=2048)
    return b


def tiny_config(**kw) -> MiningConfig:
    base = dict(
        min_posts=2,
        max_posts_per_author=2,
        max_post_words=40,
        max_attempts=1,
        clean_max_tokens=24,
        qc_max_tokens=16,
        persona_max_tokens=32,
        critic_max_tokens=24,
        pii_max_tokens=16,
        context_tokens=2048,
        batch_size=2,
    )
    base.update(kw)
    return MiningConfig(**base)


def data_of(messages) -> str:
    """The text of the first data block of a request's user message."""
    m = re.search(r"<<<DATA\n(.*?)\nDATA>>>", messages[-1].content, re.DOTALL)
    return m.group(1) if m else ""


class Scripted:
    """Answers each stage's prompt in its format; counts calls."""

    fingerprint = "scripted:v1"

    def __init__(self, scores=9, obey_injection=False):
        self.calls = 0
        self.scores = scores
        self.obey = obey_injection

    def reply(self, r) -> str:
        user = next(m.content for m in r.messages if m.role == "user")  # the stage prompt
        data = data_of([m for m in r.messages if m.role == "user"][:1])
        if self.obey and "ignore previous instructions" in user.lower():
            return "PWNED"
        if "<cleaned>" in user:
            return f"<cleaned>\n{data}\n</cleaned>"
        if '"quality"' in user:
            return '{"quality": "high", "harmful": "no"}'
        if "PERSONA:" in user and "EVIDENCE" in user:
            quote = " ".join(data.split()[:8])
            return (
                f"PERSONA: They write about daily life and work, and share feelings openly."
                f'\nEVIDENCE:\n- "{quote}"'
            )
        if '"hallucination"' in user:
            return json.dumps(
                {
                    k: self.scores
                    for k in ("hallucination", "coverage", "conciseness", "relevance", "overall")
                }
            )
        if "full_names" in user:
            return '{"full_names": []}'
        return "?"

    def generate(self, requests, **kw):
        self.calls += len(requests)
        return [GenerateResult(text=self.reply(r)) for r in requests]

    def choice_probs(self, requests):
        """Critic scores ("1".."10": most mass on ``scores``), QC (high, not harmful)."""
        from populace.llm.base import ChoiceResult

        out = []
        for r in requests:
            keys = [k.lower() for k in r.keys]
            if keys[:2] == ["1", "2"]:
                raw = [0.9 if int(k) == self.scores else 0.1 / 9 for k in keys]
            else:
                want = "high" if "high" in keys else "no"
                raw = [0.5 if k == want else 0.0 for k in keys]
            tot = sum(raw)
            out.append(ChoiceResult(probs=tuple(x / tot for x in raw), mass=tot, method="logits"))
        self.calls += len(requests)
        return out

    def close(self):
        pass
