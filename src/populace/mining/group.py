"""Stage 4, group by author: authors with at least ``min_posts`` QC-kept posts,
and the posts their persona and critic prompts show.

Context rule: the posts of an author, in corpus (chronological) order, are
all shown when they fit; otherwise the largest number ``m`` of posts spread
evenly over the author's timeline (``spread(n, m)``) whose estimated tokens fit
``posts_budget`` (= ``context_tokens - persona_max_tokens - 700``, the 700
reserved for the template and the critic's persona), with at most
``max_context_posts`` posts. Tokens are estimated as characters / 3.5
(conservative for English). Spreading over time rather than taking the first
or the longest posts makes the persona describe the whole blog.
"""

from __future__ import annotations

import math

import pandas as pd

from populace.mining.config import MiningConfig
from populace.mining.preprocess import spread


def approx_tokens(text: str) -> int:
    return math.ceil(len(text) / 3.5) + 12  # + the post header and data markers


def choose_context(texts: list[str], budget: int, max_posts: int) -> list[int]:
    """Indices (in order) of the posts to show; see the module doc."""
    toks = [approx_tokens(t) for t in texts]
    for m in range(min(len(texts), max_posts), 0, -1):
        idx = spread(len(texts), m)
        if sum(toks[i] for i in idx) <= budget:
            return idx
    # even one post is too long: show the shortest, cut by the caller
    return [min(range(len(texts)), key=lambda i: toks[i])]


def group(
    qc: pd.DataFrame, cleaned: pd.DataFrame, posts: pd.DataFrame, cfg: MiningConfig
) -> pd.DataFrame:
    kept = qc[qc["keep"].astype(bool)][["post_id", "author_id"]].merge(
        cleaned[["post_id", "text", "date"]], on="post_id", how="left"
    )
    order = {p: i for i, p in enumerate(posts["post_id"])}
    kept["order"] = kept["post_id"].map(order)
    kept = kept.sort_values("order")
    meta_cols = [c for c in posts.columns if c not in ("post_id", "date", "text")]
    meta = posts[meta_cols].drop_duplicates("author_id").set_index("author_id")
    rows = []
    budget = cfg.posts_budget
    for author, g in kept.groupby("author_id", sort=False):
        n = len(g)
        row = {"author_id": author, "n_posts": n}
        if n < cfg.min_posts:
            row.update(
                keep=False, reason="author_too_few_posts", context_post_ids=[], context_tokens=0
            )
        else:
            texts = g["text"].tolist()
            idx = choose_context(texts, budget, cfg.max_context_posts)
            row.update(
                keep=True,
                reason="",
                context_post_ids=[g["post_id"].iloc[i] for i in idx],
                context_tokens=sum(approx_tokens(texts[i]) for i in idx),
            )
        rows.append(row)
    cols = ["author_id", "n_posts", "keep", "reason", "context_post_ids", "context_tokens"]
    out = pd.DataFrame(rows, columns=cols)
    return out.join(meta, on="author_id")
