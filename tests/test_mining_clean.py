"""The clean stage: real SmolLM2 on real posts (machinery, failure records, counts),
the rule cleaner, and the auto mode that skips the LLM for posts without noise."""

import pytest

from populace.corpus import read_corpus
from populace.llm.cache import CachedBackend, CallCache
from populace.mining import Templates
from populace.mining.clean import clean, noisy, rule_clean
from populace.mining.llm import StageCaller
from populace.mining.preprocess import preprocess
from tests._mining_helpers import Scripted, blogs_dir, smol, tiny_config


@pytest.fixture(scope="module")
def pre():
    posts = read_corpus(blogs_dir(), limit_authors=1)
    return preprocess(posts, tiny_config())


def test_clean_with_smollm2(tmp_path, pre):
    cfg = tiny_config()
    caller = StageCaller(
        CachedBackend(smol(), CallCache(tmp_path / "c.sqlite")), "clean", max_attempts=1
    )
    seen = []
    out = clean(pre, caller, Templates.load(), cfg, seen.append)
    assert len(out) == int(pre["keep"].sum()) == 2 and sum(seen) == 2
    assert set(out["status"]) <= {"ok", "failed"}
    failed = out[out["status"] == "failed"]
    assert failed["error"].notna().all() and failed["raw"].notna().all()
    assert not out.loc[out["keep"], "status"].eq("failed").any()
    assert (out.loc[out["status"] == "failed", "reason"] == "clean_failed").all()
    s = caller.stats
    assert s["requests"] == 2 and s["model_calls"] == 2 and s["tokens_exact"]
    assert s["prompt_tokens"] > 100 and s["failures"] == len(failed)


def test_rules_and_auto_mode(pre):
    assert noisy("see urlLink here") and noisy("caf\u00e9") and not noisy("plain words only")
    assert (
        rule_clean("I love <b>this</b> http://x.org/a urlLink site &amp; more")
        == "I love this site more"
    )
    b = Scripted()
    cfg = tiny_config(clean_mode="auto")
    caller = StageCaller(b, "clean")
    out = clean(pre, caller, Templates.load(), cfg)
    n_noisy = int(pre.loc[pre["keep"], "text"].map(noisy).sum())
    assert b.calls == n_noisy and (out["status"] == "rules").sum() == len(out) - n_noisy
    never = clean(pre, None, Templates.load(), tiny_config(clean_mode="never"))
    assert (never["status"] == "rules").all()
