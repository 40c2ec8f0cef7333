"""A deterministic stand-in LLM for the logic around the model (seed links,
retries, failures, caching); every stage is also run against real SmolLM2."""

from __future__ import annotations

import hashlib

from populace.llm.base import ChoiceResult, GenerateResult


class Scripted:
    fingerprint = "scripted-standin"

    def __init__(self, bad_first=False, always_bad=False, yes_words=()):
        self.bad_first, self.always_bad, self.yes_words = bad_first, always_bad, yes_words
        self.calls = 0

    def generate(self, requests, **kw):
        out = []
        for r in requests:
            self.calls += 1
            retry = len(r.messages) > 2
            user = r.messages[1].content if len(r.messages) > 1 else r.messages[0].content
            if self.always_bad or (self.bad_first and not retry):
                out.append(GenerateResult(text="I cannot do that."))
            elif "QUERY:" in user:
                out.append(GenerateResult(text=f"QUERY: people like number {self.calls} here"))
            else:
                persona = user.split("<<<DATA\n", 1)[1].split("\nDATA>>>", 1)[0]
                out.append(GenerateResult(text=f"PERSONA: {persona} (revised {r.sample_index})"))
        return out

    def choice_probs(self, requests):
        out = []
        for r in requests:
            self.calls += 1
            text = r.messages[-1].content
            if any(w in text for w in self.yes_words):
                y = 0.99
            else:  # a fixed pseudo-random P(YES) in [0.1, 0.9) per prompt
                y = 0.1 + 0.8 * int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) / 16**8
            out.append(ChoiceResult(probs=(y, 1 - y), mass=1.0, method="standin"))
        return out

    def close(self):
        pass
