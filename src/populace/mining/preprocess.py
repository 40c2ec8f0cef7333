"""Stage 1, preprocess: cheap rule filters before any LLM call.

Per post, in order (the first failing rule is the ``reason``):

1. ``empty``           no text;
2. ``duplicate``       the same text (after case/space folding) earlier by the same author;
3. ``too_short``       fewer than ``min_tokens`` whitespace tokens (default 30);
4. ``no_first_person`` no first-person pronoun (I, me, my, mine, myself, we,
                       us, our, ours, ourselves and their contractions);

then per author:

5. ``author_too_few_posts``  fewer than ``min_posts`` posts passed 1-4 (such
                             an author can never reach ``min_posts`` after QC);
6. ``author_cap``            beyond ``max_posts_per_author`` posts: the kept ones
                             are spread evenly over the author's posts in
                             corpus order (this bounds the LLM work per author).

Kept posts are cut to ``max_post_words`` words (``truncated`` says so); rule 4
looks at the part that is kept.
``injection_suspect`` flags posts with instruction-like phrases ("ignore
previous instructions"); it is informational and changes nothing.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from populace.mining.config import MiningConfig
from populace.mining.parse import FIRST_PERSON

_INJECTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|prompts?|rules)\b",
    re.IGNORECASE | re.DOTALL,
)


def spread(n: int, k: int) -> list[int]:
    """``k`` indices spread evenly over ``range(n)`` (all of them when k >= n)."""
    if k >= n:
        return list(range(n))
    return sorted(set(np.linspace(0, n - 1, k).round().astype(int).tolist()))


def preprocess(posts: pd.DataFrame, cfg: MiningConfig) -> pd.DataFrame:
    """One row per input post: post_id, author_id, text (cut), n_tokens, keep, reason, ..."""
    df = posts[["post_id", "author_id", "date", "text"]].reset_index(drop=True)
    text = df["text"].fillna("").astype(str)
    df["n_tokens"] = text.str.split().str.len().fillna(0).astype(int)
    cut = text.str.split().map(lambda w: len(w) > cfg.max_post_words)
    short = text.where(~cut, text.str.split().map(lambda w: " ".join(w[: cfg.max_post_words])))
    # the pronoun must be in the part that is kept (posts are cut to max_post_words)
    df["first_person"] = short.map(lambda t: bool(FIRST_PERSON.search(t)))
    df["injection_suspect"] = text.map(lambda t: bool(_INJECTION.search(t)))
    folded = text.str.lower().str.split().str.join(" ")
    reason = pd.Series("", index=df.index, dtype=object)
    reason[text.str.strip() == ""] = "empty"
    dup = folded.groupby(df["author_id"]).transform(lambda s: s.duplicated())
    reason[(reason == "") & dup.astype(bool)] = "duplicate"
    reason[(reason == "") & (df["n_tokens"] < cfg.min_tokens)] = "too_short"
    if cfg.require_first_person:
        reason[(reason == "") & ~df["first_person"]] = "no_first_person"
    for _, rows in df[reason == ""].groupby("author_id", sort=False).groups.items():
        rows = list(rows)
        if len(rows) < cfg.min_posts:
            reason[rows] = "author_too_few_posts"
        elif len(rows) > cfg.max_posts_per_author:
            keep = set(rows[i] for i in spread(len(rows), cfg.max_posts_per_author))
            reason[[r for r in rows if r not in keep]] = "author_cap"
    df["reason"] = reason
    df["keep"] = reason == ""
    df["truncated"] = df["keep"] & cut
    df.loc[df["truncated"], "text"] = short[df["truncated"]]
    return df.reset_index(drop=True)
