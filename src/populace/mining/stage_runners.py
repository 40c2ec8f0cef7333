"""The mining stages as one registry (``RUNNERS``): each runner reads the previous
stage's table from the run directory, writes its own and returns the stage's
counts for the manifest (``rows_in``, ``rows_out``, and an ``extra`` dict).
:func:`populace.mining.pipeline.mine` decides which stages run (resume) and
records them."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from populace.errors import PopulaceError
from populace.mining import clean as clean_mod
from populace.mining import critic as critic_mod
from populace.mining import group as group_mod
from populace.mining import persona as persona_mod
from populace.mining import pii as pii_mod
from populace.mining import preprocess as pre_mod
from populace.mining import qc as qc_mod
from populace.mining.config import STAGES, MiningConfig
from populace.mining.parse import CRITIC_KEYS
from populace.mining.prompts import Templates
from populace.run import PERSONAS, POSTS, Run

TABLES = {"read": POSTS, **{s: f"mining/{s}.parquet" for s in STAGES[1:]}}


@dataclass
class StageContext:
    """What a stage runner needs: the run, settings, prompts, its caller (None for
    rule stages) and, for the stages that send another stage's requests early, the
    prefetch caller(s)."""

    run: Run
    cfg: MiningConfig
    templates: Templates
    caller: Any = None
    corpus: str | Path | None = None
    progress: bool = True
    read_kw: dict = field(default_factory=dict)
    prefetch: Any = None


def _bar(total, desc, enabled=True):
    from populace.survey.progress import progress_bar

    return progress_bar(total, desc, enabled=enabled)


def build_personas(run: Run) -> pd.DataFrame:
    """personas.parquet: the PII-rewritten personas with scores and author metadata."""
    p = run.read_table(TABLES["pii"])
    crit = run.read_table(TABLES["critic"])
    pers = run.read_table(TABLES["persona"])
    pers = pers[
        ["author_id", "evidence_support"]
        + [c for c in ("trimmed", "repaired", "facts_contradictions", "facts_changes") if c in pers]
    ]
    grp = run.read_table(TABLES["group"]).drop(columns=["keep", "reason", "context_post_ids"])
    extra = [c for c in ("rules_pass", "rule_unsupported_numbers") if c in crit]
    out = p.merge(
        crit[["author_id"] + [f"critic_{k}" for k in CRITIC_KEYS] + ["critic_pass"] + extra],
        on="author_id",
        how="left",
    )
    out = out.merge(pers, on="author_id", how="left").merge(grp, on="author_id", how="left")
    out.insert(0, "persona_id", "p-" + out["author_id"].astype(str))
    return out.drop(columns=["pii_llm_error"])


def _llm_filter(run: Run, name: str, source: str, progress, stage_fn, extra_fn) -> dict:
    """A per-post LLM filter stage (clean, qc): read the previous stage's table, run
    ``stage_fn(table, advance)`` over its kept posts under a progress bar, write the
    result and count it (``extra_fn(result)`` adds the stage's own counts)."""
    prev = run.read_table(TABLES[source])
    n = int(prev["keep"].sum())
    with _bar(n, name, enabled=progress) as adv:
        df = stage_fn(prev, adv)
    run.write_table(TABLES[name], df)
    return {
        "rows_in": n,
        "rows_out": int(df["keep"].sum()),
        "authors_out": df.loc[df["keep"].astype(bool), "author_id"].nunique(),
        "extra": extra_fn(df),
    }


def _facts_counts(df: pd.DataFrame) -> dict:
    """Persona stage: replies that contradicted the corpus's facts, by kind, and
    what the rule check did with them (repaired, or dropped)."""
    if "facts_contradictions" not in df:
        return {}
    found = df["facts_contradictions"].map(lambda v: list(v) if v is not None else [])
    dropped = df["error"].fillna("").str.startswith("contradicts the corpus")
    # a dropped persona keeps the kinds it was dropped for in facts_contradictions
    out = {"contradicting": int((found.map(len) > 0).sum()), "dropped": int(dropped.sum())}
    out["repaired"] = out["contradicting"] - out["dropped"]
    for k in ("gender", "age", "occupation"):
        out[k] = int(found.map(lambda v, k=k: k in v).sum())
    return out


def _final_contradictions(people: pd.DataFrame, cfg) -> dict:
    """The rule check run again on the final personas (after PII): contradictions left."""
    from populace.mining import facts as facts_mod

    if not cfg.corpus_facts or people.empty:
        return {}
    kinds = [
        facts_mod.check(str(t), facts_mod.author_facts(r)).kinds
        for t, r in zip(people["persona"], people.to_dict("records"))
    ]
    return {k: sum(k in v for v in kinds) for k in ("gender", "age", "occupation")}


def _qc_context(run: Run, cfg, templates, caller, posts, progress, prefetch) -> dict:
    """The QC stage with ``qc_method = "context"`` (mining/qc_context.py); with
    ``prefetch`` (persona and critic callers) each author's persona and critic
    requests are sent right after its QC, while the model holds its posts."""
    from populace.mining import qc_context as qcc

    cl = run.read_table(TABLES["clean"])
    after = None
    if prefetch is not None:
        p_caller, c_caller = prefetch

        def after(author, rows):
            mine = posts[posts["author_id"] == author]
            g = group_mod.group(rows, cl[cl["author_id"] == author], mine, cfg)
            if not g["keep"].any():
                return

            def critic_now(row):
                if row["status"] == "ok" and c_caller is not None:
                    critic_mod.critic(
                        pd.DataFrame([{**row, "keep": True}]), g, cl, c_caller, templates, cfg
                    )

            persona_mod.personas(g, cl, p_caller, templates, cfg, after=critic_now)

    n = int(cl.loc[cl["keep"].astype(bool), "author_id"].nunique())
    with _bar(n, "qc (authors)", enabled=progress) as adv:
        df = qcc.qc_context(cl, posts, caller, templates, cfg, adv, after_author=after)
    run.write_table(TABLES["qc"], df)
    extra = {
        "quality": df["quality"].fillna(df["status"]).value_counts().to_dict(),
        "judged": int((df["status"] != "unjudged").sum()),
        "methods": {"context": len(df)},
    }
    if prefetch is not None:
        extra["prefetch"] = {
            "persona": prefetch[0].stats,
            "critic": prefetch[1].stats if prefetch[1] else None,
        }
    return {
        "rows_in": int(cl["keep"].sum()),
        "rows_out": int(df["keep"].sum()),
        "authors_out": df.loc[df["keep"], "author_id"].nunique(),
        "extra": extra,
    }


def _read(c: StageContext) -> dict:
    if c.corpus is None:
        raise PopulaceError("give a corpus path")
    from populace.corpus import read_corpus

    kw = c.read_kw
    posts = read_corpus(
        c.corpus,
        format=kw["corpus_format"],
        author_column=kw["author_column"],
        text_column=kw["text_column"],
        date_column=kw["date_column"],
        limit_authors=kw["limit_authors"],
    )
    c.run.write_table(TABLES["read"], posts)
    skipped = list(posts.attrs.get("skipped", []))
    if skipped:
        print(
            f"warning: skipped {len(skipped)} corpus file(s): {'; '.join(skipped[:3])}"
            f"{' ...' if len(skipped) > 3 else ''}",
            file=sys.stderr,
        )
    return {
        "rows_in": None,
        "rows_out": len(posts),
        "authors_out": posts["author_id"].nunique(),
        "extra": {"skipped_files": len(skipped)},
    }


def _preprocess(c: StageContext) -> dict:
    posts = c.run.read_table(POSTS)
    df = pre_mod.preprocess(posts, c.cfg)
    c.run.write_table(TABLES["preprocess"], df)
    reasons = df["reason"].replace("", "kept").value_counts().to_dict()
    if not df["keep"].any():
        raise PopulaceError(
            f"preprocessing kept no post of the {posts['author_id'].nunique()}"
            f" author(s) read ({reasons}); read more authors "
            "(--limit-authors) or relax the rules (--min-posts, "
            "--max-post-words; docs/mining.md)"
        )
    return {
        "rows_in": len(df),
        "rows_out": int(df["keep"].sum()),
        "authors_in": posts["author_id"].nunique(),
        "authors_out": df.loc[df["keep"].astype(bool), "author_id"].nunique(),
        "extra": {"reasons": reasons},
    }


def _clean(c: StageContext) -> dict:
    return _llm_filter(
        c.run,
        "clean",
        "preprocess",
        c.progress,
        lambda df, adv: clean_mod.clean(df, c.caller, c.templates, c.cfg, adv),
        lambda df: {"outcomes": df["status"].value_counts().to_dict()},
    )


def _qc(c: StageContext) -> dict:
    if c.cfg.qc_method == "context":
        return _qc_context(
            c.run, c.cfg, c.templates, c.caller, c.run.read_table(POSTS), c.progress, c.prefetch
        )
    return _llm_filter(
        c.run,
        "qc",
        "clean",
        c.progress,
        lambda df, adv: qc_mod.qc(df, c.caller, c.templates, c.cfg, adv),
        lambda df: {
            "quality": df["quality"].fillna("failed").value_counts().to_dict(),
            "harmless": df["harmless"].fillna("failed").value_counts().to_dict(),
            "methods": df["method"].value_counts().to_dict(),
        },
    )


def _group(c: StageContext) -> dict:
    run = c.run
    q, cl = run.read_table(TABLES["qc"]), run.read_table(TABLES["clean"])
    df = group_mod.group(q, cl, run.read_table(POSTS), c.cfg)
    run.write_table(TABLES["group"], df)
    return {
        "rows_in": len(df),
        "rows_out": int(df["keep"].sum()),
        "extra": {"posts_budget": c.cfg.posts_budget},
    }


def _persona(c: StageContext) -> dict:
    run, cfg = c.run, c.cfg
    g, cl = run.read_table(TABLES["group"]), run.read_table(TABLES["clean"])
    n = int(g["keep"].sum())
    after = None
    if c.prefetch is not None:

        def after(row):  # the critic's request for this persona, into the cache
            if row["status"] == "ok":
                critic_mod.critic(
                    pd.DataFrame([{**row, "keep": True}]), g, cl, c.prefetch, c.templates, cfg
                )

    with _bar(n, "persona", enabled=c.progress) as adv:
        df = persona_mod.personas(g, cl, c.caller, c.templates, cfg, adv, after=after)
    run.write_table(TABLES["persona"], df)
    extra = {"outcomes": df["status"].value_counts().to_dict(), "facts": _facts_counts(df)}
    if c.prefetch is not None:
        extra["critic_prefetch"] = c.prefetch.stats
    return {"rows_in": n, "rows_out": int(df["keep"].sum()), "extra": extra}


def _critic(c: StageContext) -> dict:
    run = c.run
    p, g = run.read_table(TABLES["persona"]), run.read_table(TABLES["group"])
    cl = run.read_table(TABLES["clean"])
    n = int(p["keep"].sum())
    with _bar(n, "critic", enabled=c.progress) as adv:
        df = critic_mod.critic(p, g, cl, c.caller, c.templates, c.cfg, adv)
    run.write_table(TABLES["critic"], df)
    return {
        "rows_in": n,
        "rows_out": int(df["keep"].sum()),
        "extra": {"outcomes": df["status"].value_counts().to_dict()},
    }


def _pii(c: StageContext) -> dict:
    run = c.run
    crit, p = run.read_table(TABLES["critic"]), run.read_table(TABLES["persona"])
    n = int(crit["keep"].sum())
    with _bar(n, "pii", enabled=c.progress) as adv:
        df = pii_mod.pii(crit, p, c.caller, c.templates, c.cfg, adv)
    run.write_table(TABLES["pii"], df)
    people = build_personas(run)
    run.write_table(PERSONAS, people)
    return {
        "rows_in": n,
        "rows_out": len(df),
        "extra": {
            "pii_flagged": int(df["pii_flag"].sum()) if len(df) else 0,
            "facts_contradicting": _final_contradictions(people, c.cfg),
        },
    }


#: stage name -> runner, in pipeline order (``config.STAGES``)
RUNNERS: dict[str, Callable[[StageContext], dict]] = {
    "read": _read,
    "preprocess": _preprocess,
    "clean": _clean,
    "qc": _qc,
    "group": _group,
    "persona": _persona,
    "critic": _critic,
    "pii": _pii,
}
assert tuple(RUNNERS) == STAGES
