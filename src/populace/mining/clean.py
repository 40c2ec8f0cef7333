"""Stage 2, clean: the LLM removes markup, URLs and non-English snippets and keeps
the author's words and tone (prompt ``clean.txt``).

The reply must hold the cleaned post between ``<cleaned>`` tags and keep the
post's own words (``parse_clean``: at least ``clean_min_overlap`` of its words
occur in the post, and it is not longer), so a model that answers, summarises
or obeys the post fails the check, is retried once and is then recorded as
``failed``. ``clean_mode``: ``always`` (default) sends every post to the
model; ``auto`` sends only posts where the rules see noise (``noisy``: a URL,
``urlLink``, markup, an HTML entity or non-ASCII letters) and cleans the rest
by rules alone (``status="rules"``); ``never`` uses the rules only.

Kept: ``ok``/``rules`` posts that still pass the preprocess rules (>=
``min_tokens`` tokens and a first-person pronoun) after cleaning.
"""

from __future__ import annotations

import re

import pandas as pd

from populace.mining.config import MiningConfig
from populace.mining.llm import Item, StageCaller
from populace.mining.parse import FIRST_PERSON, parse_clean
from populace.mining.prompts import Templates, fence

_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+|\burllink\b")
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
_ENTITY = re.compile(r"&[#A-Za-z0-9]{2,8};")
_NONASCII = re.compile(r"[^\x00-\x7f]")


def noisy(text: str) -> bool:
    return bool(
        _URL.search(text) or _TAG.search(text) or _ENTITY.search(text) or _NONASCII.search(text)
    )


def rule_clean(text: str) -> str:
    """Remove URLs, ``urlLink`` labels, tags and entities; collapse spaces."""
    text = _ENTITY.sub(" ", _TAG.sub(" ", _URL.sub(" ", text)))
    return re.sub(r"[ \t]+", " ", text).strip()


def clean(
    pre: pd.DataFrame,
    caller: StageCaller | None,
    templates: Templates,
    cfg: MiningConfig,
    advance=lambda n: None,
) -> pd.DataFrame:
    posts = pre[pre["keep"].astype(bool)].reset_index(drop=True)
    texts = posts["text"].tolist()
    use_llm = [cfg.clean_mode == "always" or (cfg.clean_mode == "auto" and noisy(t)) for t in texts]
    items, where = [], []
    for i, (t, u) in enumerate(zip(texts, use_llm)):
        if u:
            approx = int(len(t) / 2.5) + 24
            items.append(
                Item(
                    templates.messages("clean", post=fence(t)),
                    lambda s, t=t: parse_clean(s, t, cfg.clean_min_overlap),
                    min(cfg.clean_max_tokens, approx),
                )
            )
            where.append(i)
    n_rules = len(texts) - len(items)
    if n_rules:
        advance(n_rules)
    results = caller.run(items, advance) if items else []
    rows = []
    by = dict(zip(where, results))
    for i, t in enumerate(texts):
        if i in by:
            o = by[i]
            rows.append(
                {
                    "text": o.value if o.status == "ok" else None,
                    "status": o.status,
                    "error": o.error,
                    "attempts": o.attempts,
                    "raw": None if o.status == "ok" else o.raw,
                }
            )
        else:
            rows.append(
                {
                    "text": rule_clean(t),
                    "status": "rules",
                    "error": None,
                    "attempts": 0,
                    "raw": None,
                }
            )
    out = pd.concat(
        [
            posts[["post_id", "author_id", "date"]],
            pd.DataFrame(
                rows, index=posts.index, columns=["text", "status", "error", "attempts", "raw"]
            ),
        ],
        axis=1,
    )
    txt = out["text"].fillna("")
    ok = out["status"].isin(["ok", "rules"])
    long_enough = txt.str.split().str.len().fillna(0) >= cfg.min_tokens
    fp = txt.map(lambda s: bool(FIRST_PERSON.search(s))) | (not cfg.require_first_person)
    out["keep"] = ok & long_enough & fp
    out["reason"] = ""
    out.loc[~ok, "reason"] = "clean_failed"
    out.loc[ok & ~(long_enough & fp), "reason"] = "too_short_after_clean"
    return out
