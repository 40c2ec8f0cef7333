"""Training data for the embedder (paper Appendix B.4-B.5): LLM-written queries as
positives, retrieved and random personas as negatives, false negatives dropped
by an LLM YES/NO check.

Queries: for each persona the LLM writes a *detailed* query (several specific
traits, ``query_detailed.txt``) and a *broad* one (the population group,
``query_broad.txt``); each is a positive pair (query, persona). Strict parsing,
one corrective retry, recorded failures (:mod:`populace.targeting.calls`).

Negatives: for each query, the ``hard`` personas most similar to it under the
base embedder (the positive excluded) plus ``random`` others drawn with a
generator seeded by (seed, query). Each candidate is checked with
``negative_check.txt``: P(Yes) over the first reply token, renormalised over
Yes/No (one token each), from one forward pass (``choice_probs``, no decoding).
The template puts the persona before the query and the checks are sent persona
by persona, so a prefix-reusing backend decodes each persona once per batch and
then only the short query and question of every check. Two rules:

``relative`` (default)  the query is also checked against its own persona; a
    candidate the LLM finds at least as matching (P(YES) >= P(YES | positive))
    could be a true match and is dropped. Small models are biased towards one
    answer (SmolLM2-135M gave P(YES) 0.61-0.82 to every pair of the test pool
    with YES/NO keys, P(Yes) 0.14-0.28 with Yes/No keys), so a fixed threshold
    drops every negative or none; the comparison with the positive keeps what
    the model can still tell apart. (SmolLM2 tells nothing apart here: on six
    matched and six unmatched pairs of the hand-checked pool its P(Yes) was
    0.18 vs 0.22 on average; use a real model for real training.)
``absolute``  drop a candidate with P(YES) >= ``yes_threshold`` (0.5): the
    plain YES/NO check, right for models whose answers are calibrated.

A failed check drops the candidate too (never kept by default).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from populace.errors import PopulaceError
from populace.targeting.calls import Task, run_tasks, yes_probability
from populace.targeting.embedder import Embedder
from populace.targeting.index import EmbeddingIndex
from populace.targeting.parse import query_line
from populace.targeting.prompts import Templates

KINDS = ("detailed", "broad")
RULES = ("relative", "absolute")


def write_queries(
    backend,
    ids: list[str],
    texts: list[str],
    templates: Templates,
    *,
    seed: int = 0,
    max_attempts: int = 2,
    batch_size: int = 4,
    advance=lambda n: None,
) -> pd.DataFrame:
    tasks, keys = [], []
    for pid, text in zip(ids, texts):
        for kind in KINDS:
            tasks.append(
                Task(
                    templates.messages(f"query_{kind}", persona=text),
                    (lambda t, _p=text: query_line(t, _p)),
                    max_tokens=48,
                )
            )
            keys.append((pid, kind))
    outs = run_tasks(
        backend, tasks, seed=seed, max_attempts=max_attempts, batch_size=batch_size, advance=advance
    )
    return pd.DataFrame(
        {
            "query_id": [f"{p}:{k}" for p, k in keys],
            "persona_id": [p for p, _ in keys],
            "kind": [k for _, k in keys],
            "query": [o.value if o.ok else None for o in outs],
            "ok": [o.ok for o in outs],
            "attempts": [o.attempts for o in outs],
            "error": [o.error for o in outs],
            "raw": [o.raw for o in outs],
        }
    )


def _rng(seed: int, key: str) -> np.random.Generator:
    h = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return np.random.default_rng(int.from_bytes(h[:8], "little"))


def candidate_negatives(
    queries: pd.DataFrame,
    ids: list[str],
    vectors: np.ndarray,
    embedder: Embedder,
    *,
    hard: int = 5,
    random: int = 3,
    seed: int = 0,
) -> pd.DataFrame:
    """(query_id, persona_id, source) candidates for every parsed query."""
    q = queries[queries["ok"]].reset_index(drop=True)
    if q.empty:
        return pd.DataFrame(columns=["query_id", "query", "persona_id", "source", "similarity"])
    index = EmbeddingIndex(vectors, ids)
    qv = embedder.encode(q["query"].tolist())
    pos, scores = index.search(qv, min(len(ids), hard + 1))
    where = {p: i for i, p in enumerate(ids)}
    rows = []
    for r, (qid, query, owner) in enumerate(zip(q["query_id"], q["query"], q["persona_id"])):
        taken = {where[owner]}
        n_hard = 0
        for p, s in zip(pos[r], scores[r]):
            if n_hard < hard and p not in taken:
                rows.append((qid, query, ids[p], "hard", float(s)))
                taken.add(int(p))
                n_hard += 1
        rest = np.array([i for i in range(len(ids)) if i not in taken])
        if len(rest) and random > 0:
            pick = _rng(seed, qid).choice(rest, size=min(random, len(rest)), replace=False)
            for p in pick:
                rows.append((qid, query, ids[p], "random", float(vectors[p] @ qv[r])))
    return pd.DataFrame(rows, columns=["query_id", "query", "persona_id", "source", "similarity"])


def check_negatives(
    backend,
    cands: pd.DataFrame,
    text_of: dict,
    templates: Templates,
    *,
    owner_of: dict | None = None,
    rule: str = "relative",
    yes_threshold: float = 0.5,
    batch_size: int = 16,
    advance=lambda n: None,
) -> pd.DataFrame:
    """``cands`` with ``p_yes``, ``p_yes_positive`` and ``kept``; see the module doc."""
    if rule not in RULES:
        raise PopulaceError(f"unknown negative-check rule {rule!r}; use {' or '.join(RULES)}")
    out = cands.copy()
    pairs = list(zip(cands["query"], cands["persona_id"]))
    pos_pairs = []
    if rule == "relative":
        if owner_of is None:
            raise PopulaceError("the relative check needs each query's own persona")
        pos_pairs = list(
            dict.fromkeys((q, owner_of[qid]) for q, qid in zip(cands["query"], cands["query_id"]))
        )
    every = pairs + pos_pairs
    msgs = [templates.messages("negative_check", query=q, persona=text_of[p]) for q, p in every]
    # checks of one persona go together: the template puts the persona first, so a
    # batch shares it as its prompt prefix and only the queries differ
    p_all = yes_probability(
        backend, msgs, batch_size=batch_size, advance=advance, groups=[p for _, p in every]
    )
    p_yes = p_all[: len(pairs)]
    out["p_yes"] = [np.nan if p is None else p for p in p_yes]
    if rule == "relative":
        p_pos = dict(zip(pos_pairs, p_all[len(pairs) :]))
        ref = [p_pos[(q, owner_of[qid])] for q, qid in zip(cands["query"], cands["query_id"])]
        out["p_yes_positive"] = [np.nan if p is None else p for p in ref]
        out["kept"] = [p is not None and r is not None and p < r for p, r in zip(p_yes, ref)]
    else:
        out["p_yes_positive"] = np.nan
        out["kept"] = [p is not None and p < yes_threshold for p in p_yes]
    return out
