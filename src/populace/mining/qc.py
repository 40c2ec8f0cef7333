"""Stage 3, raw QC: the LLM rates each cleaned post's quality (high/medium/low)
and harmlessness (yes/no). Kept: quality in ``qc_keep_quality`` (default: high
only) and, with ``qc_require_harmless`` (default), harmless = yes.

Two ways to ask (``qc_method``):

``generate`` (the paper's way, default): the model writes a JSON object
    (prompt ``qc.txt``), parsed strictly; a reply that does not parse is
    retried once and then recorded as ``failed`` (the post is dropped, never
    given a default label).
``probs``: no decoding. Two one-word questions per post (``qc_quality.txt``:
    high/medium/low; ``qc_harmful.txt``: yes/no) are scored from the model's
    next-token probabilities (``choice_probs``) in one backend call, so the
    shared prompt prefix (system, post) is decoded once per post. Each answer
    counts its lower-case and capitalised spellings ("high", "High"); the
    label is the most probable option (what greedy decoding of a one-word
    answer would say), harmful when P(yes) >= 0.5. ``p_high``, ``p_medium``,
    ``p_low``, ``p_harmful`` and ``mass`` (the raw probability the options
    captured) are kept. A post the backend cannot score (a server without
    log-probs) falls back to ``generate``.
"""

from __future__ import annotations

import pandas as pd

from populace.llm.base import ChoiceRequest
from populace.mining import grammars
from populace.mining.config import MiningConfig
from populace.mining.llm import Item, Outcome, StageCaller
from populace.mining.parse import parse_qc
from populace.mining.prompts import Templates, fence

QUALITY = ("high", "medium", "low")
HARMFUL = ("yes", "no")


def _keys(options) -> tuple[str, ...]:
    return tuple(options) + tuple(o.capitalize() for o in options)


def _folded(probs, options) -> list[float]:
    """Probabilities of ``options`` summed over their spellings (see ``_keys``)."""
    n = len(options)
    return [probs[i] + probs[i + n] for i in range(n)]


def score_posts(texts, caller: StageCaller, templates: Templates, advance=lambda n: None):
    """Per post: a dict of labels and probabilities, or None when it could not be scored."""
    groups = [
        [
            ChoiceRequest(templates.messages("qc_quality", post=fence(t)), _keys(QUALITY)),
            ChoiceRequest(templates.messages("qc_harmful", post=fence(t)), _keys(HARMFUL)),
        ]
        for t in texts
    ]
    return [labels(q, h) for (q, h) in caller.score(groups, advance)]


def labels(q, h) -> dict | None:
    """Labels and probabilities from the quality and harmful results of one post
    (None when either could not be scored): the most probable quality, harmful
    when P(yes) >= 0.5."""
    if not (q.ok and h.ok):
        return None
    pq, ph = _folded(q.probs, QUALITY), _folded(h.probs, HARMFUL)
    best = max(range(3), key=lambda i: pq[i])
    return {
        "quality": QUALITY[best],
        "harmless": "no" if ph[0] >= 0.5 else "yes",
        "p_high": pq[0],
        "p_medium": pq[1],
        "p_low": pq[2],
        "p_harmful": ph[0],
        "mass": min(q.mass, h.mass),
    }


def qc(
    cleaned: pd.DataFrame,
    caller: StageCaller,
    templates: Templates,
    cfg: MiningConfig,
    advance=lambda n: None,
) -> pd.DataFrame:
    posts = cleaned[cleaned["keep"].astype(bool)].reset_index(drop=True)
    texts = posts["text"].tolist()
    res: list[Outcome | None] = [None] * len(texts)
    scored: list[dict | None] = [None] * len(texts)
    if cfg.qc_method == "probs":
        scored = score_posts(texts, caller, templates, advance)
        for i, s in enumerate(scored):
            if s is not None:
                res[i] = Outcome(value=s, status="ok", attempts=1)
    todo = [i for i, o in enumerate(res) if o is None]
    if todo:
        items = [
            Item(
                templates.messages("qc", post=fence(texts[i])),
                parse_qc,
                cfg.qc_max_tokens,
                grammars.QC if cfg.grammar else None,
            )
            for i in todo
        ]
        fallback = todo if cfg.qc_method == "probs" else []
        for i, o in zip(todo, caller.run(items, advance if not fallback else lambda n: None)):
            res[i] = o
    out = posts[["post_id", "author_id"]].copy()
    out["quality"] = [o.value["quality"] if o.status == "ok" else None for o in res]
    out["harmless"] = [o.value["harmless"] if o.status == "ok" else None for o in res]
    out["method"] = ["probs" if s is not None else "generate" for s in scored]
    for k in ("p_high", "p_medium", "p_low", "p_harmful", "mass"):
        out[k] = [s[k] if s is not None else float("nan") for s in scored]
    out["status"] = [o.status for o in res]
    out["error"] = [o.error for o in res]
    out["attempts"] = [o.attempts for o in res]
    out["raw"] = [o.raw for o in res]
    keep = (out["status"] == "ok") & out["quality"].isin(list(cfg.qc_keep_quality))
    if cfg.qc_require_harmless:
        keep &= out["harmless"] == "yes"
    out["keep"] = keep
    out["reason"] = ""
    out.loc[out["status"] != "ok", "reason"] = "qc_failed"
    out.loc[(out["status"] == "ok") & ~keep, "reason"] = "qc_rejected"
    return out
