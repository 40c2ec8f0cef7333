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

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from populace.errors import PopulaceError
from populace.llm.cache import CachedBackend, CallCache
from populace.mining.config import STAGES, MiningConfig
from populace.mining.llm import StageCaller
from populace.mining.prompts import Templates
from populace.mining.stage_runners import RUNNERS, TABLES, StageContext, build_personas
from populace.run import PERSONAS, Run, config_hash

logger = logging.getLogger(__name__)

__all__ = ["mine", "MineResult", "TABLES", "build_personas"]

LLM_STAGES = ("clean", "qc", "persona", "critic", "pii")


@dataclass(repr=False)
class MineResult:
    """The mined personas (``personas.parquet``), the run directory and one record
    per stage (rows in/out, LLM calls, tokens, seconds)."""

    run: Run
    personas: pd.DataFrame
    summary: list[dict] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The personas table."""
        return self.personas

    def __repr__(self) -> str:
        ran = [s["stage"] for s in self.summary if not s.get("resumed")]
        return (
            f"<MineResult {self.run.path}: {len(self.personas):,} personas; stages run now: "
            f"{', '.join(ran) or 'none (all resumed)'}>"
        )


def mine(
    corpus: str | Path | None,
    out: str | Path,
    *,
    backend=None,
    critic_backend=None,
    config: MiningConfig | dict | None = None,
    stages=None,
    corpus_format: str = "auto",
    author_column: str | None = None,
    text_column: str | None = None,
    date_column: str | None = None,
    limit_authors: int | None = None,
    prompt_dir: str | Path | None = None,
    progress: bool = True,
    model_info: dict | None = None,
    critic_model_info: dict | None = None,
    critic_prefetch: bool = True,
) -> MineResult:
    """Mine personas from ``corpus`` into the run directory ``out``; see the module doc.

    ``critic_prefetch`` (default on; used only when the critic is the mining
    model and both stages run): the persona stage sends each persona's critic
    request right after writing it, into the call cache, and the critic stage
    then reads it from there. The requests and results are the same; a local
    model (llama.cpp) keeps the posts both prompts start with in its KV cache,
    so it does not read them twice."""
    cfg = config if isinstance(config, MiningConfig) else MiningConfig(**(config or {}))
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
    run.set_config(
        "mine",
        {
            "corpus": str(corpus) if corpus is not None else None,
            "corpus_format": corpus_format,
            "author_column": author_column,
            "text_column": text_column,
            "date_column": date_column,
            "limit_authors": limit_authors,
            "stages": todo,
            "prompt_dir": str(prompt_dir) if prompt_dir else None,
            "prompts_digest": templates.digest,
            **cfg.to_dict(),
        },
        models={
            "mine": model_info or {"fingerprint": fp},
            "critic": critic_model_info or model_info or {"fingerprint": cfp},
        },
        seeds={"mine": cfg.seed},
    )

    def stage_caller(b, name):
        return StageCaller(
            b,
            name,
            max_attempts=cfg.max_attempts,
            seed=cfg.seed,
            batch_size=cfg.batch_size,
            retry_temperature=cfg.retry_temperature,
        )

    summary, key = [], None
    inner = getattr(backend, "backend", backend)
    shared = hasattr(inner, "prefer_generation_context") and (
        cfg.qc_method == "context" or cfg.critic_method == "probs"
    )
    if shared:  # score in the context that just generated from the same posts (llamacpp.py)
        inner.prefer_generation_context = True
    try:
        for name in STAGES:
            if name == "read":
                src = Path(corpus) if corpus is not None else None
                stamp = src.stat().st_mtime_ns if src is not None and src.exists() else None
                key = config_hash(
                    {
                        "stage": name,
                        "corpus": str(src.resolve()) if src else None,
                        "stamp": stamp,
                        "format": corpus_format,
                        "cols": [author_column, text_column, date_column],
                        "limit": limit_authors,
                    }
                )
            else:
                key = config_hash(
                    {
                        "stage": name,
                        "prev": key,
                        "cfg": cfg.to_dict(),
                        "prompts": templates.digest,
                        "model": fp if name != "critic" else cfp,
                    }
                )
            table = TABLES[name]
            if name not in todo:
                rec = run.stage(name)
                if not run.has(table) or rec is None:
                    if any(s in todo for s in STAGES[STAGES.index(name) + 1 :]):
                        raise PopulaceError(
                            f"stage {name} has not run in {run.path}; add it to --stages"
                        )
                    continue
                key = rec["key"]
                continue
            if run.is_done(name, key, table):
                rec = run.stage(name)
                summary.append({"stage": name, "resumed": True, **rec})
                if progress:
                    logger.info(
                        f"{name}: done earlier (same config), {rec.get('rows_out')} rows kept"
                    )
                continue
            t0 = time.perf_counter()
            caller = None
            if name in LLM_STAGES:
                b = crit_b if name == "critic" else gen
                need = not (name == "clean" and cfg.clean_mode == "never") and not (
                    name == "pii" and not cfg.pii_llm
                )
                if b is None and need:
                    raise PopulaceError(f"stage {name} needs a model; pass backend=")
                if b is not None:
                    caller = stage_caller(b, name)
            prefetch = None
            if (
                name == "persona"
                and critic_prefetch
                and critic_backend is None
                and caller is not None
                and "critic" in todo
            ):
                prefetch = stage_caller(gen, "critic")
            if (
                name == "qc"
                and cfg.qc_method == "context"
                and critic_prefetch
                and caller is not None
                and "persona" in todo
            ):
                prefetch = (
                    stage_caller(gen, "persona"),
                    stage_caller(gen, "critic")
                    if critic_backend is None and "critic" in todo
                    else None,
                )
            rec = RUNNERS[name](
                StageContext(
                    run,
                    cfg,
                    templates,
                    caller,
                    corpus,
                    progress,
                    dict(
                        corpus_format=corpus_format,
                        author_column=author_column,
                        text_column=text_column,
                        date_column=date_column,
                        limit_authors=limit_authors,
                    ),
                    prefetch,
                )
            )
            extra = rec.pop("extra", {})
            if caller is not None:
                extra["llm"] = caller.stats
            secs = round(time.perf_counter() - t0, 2)
            rec = run.record_stage(name, key=key, seconds=secs, **rec, **extra)
            summary.append({"stage": name, "resumed": False, **rec})
    finally:
        cache.close()
        if shared:
            inner.prefer_generation_context = False
    personas = run.read_table(PERSONAS) if run.has(PERSONAS) else pd.DataFrame()
    return MineResult(run=run, personas=personas, summary=summary)
