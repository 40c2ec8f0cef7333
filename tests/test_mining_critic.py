"""The critic with real SmolLM2: scores or a recorded failure; thresholds."""

import pandas as pd

from populace.llm.cache import CachedBackend, CallCache
from populace.mining import MiningConfig, Templates
from populace.mining.critic import critic, passes
from populace.mining.llm import StageCaller
from tests._mining_helpers import Scripted, smol, tiny_config
from tests.test_mining_persona import inputs


def pers(author):
    return pd.DataFrame({"author_id": [author], "keep": [True], "persona": [
        "She is a young woman in advertising who feels stuck in her twenties."]})


def test_critic_with_smollm2(tmp_path):
    authors, cleaned = inputs()
    caller = StageCaller(CachedBackend(smol(), CallCache(tmp_path / "c.sqlite")), "critic",
                         max_attempts=1)
    out = critic(pers(authors["author_id"].iloc[0]), authors, cleaned, caller,
                 Templates.load(), tiny_config())
    r = out.iloc[0]
    if r["status"] == "ok":
        assert all(1 <= r[f"critic_{k}"] <= 10 for k in ("hallucination", "overall"))
    else:
        assert pd.isna(r["critic_overall"]) and r["error"] and not r["critic_pass"]
    assert caller.stats["requests"] == 1


def test_thresholds():
    s = dict(hallucination=7, coverage=7, conciseness=7, relevance=7, overall=8)
    cfg = MiningConfig()
    assert passes(s, cfg) and not passes({**s, "overall": 7}, cfg)
    assert not passes({**s, "coverage": 6}, cfg)
    assert passes({**s, "coverage": 6}, MiningConfig(critic_other_min=6))
    authors, cleaned = inputs()
    out = critic(pers(authors["author_id"].iloc[0]), authors, cleaned,
                 StageCaller(Scripted(scores=8), "critic"), Templates.load(), cfg)
    assert out["critic_pass"].tolist() == [True] and out["critic_overall"].tolist() == [8]
