"""QC method ``context``: judge only the posts a persona prompt will show, inside
that prompt, one author at a time.

The ``probs`` method scores every post an author has (up to
``max_posts_per_author``), each in a prompt of its own, so an author's posts
are decoded once for QC and again for the persona. ``context`` asks the same
two questions (quality high/medium/low, harmful yes/no; ``QC_QUESTIONS``) about
each post *inside the posts block the persona prompt starts with*
(``qc_context.txt`` shares its beginning with ``persona.txt`` and
``critic_probs.txt``), from next-token probabilities. For each author:

1. the context the group stage would choose (``group.choose_context``) from the
   posts not yet rejected;
2. the posts of that context not yet judged are judged; a rejected post leaves
   the candidates and the context is chosen again, until every shown post has
   passed (or too few posts are left for ``min_posts``: no more LLM work for
   an author the group stage will drop);
3. ``after_author`` runs (the mining pipeline sends the author's persona and
   critic requests there), so a local model that scores in its generation
   context (``LlamaCppBackend.prefer_generation_context``) decodes the posts
   once for QC, persona and critic together.

Posts that are never shown are not judged (``status`` ``unjudged``) and stay
eligible, so the group stage chooses exactly the context judged here. This
departs from Hu et al. (2025), who rate every post: a post no prompt shows
cannot change a persona. Labels and probabilities are as in ``qc.score_posts``.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from populace.llm.base import ChoiceRequest
from populace.mining.config import MiningConfig
from populace.mining.group import choose_context
from populace.mining.llm import StageCaller
from populace.mining.persona import facts_block, shown_texts
from populace.mining.prompts import Templates, format_posts
from populace.mining.qc import HARMFUL, QUALITY, _keys, labels

#: the end of each QC request; the scales are defined in the prompt's shared beginning
QC_QUESTIONS = {"quality": "quality (high, medium or low)", "harmful": "harmful (yes or no)"}
COLUMNS = [
    "post_id",
    "author_id",
    "quality",
    "harmless",
    "method",
    "p_high",
    "p_medium",
    "p_low",
    "p_harmful",
    "mass",
    "status",
    "error",
    "attempts",
    "raw",
    "keep",
    "reason",
]


def _judge(q, h, cfg: MiningConfig) -> dict:
    lab = labels(q, h)
    if lab is None:
        return {
            "status": "failed",
            "error": q.error or h.error,
            "keep": False,
            "reason": "qc_failed",
        }
    keep = lab["quality"] in cfg.qc_keep_quality and (
        lab["harmless"] == "yes" or not cfg.qc_require_harmless
    )
    return {**lab, "status": "ok", "keep": keep, "reason": "" if keep else "qc_rejected"}


def qc_author(
    posts: pd.DataFrame, meta: dict, caller: StageCaller, templates: Templates, cfg: MiningConfig
) -> list[dict]:
    """QC rows of one author's posts (``post_id``, ``text``, ``date`` in corpus order)."""
    ids, texts = posts["post_id"].tolist(), posts["text"].astype(str).tolist()
    dates = posts["date"].astype(str).tolist()
    facts = facts_block(meta, cfg)
    judged: dict[str, dict] = {}
    while True:
        cand = [i for i in range(len(ids)) if judged.get(ids[i], {}).get("keep", True)]
        if len(cand) < cfg.min_posts:
            break
        shown = [
            cand[j]
            for j in choose_context(
                [texts[i] for i in cand], cfg.posts_budget, cfg.max_context_posts
            )
        ]
        new = [i for i in shown if ids[i] not in judged]
        if not new:
            break
        block = format_posts(
            *shown_texts([texts[i] for i in shown], [dates[i] for i in shown], cfg.posts_budget)
        )
        reqs = []
        for i in new:
            n = shown.index(i) + 1
            reqs += [
                ChoiceRequest(
                    templates.messages(
                        "qc_context",
                        posts=block,
                        facts=facts,
                        max_words=cfg.max_words,
                        number=n,
                        question=QC_QUESTIONS[k],
                    ),
                    _keys(QUALITY if k == "quality" else HARMFUL),
                )
                for k in ("quality", "harmful")
            ]
        res = caller.score([reqs])[0]
        for j, i in enumerate(new):
            judged[ids[i]] = _judge(res[2 * j], res[2 * j + 1], cfg)
    rows = []
    for pid in ids:
        r = judged.get(pid)
        if r is None:
            r = {"status": "unjudged", "keep": True, "reason": ""}
        rows.append(
            {
                "post_id": pid,
                "author_id": meta["author_id"],
                "method": "context",
                "attempts": 1 if r["status"] != "unjudged" else 0,
                **r,
            }
        )
    return rows


def qc_context(
    cleaned: pd.DataFrame,
    posts: pd.DataFrame,
    caller: StageCaller,
    templates: Templates,
    cfg: MiningConfig,
    advance=lambda n: None,
    after_author: Callable[[str, pd.DataFrame], None] | None = None,
) -> pd.DataFrame:
    """The QC table of every cleaned post (see the module doc); ``advance`` counts authors.
    ``posts`` (the corpus table) gives the order of posts and the author metadata."""
    kept = cleaned[cleaned["keep"].astype(bool)]
    order = {p: i for i, p in enumerate(posts["post_id"])}
    meta_cols = [c for c in posts.columns if c not in ("post_id", "date", "text")]
    meta = posts[meta_cols].drop_duplicates("author_id").set_index("author_id")
    rows = []
    for author, g in kept.groupby("author_id", sort=False):
        g = g.assign(_o=g["post_id"].map(order)).sort_values("_o")
        m = {"author_id": author, **(meta.loc[author].to_dict() if author in meta.index else {})}
        mine = qc_author(g, m, caller, templates, cfg)
        rows += mine
        if after_author is not None:
            after_author(author, pd.DataFrame(mine))
        advance(1)
    out = pd.DataFrame(rows)
    for c in COLUMNS:
        if c not in out:
            out[c] = None
    for c in ("p_high", "p_medium", "p_low", "p_harmful", "mass"):
        out[c] = out[c].astype(float)
    out["keep"] = out["keep"].astype(bool)
    out["reason"] = out["reason"].fillna("")
    return out[COLUMNS]
