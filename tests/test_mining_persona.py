"""Persona generation with real SmolLM2 on a real blogger: status, failure record,
evidence, bounded calls."""

import pandas as pd

from populace.corpus import read_corpus
from populace.llm.cache import CachedBackend, CallCache
from populace.mining import Templates
from populace.mining.llm import StageCaller
from populace.mining.persona import context_texts, personas
from tests._mining_helpers import Scripted, blogs_dir, smol, tiny_config


def inputs():
    posts = read_corpus(blogs_dir(), limit_authors=1).head(2).copy()
    posts["text"] = posts["text"].map(lambda t: " ".join(t.split()[:30]))
    authors = pd.DataFrame(
        {
            "author_id": [posts["author_id"].iloc[0]],
            "keep": [True],
            "context_post_ids": [posts["post_id"].tolist()],
        }
    )
    return authors, posts[["post_id", "author_id", "date", "text"]]


def test_persona_with_smollm2(tmp_path):
    authors, cleaned = inputs()
    caller = StageCaller(
        CachedBackend(smol(), CallCache(tmp_path / "c.sqlite")), "persona", max_attempts=1
    )
    out = personas(authors, cleaned, caller, Templates.load(), tiny_config())
    r = out.iloc[0]
    assert r["status"] in ("ok", "null", "failed")
    if r["status"] == "failed":
        assert r["error"] and r["raw"] is not None and r["persona"] is None and not r["keep"]
    if r["status"] == "ok":
        assert len(r["persona"].split()) <= 100 and len(r["evidence"]) >= 1
    assert caller.stats["requests"] == 1 and caller.stats["prompt_tokens"] > 150


def test_persona_prompt_holds_the_context_posts():
    authors, cleaned = inputs()
    ctx = context_texts(authors, cleaned, 10_000)
    assert ctx[authors["author_id"].iloc[0]][0] == cleaned["text"].tolist()
    b = Scripted()
    out = personas(authors, cleaned, StageCaller(b, "persona"), Templates.load(), tiny_config())
    assert b.calls == 1 and out["status"].tolist() == ["ok"]
    assert out["evidence_support"].iloc[0] == 1.0


class _Inventive(Scripted):
    """Answers with an invented age in the persona's first sentence."""

    def reply(self, r):
        out = super().reply(r)
        return out.replace(
            "They write about daily life and work, and share feelings openly.",
            "She is a 30-year-old software developer. " + LONG,
            1,
        )


LONG = (
    "She writes about daily life and work, shares her feelings openly and answers her "
    "readers with warmth."
)


def test_repair_numbers_drops_the_invented_sentence():

    authors, cleaned = inputs()
    cfg = tiny_config()
    plain = personas(authors, cleaned, StageCaller(_Inventive(), "persona"), Templates.load(), cfg)
    assert "30-year-old" in plain["persona"].iloc[0] and plain["repaired"].iloc[0] == 0
    fixed = personas(
        authors,
        cleaned,
        StageCaller(_Inventive(), "persona"),
        Templates.load(),
        cfg.replace(repair_numbers=True),
    )
    r = fixed.iloc[0]
    assert r["status"] == "ok" and r["repaired"] == 1 and r["keep"]
    assert r["persona"] == LONG
