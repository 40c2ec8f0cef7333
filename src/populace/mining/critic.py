"""Stage 6, critic (may use another model, ``--critic-model``): scores each
persona against the posts it was written from (and the author's known facts)
on hallucination (10 = nothing invented), coverage, conciseness, relevance and
overall, 1-10. Kept (``critic_pass``): overall >= ``critic_overall_min`` and
every other score >= ``critic_other_min``. Two ways to score (``critic_method``):

``probs`` (default): five questions (``CRITIC_QUESTIONS``, prompt
    ``critic_probs.txt``) on one shared prefix (posts, facts, persona), each
    scored from the next-token probabilities of "1".."10" as the expected
    score (:func:`expected_score`), a real number. No decoding; a local model
    that has just written the persona from the same posts decodes only the
    persona and the questions. A small model that writes "10" every time
    still spreads its probability, so the scores discriminate.
``generate`` (the paper's way): one JSON object of five integers (prompt
    ``critic.txt``), parsed strictly; a reply that does not parse is retried
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

from populace.llm.base import ChoiceRequest, ChoiceResult
from populace.mining import grammars
from populace.mining.config import MiningConfig
from populace.mining.llm import Item, Outcome, StageCaller
from populace.mining.parse import CRITIC_KEYS, parse_critic, unsupported_numbers
from populace.mining.persona import context_texts, facts_block
from populace.mining.prompts import Templates, fence, format_posts

#: the question asked per dimension in the ``probs`` method (one request each)
CRITIC_QUESTIONS = {
    "hallucination": "hallucination (10: every claim is supported by the posts or the known "
    "facts; 1: it invents traits or facts such as a job, an age, a family or "
    "events)",
    "coverage": "coverage (10: it captures the main traits, concerns and habits the posts show; "
    "1: it misses what the posts are about)",
    "conciseness": "conciseness (10: short and specific, no filler, no claim contradicting "
    "another; 1: padded, generic or self-contradictory)",
    "relevance": "relevance (10: it describes how the writer thinks, feels, acts and relates to "
    "others; 1: only trivia)",
    "overall": "overall quality as a faithful and specific description of this writer",
}
SCORE_KEYS = tuple(str(i) for i in range(1, 11))
_EXACT_MULTI = ("logits_multi_token", "continuation")


def expected_score(res: ChoiceResult) -> float:
    """Expected score over "1".."10" from a ``choice_probs`` result.

    Key "1" holds every reply that starts with the token "1", "10" included,
    wherever "10" is two tokens; with exact multi-token scoring its share is
    subtracted (by the backend since session 18, ``res.exclusive``; here for
    results cached before). With the approximate ``first_token`` method "1" and "10" cannot
    be told apart and the mass goes to 10 (critics rarely answer 1)."""
    raw = [p * res.mass for p in res.probs]
    if res.method in _EXACT_MULTI and not res.exclusive:
        raw[0] = max(raw[0] - raw[9], 0.0)
    elif res.method == "first_token":
        raw[0] = 0.0
    tot = sum(raw)
    if not tot > 0:
        return float("nan")
    return sum((i + 1) * r for i, r in enumerate(raw)) / tot


def passes(scores: dict, cfg: MiningConfig) -> bool:
    return scores["overall"] >= cfg.critic_overall_min and all(
        scores[k] >= cfg.critic_other_min for k in CRITIC_KEYS if k != "overall"
    )


def _score_probs(messages_per_persona, caller: StageCaller, advance) -> list[Outcome]:
    groups = [[ChoiceRequest(m, SCORE_KEYS) for m in msgs] for msgs in messages_per_persona]
    out = []
    for res in caller.score(groups, advance):
        if not all(r.ok for r in res):
            err = next(r.error for r in res if not r.ok)
            out.append(Outcome(status="failed", error=f"critic scores: {err}", attempts=1))
            continue
        out.append(
            Outcome(
                value={k: round(expected_score(r), 4) for k, r in zip(CRITIC_KEYS, res)},
                status="ok",
                attempts=1,
            )
        )
    return out


def critic(
    pers: pd.DataFrame,
    authors: pd.DataFrame,
    cleaned: pd.DataFrame,
    caller: StageCaller,
    templates: Templates,
    cfg: MiningConfig,
    advance=lambda n: None,
) -> pd.DataFrame:
    pers = pers[pers["keep"].astype(bool)].reset_index(drop=True)
    sel = authors.set_index("author_id").loc[pers["author_id"]].reset_index()
    ctx = context_texts(sel, cleaned, cfg.posts_budget)
    facts = {a: facts_block(r, cfg) for a, r in zip(sel["author_id"], sel.to_dict("records"))}
    if cfg.critic_method == "probs":
        msgs = [
            [
                templates.messages(
                    "critic_probs",
                    posts=format_posts(*ctx[a]),
                    facts=facts[a],
                    max_words=cfg.max_words,
                    persona=fence(p),
                    question=q,
                )
                for q in CRITIC_QUESTIONS.values()
            ]
            for a, p in zip(pers["author_id"], pers["persona"])
        ]
        res = _score_probs(msgs, caller, advance)
        dtype = "Float64"
    else:
        items = [
            Item(
                templates.messages("critic", posts=format_posts(*ctx[a]), persona=fence(p)),
                parse_critic,
                cfg.critic_max_tokens,
                grammars.CRITIC if cfg.grammar else None,
            )
            for a, p in zip(pers["author_id"], pers["persona"])
        ]
        res = caller.run(items, advance)
        dtype = "Int64"
    out = pers[["author_id"]].copy()
    for k in CRITIC_KEYS:
        out[f"critic_{k}"] = pd.array(
            [o.value[k] if o.status == "ok" else None for o in res], dtype=dtype
        )
    out["status"] = [o.status for o in res]
    out["error"] = [o.error for o in res]
    out["attempts"] = [o.attempts for o in res]
    out["raw"] = [o.raw for o in res]
    out["critic_pass"] = [o.status == "ok" and passes(o.value, cfg) for o in res]
    nums = [
        unsupported_numbers(p, ctx[a][0] + [facts[a]])
        for a, p in zip(pers["author_id"], pers["persona"])
    ]
    support = (
        pers["evidence_support"].astype(float)
        if "evidence_support" in pers
        else pd.Series([float("nan")] * len(pers))
    )
    out["rule_unsupported_numbers"] = nums
    out["rule_evidence_ok"] = [bool(s >= cfg.min_evidence_support) for s in support.fillna(0.0)]
    out["rules_pass"] = [
        (not n and e) or not cfg.grounding_rules for n, e in zip(nums, out["rule_evidence_ok"])
    ]
    out["keep"] = out["critic_pass"] & out["rules_pass"]
    return out
