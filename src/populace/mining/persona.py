"""Stage 5, persona generation (prompt ``persona.txt``): a third-person persona of
at most ``max_words`` words that states only traits the posts support, with
evidence quotes, or ``NULL`` when the posts do not support one.

Output per author: ``persona`` (None for NULL or failure), ``evidence`` (list
of quotes), ``evidence_support`` (share of quotes found in the shown posts,
see ``parse.evidence_support``), ``trimmed`` (the paragraph ran over
``max_words`` and was cut at its last full sentence within the limit),
``repaired`` (with ``repair_numbers``: how many sentences stating a number
found in none of the shown posts were dropped, ``parse.drop_unsupported_sentences``;
a persona left with too few words fails), ``status`` (``ok`` | ``null`` | ``failed``),
``error``, ``attempts``, ``raw`` (the last reply when it failed).
One request per author plus at most ``max_attempts - 1`` retries.
"""

from __future__ import annotations

from typing import Callable

import pandas as pd

from populace.mining import grammars
from populace.mining.config import MiningConfig
from populace.mining.llm import Item, StageCaller
from populace.mining.parse import drop_unsupported_sentences, evidence_support, parse_persona
from populace.mining.prompts import Templates, format_posts


def context_texts(authors: pd.DataFrame, cleaned: pd.DataFrame, budget: int):
    """{author_id: (texts, dates)} of the posts chosen by the group stage; a single
    post longer than the budget is cut to it (about 3.5 characters per token)."""
    by_id = cleaned.set_index("post_id")
    out = {}
    for a, ids in zip(authors["author_id"], authors["context_post_ids"]):
        ids = list(ids)
        texts = [str(by_id.at[i, "text"]) for i in ids]
        if len(texts) == 1:
            texts = [texts[0][:int(budget * 3.5)]]
        out[a] = (texts, [str(by_id.at[i, "date"]) for i in ids])
    return out


def personas(authors: pd.DataFrame, cleaned: pd.DataFrame, caller: StageCaller,
             templates: Templates, cfg: MiningConfig, advance=lambda n: None,
             after: Callable[[dict], None] | None = None) -> pd.DataFrame:
    """One row per kept author (see the module doc). With ``after``, authors are
    sent one at a time and ``after(row)`` runs on each row as soon as it exists
    (the mining pipeline sends the critic's request there, so a local model still
    holds the posts it just read); the requests, and so the rows, are the same."""
    authors = authors[authors["keep"].astype(bool)].reset_index(drop=True)
    ctx = context_texts(authors, cleaned, cfg.posts_budget)
    items = [Item(templates.messages("persona", posts=format_posts(*ctx[a]),
                                     max_words=cfg.max_words),
                  lambda s: parse_persona(s, cfg.max_words), cfg.persona_max_tokens,
                  grammars.persona(cfg.max_words) if cfg.grammar else None)
             for a in authors["author_id"]]
    if after is None:
        rows = [_row(a, o, ctx[a][0], cfg)
                for a, o in zip(authors["author_id"], caller.run(items, advance))]
    else:
        rows = []
        for a, it in zip(authors["author_id"], items):
            rows.append(_row(a, caller.run([it], advance)[0], ctx[a][0], cfg))
            after(rows[-1])
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["keep"] = out["status"] == "ok"
    return out


COLUMNS = ["author_id", "persona", "evidence", "evidence_support", "trimmed", "repaired",
           "status", "error", "attempts", "raw"]


def _row(a, o, posts: list[str], cfg: MiningConfig) -> dict:
    """The persona row of author ``a`` from its outcome ``o``."""
    v = o.value or {}
    status = o.status if o.status != "ok" else ("null" if v.get("persona") is None else "ok")
    text, repaired, error = v.get("persona"), 0, o.error
    if status == "ok" and cfg.repair_numbers:
        text, repaired = drop_unsupported_sentences(text, posts)
        if text is None:
            status, error = "failed", (f"repair_numbers dropped {repaired} sentence(s) with "
                                       "numbers absent from the posts; too little was left")
    ev = v.get("evidence", []) if status == "ok" else []
    return {"author_id": a, "persona": text if status == "ok" else None,
            "evidence": ev,
            "evidence_support": evidence_support(ev, posts) if ev else float("nan"),
            "trimmed": bool(v.get("trimmed", False)) and status == "ok",
            "repaired": repaired,
            "status": status, "error": error, "attempts": o.attempts,
            "raw": None if status == "ok" else o.raw}
