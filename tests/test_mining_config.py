"""Mining settings: the paper profile is the default, the cheap profile and overrides."""

import pytest

from populace.errors import PopulaceError
from populace.mining import PROFILES, MiningConfig


def test_paper_profile_is_the_default():
    assert MiningConfig.from_profile("paper") == MiningConfig()
    c = MiningConfig()
    assert (c.profile, c.min_posts, c.qc_keep_quality, c.qc_method, c.clean_mode) == (
        "paper",
        6,
        ("high",),
        "generate",
        "always",
    )


def test_cheap_profile_and_overrides():
    c = MiningConfig.from_profile("cheap")
    assert c.profile == "cheap" and c.qc_method == "probs" and c.clean_mode == "never"
    assert c.qc_keep_quality == ("high", "medium") and c.min_posts == 4
    assert c.max_posts_per_author == 6 and c.context_tokens == 2048
    assert c.to_dict()["qc_keep_quality"] == ["high", "medium"]
    o = MiningConfig.from_profile("cheap", min_posts=5, qc_method="generate")
    assert (o.min_posts, o.qc_method, o.max_post_words) == (5, "generate", 80)
    assert set(PROFILES) == {"paper", "cheap"}


def test_bad_settings():
    with pytest.raises(PopulaceError, match="unknown mining profile"):
        MiningConfig.from_profile("fast")
    with pytest.raises(PopulaceError, match="qc_method"):
        MiningConfig(qc_method="logits")
    with pytest.raises(PopulaceError, match="clean_mode"):
        MiningConfig(clean_mode="sometimes")
