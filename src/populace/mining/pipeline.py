"""Run the mining stages in a run directory, resumably (``populace.mine``).

Stages and their tables (``RUN/...``)::

  read        posts.parquet              the corpus posts (``--limit-authors`` applied)
  preprocess  mining/preprocess.parquet  rule filters, no LLM
  clean       mining/clean.parquet       LLM clean
  qc          mining/qc.parquet          LLM quality + harmlessness
  group       mining/group.parquet       authors with >= min_posts kept posts, context posts
  persona     mining/persona.parquet     LLM persona (or NULL) + evidence
  critic      mining/critic.parquet      LLM scores, pass/fail, grounding rules
  pii         mining/pii.parquet         PII rewrite -> personas.parquet

Resume: each stage's record in ``manifest.json`` carries a key (hash of the
previous stage's key, the whole mining config, the prompt texts and the model
fingerprints). A stage whose table exists and whose key matches is skipped; any
other stage runs again, and every LLM call it already made is answered from
``cache.sqlite`` (committed per batch), so a killed run repeats no finished
call. ``stages`` runs a subset: a stage left out must already have its table.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from populace.errors import PopulaceError
from populace.llm.cache import CachedBackend, CallCache
from populace.mining import clean as clean_mod
from populace.mining import critic as critic_mod
from populace.mining import group as group_mod
from populace.mining import persona as persona_mod
from populace.mining import pii as pii_mod
from populace.mining import preprocess as pre_mod
from populace.mining import qc as qc_mod
from populace.mining.config import STAGES, MiningConfig
from populace.mining.llm import StageCaller
from populace.mining.parse import CRITIC_KEYS
from populace.mining.prompts import Templates
from populace.run import PERSONAS, POSTS, Run, config_hash

TABLES = {"read": POSTS, **{s: f"mining/{s}.parquet" for s in STAGES[1:]}}
LLM_STAGES = ("clean", "qc", "persona", "critic", "pii")


@dataclass
class MineResult:
    run: Run
    personas: pd.DataFrame
    summary: list[dict] = field(default_factory=list)


def _noop_bar(total, desc, enabled=True):
    from populace.survey.progress import progress_bar

    return progress_bar(total, desc, enabled=enabled)


def build_personas(run: Run) -> pd.DataFrame:
    """personas.parquet: the PII-rewritten personas with scores and author metadata."""
    p = run.read_table(TABLES["pii"])
    crit = run.read_table(TABLES["critic"])
    pers = run.read_table(TABLES["persona"])
    pers = pers[["author_id", "evidence_support"]
                + [c for c in ("trimmed", "repaired") if c in pers]]
    grp = run.read_table(TABLES["group"]).drop(columns=["keep", "reason", "context_post_ids"])
    extra = [c for c in ("rules_pass", "rule_unsupported_numbers") if c in crit]
    out = p.merge(crit[["author_id"] + [f"critic_{k}" for k in CRITIC_KEYS] + ["critic_pass"]
                       + extra], on="author_id", how="left")
    out = out.merge(pers, on="author_id", how="left").merge(grp, on="author_id", how="left")
    out.insert(0, "persona_id", "p-" + out["author_id"].astype(str))
    return out.drop(columns=["pii_llm_error"])


def mine(corpus: str | Path | None, out: str | Path, *, backend=None, critic_backend=None,
         config: MiningConfig | None = None, stages=None, corpus_format: str = "auto",
         author_column: str | None = None, text_column: str | None = None,
         date_column: str | None = None, limit_authors: int | None = None,
         prompt_dir: str | Path | None = None, progress: bool = True,
         model_info: dict | None = None, critic_model_info: dict | None = None,
         log=print, critic_prefetch: bool = True) -> MineResult:
    """Mine personas from ``corpus`` into the run directory ``out``; see the module doc.

    ``critic_prefetch`` (default on; used only when the critic is the mining
    model and both stages run): the persona stage sends each persona's critic
    request right after writing it, into the call cache, and the critic stage
    then reads it from there. The requests and results are the same; a local
    model (llama.cpp) keeps the posts both prompts start with in its KV cache,
    so it does not read them twice."""
    cfg = config or MiningConfig()
    templates = Templates.load(prompt_dir)
    todo = list(STAGES) if not stages else list(stages)
    bad = [s for s in todo if s not in STAGES]
    if bad:
        raise PopulaceError(f"unknown stage(s) {', '.join(bad)}; stages are {', '.join(STAGES)}")
    run = Run(out)
    cache = CallCache(run.cache_path)
    gen = CachedBackend(backend, cache) if backend is not None else None
    crit_b = CachedBackend(critic_backend, cache) if critic_backend is not None else gen
    fp = getattr(backend, "fingerprint", None)
    cfp = getattr(critic_backend, "fingerprint", None) or fp
    run.set_config("mine", {"corpus": str(corpus) if corpus is not None else None,
                            "corpus_format": corpus_format, "author_column": author_column,
                            "text_column": text_column, "date_column": date_column,
                            "limit_authors": limit_authors, "stages": todo,
                            "prompt_dir": str(prompt_dir) if prompt_dir else None,
                            "prompts_digest": templates.digest, **cfg.to_dict()},
                   models={"mine": model_info or {"fingerprint": fp},
                           "critic": critic_model_info or model_info or {"fingerprint": cfp}},
                   seeds={"mine": cfg.seed})
    def stage_caller(b, name):
        return StageCaller(b, name, max_attempts=cfg.max_attempts, seed=cfg.seed,
                           batch_size=cfg.batch_size, retry_temperature=cfg.retry_temperature)

    summary, key = [], None
    try:
        for name in STAGES:
            if name == "read":
                src = Path(corpus) if corpus is not None else None
                stamp = (src.stat().st_mtime_ns if src is not None and src.exists() else None)
                key = config_hash({"stage": name, "corpus": str(src.resolve()) if src else None,
                                   "stamp": stamp, "format": corpus_format,
                                   "cols": [author_column, text_column, date_column],
                                   "limit": limit_authors})
            else:
                key = config_hash({"stage": name, "prev": key, "cfg": cfg.to_dict(),
                                   "prompts": templates.digest,
                                   "model": fp if name != "critic" else cfp})
            table = TABLES[name]
            if name not in todo:
                rec = run.stage(name)
                if not run.has(table) or rec is None:
                    if any(s in todo for s in STAGES[STAGES.index(name) + 1:]):
                        raise PopulaceError(f"stage {name} has not run in {run.path}; "
                                            f"add it to --stages")
                    continue
                key = rec["key"]
                continue
            if run.is_done(name, key, table):
                rec = run.stage(name)
                summary.append({"stage": name, "resumed": True, **rec})
                if progress and log:
                    log(f"{name}: done earlier (same config), {rec.get('rows_out')} rows kept")
                continue
            t0 = time.perf_counter()
            caller = None
            if name in LLM_STAGES:
                b = crit_b if name == "critic" else gen
                need = not (name == "clean" and cfg.clean_mode == "never") and not (
                    name == "pii" and not cfg.pii_llm)
                if b is None and need:
                    raise PopulaceError(f"stage {name} needs a model; pass backend=")
                if b is not None:
                    caller = stage_caller(b, name)
            prefetch = None
            if (name == "persona" and critic_prefetch and critic_backend is None
                    and caller is not None and "critic" in todo):
                prefetch = stage_caller(gen, "critic")
            rec = _run_stage(name, run, cfg, templates, caller, corpus, progress,
                             dict(corpus_format=corpus_format, author_column=author_column,
                                  text_column=text_column, date_column=date_column,
                                  limit_authors=limit_authors), prefetch)
            extra = rec.pop("extra", {})
            if caller is not None:
                extra["llm"] = caller.stats
            secs = round(time.perf_counter() - t0, 2)
            rec = run.record_stage(name, key=key, seconds=secs, **rec, **extra)
            summary.append({"stage": name, "resumed": False, **rec})
    finally:
        cache.close()
    personas = run.read_table(PERSONAS) if run.has(PERSONAS) else pd.DataFrame()
    return MineResult(run=run, personas=personas, summary=summary)


def _llm_filter(run: Run, name: str, source: str, progress, stage_fn, extra_fn) -> dict:
    """A per-post LLM filter stage (clean, qc): read the previous stage's table, run
    ``stage_fn(table, advance)`` over its kept posts under a progress bar, write the
    result and count it (``extra_fn(result)`` adds the stage's own counts)."""
    prev = run.read_table(TABLES[source])
    n = int(prev["keep"].sum())
    with _noop_bar(n, name, enabled=progress) as adv:
        df = stage_fn(prev, adv)
    run.write_table(TABLES[name], df)
    return {"rows_in": n, "rows_out": int(df["keep"].sum()),
            "authors_out": df.loc[df["keep"].astype(bool), "author_id"].nunique(),
            "extra": extra_fn(df)}


def _run_stage(name, run: Run, cfg, templates, caller, corpus, progress, read_kw,
               prefetch=None) -> dict:
    bar = _noop_bar
    if name == "read":
        if corpus is None:
            raise PopulaceError("give a corpus path")
        from populace.corpus import read_corpus

        posts = read_corpus(corpus, format=read_kw["corpus_format"],
                            author_column=read_kw["author_column"],
                            text_column=read_kw["text_column"],
                            date_column=read_kw["date_column"],
                            limit_authors=read_kw["limit_authors"])
        run.write_table(TABLES["read"], posts)
        skipped = list(posts.attrs.get("skipped", []))
        if skipped:
            print(f"warning: skipped {len(skipped)} corpus file(s): {'; '.join(skipped[:3])}"
                  f"{' ...' if len(skipped) > 3 else ''}", file=sys.stderr)
        return {"rows_in": None, "rows_out": len(posts),
                "authors_out": posts["author_id"].nunique(),
                "extra": {"skipped_files": len(skipped)}}
    posts = run.read_table(POSTS)
    if name == "preprocess":
        df = pre_mod.preprocess(posts, cfg)
        run.write_table(TABLES[name], df)
        reasons = df["reason"].replace("", "kept").value_counts().to_dict()
        if not df["keep"].any():
            raise PopulaceError(f"preprocessing kept no post of the {posts['author_id'].nunique()}"
                                f" author(s) read ({reasons}); read more authors "
                                "(--limit-authors) or relax the rules (--min-posts, "
                                "--max-post-words; docs/mining.md)")
        return {"rows_in": len(df), "rows_out": int(df["keep"].sum()),
                "authors_in": posts["author_id"].nunique(),
                "authors_out": df.loc[df["keep"].astype(bool), "author_id"].nunique(),
                "extra": {"reasons": reasons}}
    if name == "clean":
        return _llm_filter(run, name, "preprocess", progress,
                           lambda df, adv: clean_mod.clean(df, caller, templates, cfg, adv),
                           lambda df: {"outcomes": df["status"].value_counts().to_dict()})
    if name == "qc":
        return _llm_filter(run, name, "clean", progress,
                           lambda df, adv: qc_mod.qc(df, caller, templates, cfg, adv),
                           lambda df: {"quality": df["quality"].fillna("failed")
                                       .value_counts().to_dict(),
                                       "harmless": df["harmless"].fillna("failed")
                                       .value_counts().to_dict(),
                                       "methods": df["method"].value_counts().to_dict()})
    if name == "group":
        q, cl = run.read_table(TABLES["qc"]), run.read_table(TABLES["clean"])
        df = group_mod.group(q, cl, posts, cfg)
        run.write_table(TABLES[name], df)
        return {"rows_in": len(df), "rows_out": int(df["keep"].sum()),
                "extra": {"posts_budget": cfg.posts_budget}}
    if name == "persona":
        g, cl = run.read_table(TABLES["group"]), run.read_table(TABLES["clean"])
        n = int(g["keep"].sum())
        after = None
        if prefetch is not None:
            def after(row):  # the critic's request for this persona, into the cache
                if row["status"] == "ok":
                    critic_mod.critic(pd.DataFrame([{**row, "keep": True}]), g, cl, prefetch,
                                      templates, cfg)
        with bar(n, "persona", enabled=progress) as adv:
            df = persona_mod.personas(g, cl, caller, templates, cfg, adv, after=after)
        run.write_table(TABLES[name], df)
        extra = {"outcomes": df["status"].value_counts().to_dict()}
        if prefetch is not None:
            extra["critic_prefetch"] = prefetch.stats
        return {"rows_in": n, "rows_out": int(df["keep"].sum()), "extra": extra}
    if name == "critic":
        p, g = run.read_table(TABLES["persona"]), run.read_table(TABLES["group"])
        cl = run.read_table(TABLES["clean"])
        n = int(p["keep"].sum())
        with bar(n, "critic", enabled=progress) as adv:
            df = critic_mod.critic(p, g, cl, caller, templates, cfg, adv)
        run.write_table(TABLES[name], df)
        return {"rows_in": n, "rows_out": int(df["keep"].sum()),
                "extra": {"outcomes": df["status"].value_counts().to_dict()}}
    if name == "pii":
        c, p = run.read_table(TABLES["critic"]), run.read_table(TABLES["persona"])
        n = int(c["keep"].sum())
        with bar(n, "pii", enabled=progress) as adv:
            df = pii_mod.pii(c, p, caller, templates, cfg, adv)
        run.write_table(TABLES[name], df)
        run.write_table(PERSONAS, build_personas(run))
        return {"rows_in": n, "rows_out": len(df),
                "extra": {"pii_flagged": int(df["pii_flag"].sum()) if len(df) else 0}}
    raise AssertionError(name)  # pragma: no cover
