"""Group by author and the documented context rule."""

import pandas as pd

from populace.mining import MiningConfig
from populace.mining.group import approx_tokens, choose_context, group


def test_choose_context_spreads_over_time():
    texts = ["x" * 350] * 10  # 100 + 12 tokens each
    assert choose_context(texts, 10_000, 20) == list(range(10))
    idx = choose_context(texts, 112 * 3, 20)
    assert len(idx) == 3 and idx[0] == 0 and idx[-1] == 9
    assert choose_context(texts, 10_000, 4) == [0, 3, 6, 9]
    assert choose_context(["x" * 5000, "y" * 9000], 50, 5) == [0]  # shortest, cut later
    assert approx_tokens("abcdefg") == 2 + 12


def test_group_min_posts_and_metadata():
    posts = pd.DataFrame(
        {
            "post_id": [f"a-{i}" for i in range(7)] + ["b-0"],
            "author_id": ["a"] * 7 + ["b"],
            "date": "",
            "text": "t",
            "gender": ["female"] * 7 + ["male"],
            "age": 20,
            "topic": "Arts",
            "sign": "Leo",
        }
    )
    cleaned = posts[["post_id", "author_id", "date", "text"]].assign(keep=True)
    qc = posts[["post_id", "author_id"]].assign(keep=[True] * 6 + [False, True])
    out = group(qc, cleaned, posts, MiningConfig(min_posts=6)).set_index("author_id")
    assert out.loc["a", "keep"] and out.loc["a", "n_posts"] == 6
    assert list(out.loc["a", "context_post_ids"]) == [f"a-{i}" for i in range(6)]
    assert not out.loc["b", "keep"] and out.loc["b", "reason"] == "author_too_few_posts"
    assert out.loc["a", "gender"] == "female"
