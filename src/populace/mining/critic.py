"""Stage 6, critic (prompt ``critic.txt``; may use another model, ``--critic-model``):
scores each persona against the posts it was written from on hallucination
(10 = nothing invented), coverage, conciseness, relevance and overall, integers
1-10. Kept (``critic_pass``): overall >= ``critic_overall_min`` (8) and every
other score >= ``critic_other_min`` (7). A reply that does not parse is retried
once, then recorded as ``failed`` and the persona is dropped.
"""

from __future__ import annotations

import pandas as pd

from populace.mining import grammars
from populace.mining.config import MiningConfig
from populace.mining.llm import Item, StageCaller
from populace.mining.parse import CRITIC_KEYS, parse_critic
from populace.mining.persona import context_texts
from populace.mining.prompts import Templates, fence, format_posts


def passes(scores: dict, cfg: MiningConfig) -> bool:
    return (scores["overall"] >= cfg.critic_overall_min
            and all(scores[k] >= cfg.critic_other_min for k in CRITIC_KEYS if k != "overall"))


def critic(pers: pd.DataFrame, authors: pd.DataFrame, cleaned: pd.DataFrame,
           caller: StageCaller, templates: Templates, cfg: MiningConfig,
           advance=lambda n: None) -> pd.DataFrame:
    pers = pers[pers["keep"].astype(bool)].reset_index(drop=True)
    sel = authors.set_index("author_id").loc[pers["author_id"]].reset_index()
    ctx = context_texts(sel, cleaned, cfg.posts_budget)
    items = [Item(templates.messages("critic", posts=format_posts(*ctx[a]), persona=fence(p)),
                  parse_critic, cfg.critic_max_tokens, grammars.CRITIC if cfg.grammar else None)
             for a, p in zip(pers["author_id"], pers["persona"])]
    res = caller.run(items, advance)
    out = pers[["author_id"]].copy()
    for k in CRITIC_KEYS:
        out[f"critic_{k}"] = pd.array([o.value[k] if o.status == "ok" else None for o in res],
                                      dtype="Int64")
    out["status"] = [o.status for o in res]
    out["error"] = [o.error for o in res]
    out["attempts"] = [o.attempts for o in res]
    out["raw"] = [o.raw for o in res]
    out["critic_pass"] = [o.status == "ok" and passes(o.value, cfg) for o in res]
    out["keep"] = out["critic_pass"]
    return out
