"""Stage 5, persona generation (prompt ``persona.txt``): a third-person persona of
at most ``max_words`` words that states only traits the posts support, with
evidence quotes, or ``NULL`` when the posts do not support one.

Output per author: ``persona`` (None for NULL or failure), ``evidence`` (list
of quotes), ``evidence_support`` (share of quotes found in the shown posts,
see ``parse.evidence_support``), ``trimmed`` (the paragraph ran over
``max_words`` and was cut at its last full sentence within the limit),
``repaired`` (with ``repair_numbers``: how many sentences stating a number
found in none of the shown posts were dropped, ``parse.drop_unsupported_sentences``;
a persona left with too few words fails), ``facts_contradictions`` (with
``corpus_facts``: the kinds of contradiction with the author's metadata that
the writer's reply had, ``facts.check``: gender, age, occupation),
``facts_changes`` (what ``facts.repair`` changed; a persona it cannot make
consistent fails), ``status`` (``ok`` | ``null`` | ``failed``),
``error``, ``attempts``, ``raw`` (the last reply when it failed).
One request per author plus at most ``max_attempts - 1`` retries.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from populace.mining import facts as facts_mod
from populace.mining import grammars
from populace.mining.config import MiningConfig
from populace.mining.llm import Item, StageCaller
from populace.mining.parse import drop_unsupported_sentences, evidence_support, parse_persona
from populace.mining.prompts import Templates, format_posts


def shown_texts(texts: list[str], dates: list[str], budget: int):
    """(texts, dates) as the prompts show them: a single post longer than the
    budget is cut to it (about 3.5 characters per token)."""
    if len(texts) == 1:
        texts = [texts[0][: int(budget * 3.5)]]
    return texts, dates


def context_texts(authors: pd.DataFrame, cleaned: pd.DataFrame, budget: int):
    """{author_id: (texts, dates)} of the posts chosen by the group stage (``shown_texts``)."""
    by_id = cleaned.set_index("post_id")
    out = {}
    for a, ids in zip(authors["author_id"], authors["context_post_ids"]):
        ids = list(ids)
        out[a] = shown_texts(
            [str(by_id.at[i, "text"]) for i in ids], [str(by_id.at[i, "date"]) for i in ids], budget
        )
    return out


def author_facts(row: dict, cfg: MiningConfig) -> facts_mod.Facts:
    """The author's corpus facts, or none when ``corpus_facts`` is off."""
    return facts_mod.author_facts(row) if cfg.corpus_facts else facts_mod.Facts()


def facts_block(row: dict, cfg: MiningConfig) -> str:
    """The known-facts lines the persona, critic and QC prompts show after the posts."""
    text = facts_mod.facts_text(author_facts(row, cfg))
    return text + "\n\n" if text else ""


def personas(
    authors: pd.DataFrame,
    cleaned: pd.DataFrame,
    caller: StageCaller,
    templates: Templates,
    cfg: MiningConfig,
    advance=lambda n: None,
    after: Callable[[dict], None] | None = None,
) -> pd.DataFrame:
    """One row per kept author (see the module doc). With ``after``, authors are
    sent one at a time and ``after(row)`` runs on each row as soon as it exists
    (the mining pipeline sends the critic's request there, so a local model still
    holds the posts it just read); the requests, and so the rows, are the same."""
    authors = authors[authors["keep"].astype(bool)].reset_index(drop=True)
    ctx = context_texts(authors, cleaned, cfg.posts_budget)
    recs = dict(zip(authors["author_id"], authors.to_dict("records")))
    items = [
        Item(
            templates.messages(
                "persona",
                posts=format_posts(*ctx[a]),
                facts=facts_block(recs[a], cfg),
                max_words=cfg.max_words,
            ),
            lambda s: parse_persona(s, cfg.max_words),
            cfg.persona_max_tokens,
            grammars.persona(cfg.max_words) if cfg.grammar else None,
            repeat_penalty=cfg.persona_repeat_penalty,
        )
        for a in authors["author_id"]
    ]
    known = {a: author_facts(recs[a], cfg) for a in authors["author_id"]}
    if after is None:
        rows = [
            _row(a, o, ctx[a][0], cfg, known[a])
            for a, o in zip(authors["author_id"], caller.run(items, advance))
        ]
    else:
        rows = []
        for a, it in zip(authors["author_id"], items):
            rows.append(_row(a, caller.run([it], advance)[0], ctx[a][0], cfg, known[a]))
            after(rows[-1])
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["keep"] = out["status"] == "ok"
    return out


COLUMNS = [
    "author_id",
    "persona",
    "evidence",
    "evidence_support",
    "trimmed",
    "repaired",
    "facts_contradictions",
    "facts_changes",
    "status",
    "error",
    "attempts",
    "raw",
]


def _row(a, o, posts: list[str], cfg: MiningConfig, known: facts_mod.Facts | None = None) -> dict:
    """The persona row of author ``a`` from its outcome ``o``."""
    v = o.value or {}
    status = o.status if o.status != "ok" else ("null" if v.get("persona") is None else "ok")
    text, repaired, error = v.get("persona"), 0, o.error
    known = known or facts_mod.Facts()
    found, changes = [], []
    if status == "ok" and known.known:
        found = facts_mod.check(text, known).kinds
        text, changes = facts_mod.repair(text, known)
        if text is None:
            status, error = (
                "failed",
                (
                    "contradicts the corpus's facts about the author ("
                    + ", ".join(found)
                    + ") beyond repair"
                ),
            )
    if status == "ok" and cfg.repair_numbers:
        ok_numbers = posts + [facts_mod.facts_text(known)]
        text, repaired = drop_unsupported_sentences(text, ok_numbers)
        if text is None:
            status, error = (
                "failed",
                (
                    f"repair_numbers dropped {repaired} sentence(s) with "
                    "numbers absent from the posts; too little was left"
                ),
            )
    ev = v.get("evidence", []) if status == "ok" else []
    return {
        "author_id": a,
        "persona": text if status == "ok" else None,
        "evidence": ev,
        "evidence_support": evidence_support(ev, posts) if ev else float("nan"),
        "trimmed": bool(v.get("trimmed", False)) and status == "ok",
        "repaired": repaired,
        "facts_contradictions": found,
        "facts_changes": changes,
        "status": status,
        "error": error,
        "attempts": o.attempts,
        "raw": None if status == "ok" else o.raw,
    }
