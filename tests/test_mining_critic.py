"""The critic with real SmolLM2: scores or a recorded failure; thresholds."""

import pandas as pd

from populace.llm.cache import CachedBackend, CallCache
from populace.mining import MiningConfig, Templates
from populace.mining.critic import critic, passes
from populace.mining.llm import StageCaller
from tests._mining_helpers import Scripted, smol, tiny_config
from tests.test_mining_persona import inputs


def pers(author):
    return pd.DataFrame(
        {
            "author_id": [author],
            "keep": [True],
            "persona": ["She is a young woman in advertising who feels stuck in her twenties."],
        }
    )


def test_critic_with_smollm2(tmp_path):
    authors, cleaned = inputs()
    caller = StageCaller(
        CachedBackend(smol(), CallCache(tmp_path / "c.sqlite")), "critic", max_attempts=1
    )
    out = critic(
        pers(authors["author_id"].iloc[0]),
        authors,
        cleaned,
        caller,
        Templates.load(),
        tiny_config(critic_method="generate"),
    )
    r = out.iloc[0]
    if r["status"] == "ok":
        assert all(1 <= r[f"critic_{k}"] <= 10 for k in ("hallucination", "overall"))
    else:
        assert pd.isna(r["critic_overall"]) and r["error"] and not r["critic_pass"]
    assert caller.stats["requests"] == 1


def test_probability_critic_with_smollm2(tmp_path):
    """Five questions on one prefix, each an expected score over "1".."10"."""
    authors, cleaned = inputs()
    caller = StageCaller(CachedBackend(smol(), CallCache(tmp_path / "c.sqlite")), "critic")
    out = critic(
        pers(authors["author_id"].iloc[0]),
        authors,
        cleaned,
        caller,
        Templates.load(),
        tiny_config(),
    )
    r = out.iloc[0]
    assert r["status"] == "ok" and caller.stats["scored"] == 5
    scores = [
        r[f"critic_{k}"]
        for k in ("hallucination", "coverage", "conciseness", "relevance", "overall")
    ]
    assert all(1 <= s <= 10 for s in scores)
    assert any(s != round(s) for s in scores)  # expectations, not generated integers


def test_expected_score_separates_1_from_10():
    from populace.llm.base import ChoiceResult
    from populace.mining.critic import expected_score

    # raw P("1" first) = 0.5 holds P("10") = 0.4: score 1 has 0.1, score 10 has 0.4
    raw = [0.5] + [0.0] * 7 + [0.1, 0.4]
    r = ChoiceResult(
        probs=tuple(x / sum(raw) for x in raw), mass=sum(raw), method="logits_multi_token"
    )
    assert abs(expected_score(r) - (1 * 0.1 + 9 * 0.1 + 10 * 0.4) / 0.6) < 1e-9
    # a tokeniser with "10" as one token: no correction
    r1 = ChoiceResult(probs=tuple(x / sum(raw) for x in raw), mass=sum(raw), method="logits")
    assert abs(expected_score(r1) - (1 * 0.5 + 9 * 0.1 + 10 * 0.4) / 1.0) < 1e-9
    # the backend already scored "1" apart from "10" (exclusive): not subtracted twice
    ex = [0.1] + [0.0] * 7 + [0.1, 0.4]
    r2 = ChoiceResult(
        probs=tuple(x / sum(ex) for x in ex),
        mass=sum(ex),
        method="logits_multi_token",
        exclusive=True,
    )
    assert abs(expected_score(r2) - (1 * 0.1 + 9 * 0.1 + 10 * 0.4) / 0.6) < 1e-9


def test_thresholds():
    s = dict(hallucination=7, coverage=7, conciseness=7, relevance=7, overall=8)
    cfg = MiningConfig(critic_method="generate")
    assert passes(s, cfg) and not passes({**s, "overall": 7}, cfg)
    assert not passes({**s, "coverage": 6}, cfg)
    assert passes({**s, "coverage": 6}, MiningConfig(critic_other_min=6))
    authors, cleaned = inputs()
    out = critic(
        pers(authors["author_id"].iloc[0]),
        authors,
        cleaned,
        StageCaller(Scripted(scores=8), "critic"),
        Templates.load(),
        cfg,
    )
    assert out["critic_pass"].tolist() == [True] and out["critic_overall"].tolist() == [8]
    probs = critic(
        pers(authors["author_id"].iloc[0]),
        authors,
        cleaned,
        StageCaller(Scripted(scores=8), "critic"),
        Templates.load(),
        MiningConfig(critic_overall_min=7.5, critic_other_min=7.5),
    )
    assert probs["critic_pass"].tolist() == [True]
    assert abs(probs["critic_overall"].iloc[0] - (0.9 * 8 + 0.1 / 9 * 47)) < 1e-3


def test_grounding_rules_drop_invented_numbers_and_unfound_evidence():
    from populace.mining.critic import unsupported_numbers

    posts = ["I turned 23 last week and my 2 cats hate the new flat.", "Work was long."]
    assert unsupported_numbers("She is a 30-year-old with 2 cats, aged 23.", posts) == ["30"]
    assert unsupported_numbers("He likes tea.", posts) == []
    assert unsupported_numbers("She has 3 cats.", ["I have 33 cats"]) == ["3"]  # whole numbers

    authors = pd.DataFrame(
        {
            "author_id": ["a", "b", "c"],
            "keep": [True] * 3,
            "context_post_ids": [["p1"], ["p1"], ["p1"]],
        }
    )
    cleaned = pd.DataFrame(
        {"post_id": ["p1"], "author_id": ["a"], "date": ["2004-01-01"], "text": [posts[0]]}
    )
    pers = pd.DataFrame(
        {
            "author_id": ["a", "b", "c"],
            "keep": [True] * 3,
            "persona": [
                "She is 23 and has 2 cats.",
                "She is a 30-year-old nurse.",
                "She has cats.",
            ],
            "evidence_support": [1.0, 1.0, 0.0],
        }
    )
    cfg = tiny_config(critic_overall_min=0, critic_other_min=0)
    caller = StageCaller(Scripted(scores=9), "critic", max_attempts=1)
    out = critic(pers, authors, cleaned, caller, Templates.load(), cfg).set_index("author_id")
    assert out["critic_pass"].all()  # the scripted critic passes all three
    assert out["rules_pass"].tolist() == [True, False, False]
    assert out.loc["b", "rule_unsupported_numbers"] == ["30"]
    assert not out.loc["c", "rule_evidence_ok"]
    assert out["keep"].tolist() == [True, False, False]
    off = critic(
        pers,
        authors,
        cleaned,
        caller,
        Templates.load(),
        tiny_config(critic_overall_min=0, critic_other_min=0, grounding_rules=False),
    )
    assert off["keep"].all()
