"""Stage 6, critic (prompt ``critic.txt``; may use another model, ``--critic-model``):
scores each persona against the posts it was written from on hallucination
(10 = nothing invented), coverage, conciseness, relevance and overall, integers
1-10. Kept (``critic_pass``): overall >= ``critic_overall_min`` (8) and every
other score >= ``critic_other_min`` (7). A reply that does not parse is retried
once, then recorded as ``failed`` and the persona is dropped.

Grounding rules (``grounding_rules``, default on; no LLM), applied beside the
critic because a small critic passes invented facts (Qwen2.5-1.5B gave 10/10 to
personas that invented "a 30-year-old software developer"):

- numbers: every number in the persona ("30-year-old", "3 kids") must occur in
  the posts it was written from (``rule_unsupported_numbers`` lists the others);
- evidence: at least ``min_evidence_support`` (0.5) of its evidence quotes must
  be found in those posts (``parse.evidence_support``).

``critic_pass`` is the critic's verdict alone (what the paper's ~72% measures),
``rules_pass`` the rules', and ``keep`` both.
"""

from __future__ import annotations

import pandas as pd

from populace.mining import grammars
from populace.mining.config import MiningConfig
from populace.mining.llm import Item, StageCaller
from populace.mining.parse import CRITIC_KEYS, parse_critic, unsupported_numbers
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
    nums = [unsupported_numbers(p, ctx[a][0]) for a, p in zip(pers["author_id"], pers["persona"])]
    support = (pers["evidence_support"].astype(float) if "evidence_support" in pers
               else pd.Series([float("nan")] * len(pers)))
    out["rule_unsupported_numbers"] = nums
    out["rule_evidence_ok"] = [bool(s >= cfg.min_evidence_support) for s in support.fillna(0.0)]
    out["rules_pass"] = [(not n and e) or not cfg.grounding_rules
                         for n, e in zip(nums, out["rule_evidence_ok"])]
    out["keep"] = out["critic_pass"] & out["rules_pass"]
    return out
