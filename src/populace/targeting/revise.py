"""``populace.target``: a persona set for a group given in plain language.

1. Pool: the run's aligned set, else all its personas, or a pool the caller
   loaded (an external persona file: :func:`populace.targeting.pool.load_pool_file`).
2. Retrieval: the ``top_k`` personas most similar to the query (cosine of
   sentence embeddings).
3. Revision: the LLM revises the retrieved personas into ``n`` members of the
   group with the template chosen for the query (``youth``, ``region``,
   ``generic``: the group's typical circumstances, behaviours and attitudes,
   other retrieved seeds as context; ``minimal``: only the facts membership
   needs; :mod:`populace.targeting.revision`). Seeds
   are used round-robin in similarity order: persona ``j`` is revised from seed
   ``j mod top_k``; its first revision is greedy, later variants of the same
   seed are sampled (temperature ``variant_temperature``, one sample index each).

Limits (clear errors): the query must have a word in it; ``top_k`` must be at
least 1 and at most the pool size; ``n`` at most ``MAX_PER_SEED`` (20) times
``top_k``: more would make many near-copies of each seed, so retrieve more
seeds instead. Default ``top_k``: ``min(n, pool size)``.

Output (``RUN/targets/<slug>.parquet`` by default, written atomically):
``persona_id``, ``persona`` (the text, so ``populace survey`` reads it as is),
``seed_persona_id``, ``similarity`` (query vs seed), ``query``, ``variant``,
``revised`` (False with ``revise=False``: the seed text as retrieved),
``seed_weight``. Revisions that failed after the corrective retry go to
``<out>.failures.parquet`` (seed, error, last reply) and are counted; they are
never replaced by a default.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from populace.errors import PopulaceError
from populace.run import Run, config_hash
from populace.targeting.embedder import DEFAULT_EMBEDDER, Embedder, load_embedder
from populace.targeting.index import resolve_backend
from populace.targeting.plan import (
    check_sizes,
    seed_plan,
    slugify,
    tables,
    write_atomic,
)
from populace.targeting.pool import Pool, load_pool, pool_vectors, retrieve
from populace.targeting.prompts import Templates
from populace.targeting.revision import resolve_template, revise_tasks, run_revisions

TARGETS = "targets"


@dataclass(repr=False)
class TargetResult:
    """The group's persona set (``personas``), the revisions that failed,
    where the set was written (``out``) and run information (``info``)."""

    personas: pd.DataFrame
    failures: pd.DataFrame
    out: Path | None
    info: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The group's personas (``persona_id``, ``persona``, seed links)."""
        return self.personas

    def __repr__(self) -> str:
        q = self.info.get("query")
        return (
            f"<TargetResult{f' {q!r}' if q else ''}: {len(self.personas):,} personas, "
            f"{len(self.failures):,} failed revisions"
            f"{f', written to {self.out}' if self.out else ''}>"
        )


def target(
    run: str | Path | Run,
    query: str,
    n: int,
    *,
    top_k: int | None = None,
    backend=None,
    embedder: str | Embedder = DEFAULT_EMBEDDER,
    seed: int = 0,
    out: str | Path | None = None,
    revise: bool = True,
    prompt_dir: str | Path | None = None,
    max_words: int = 120,
    max_attempts: int = 2,
    batch_size: int = 4,
    variant_temperature: float = 0.8,
    progress: bool = True,
    model_info: dict | None = None,
    index: str = "auto",
    pool: Pool | None = None,
    template: str = "auto",
    context_seeds: int = 2,
) -> TargetResult:
    """A persona set for a target group: retrieve the closest personas, revise them into it.

    Steps: embed the run's pool (aligned set, else all personas), retrieve
    the ``top_k`` personas closest to ``query`` (exact cosine search), plan
    ``n`` revisions over them (the closest seeds first, at most
    ``MAX_PER_SEED`` each), let the LLM rewrite each seed into the group
    (:mod:`populace.targeting.revision`), and write the set with its seed
    links (:func:`populace.targeting.plan.tables`).

    Parameters
    ----------
    run : str, Path or Run
        A run directory with ``personas.parquet`` (and ``aligned.parquet``).
    query : str
        The group in plain language, e.g. ``"US high-school students"``.
    n : int
        Personas to write.
    top_k : int, optional
        Seeds retrieved (default ``min(n, pool size)``).
    backend : populace.llm.Backend, optional
        The LLM that revises; needed unless ``revise=False``.
    embedder : str or Embedder, default all-MiniLM-L6-v2
        A sentence-transformers model name or folder (e.g. from
        :func:`populace.targeting.train.train_embedder`).
    seed : int, default 0
    out : str or Path, optional
        Output file (default ``RUN/targets/<slug>.parquet``).
    revise : bool, default True
        False keeps the retrieved seeds' own texts.
    prompt_dir, max_words, max_attempts, batch_size, variant_temperature
        Prompt templates folder, the revision's word limit, LLM retries and
        batch size, the temperature of the second and later variants of a seed.
    progress, model_info, index, pool
        Progress bars, the model description recorded, the search backend
        (``numpy``, ``faiss`` or ``auto``), and a pool the caller loaded
        (e.g. :func:`populace.targeting.pool.load_pool_file` for an external
        persona file; default: the run's own).
    template : str, default "auto"
        The revision prompt (:mod:`populace.targeting.revision`): ``youth``,
        ``region``, ``generic``, ``minimal`` (the earlier prompt) or ``auto``
        (chosen from the query).
    context_seeds : int, default 2
        Other retrieved seeds shown in each revision prompt as context (Eq. 15
        of the paper; not used by ``minimal``).

    Returns
    -------
    TargetResult
        ``personas`` (``persona_id``, ``persona``, ``seed_persona_id``,
        ``similarity``, ``variant``, ...), ``failures``, ``out`` and ``info``.

    References
    ----------
    Hu et al. (2025). arXiv:2509.10127, section 3.3 and Appendix B.4-B.6.
    Reimers, N. & Gurevych, I. (2019). Sentence-BERT. *EMNLP*.
    """
    if not isinstance(query, str) or not re.search(r"\w", query):
        raise PopulaceError(
            'the query is empty: describe the target group, e.g. "US high-school students"'
        )
    query = " ".join(query.split())
    if revise and backend is None:
        raise PopulaceError("revision needs an LLM backend (or revise=False / --no-revise)")
    if max_attempts < 1:
        raise PopulaceError("max_attempts must be at least 1")
    if context_seeds < 0:
        raise PopulaceError("context_seeds must be at least 0")
    chosen = resolve_template(template, query)
    r = run if isinstance(run, Run) else Run(run, create=pool is not None)
    pool = load_pool(r) if pool is None else pool
    k = check_sizes(int(n), top_k, len(pool))
    index = resolve_backend(index, len(pool))
    templates = Templates.load(prompt_dir)
    emb = embedder if isinstance(embedder, Embedder) else load_embedder(embedder)
    t0 = time.time()
    vecs = pool_vectors(r, pool, emb, progress=progress)
    hits = retrieve(query, pool, vecs, emb, k, index=index)
    plan = seed_plan(hits, int(n))
    slug = slugify(query)
    out_path = Path(out) if out is not None else r.file(f"{TARGETS}/{slug}.parquet")
    width = max(4, len(str(n)))
    ids = [f"t-{slug[:40]}-{j:0{width}d}" for j in range(int(n))]
    outs, stats = None, {"model_calls": 0, "cache_hits": 0}
    if revise:
        tasks = revise_tasks(
            templates,
            chosen,
            pool.texts,
            hits,
            plan,
            query,
            max_words=max_words,
            variant_temperature=variant_temperature,
            context_seeds=context_seeds,
        )
        outs, stats = run_revisions(
            r.cache_path,
            backend,
            tasks,
            query,
            seed=seed,
            max_attempts=max_attempts,
            batch_size=batch_size,
            progress=progress,
        )
    frame, fail_frame = tables(plan, ids, pool, query, outs)
    write_atomic(out_path, frame)
    fail_path = out_path.with_name(out_path.stem + ".failures.parquet")
    if len(fail_frame):
        write_atomic(fail_path, fail_frame)
    elif fail_path.exists():
        fail_path.unlink()
    info = {
        "query": query,
        "n": int(n),
        "top_k": k,
        "pool": len(pool),
        "pool_source": pool.source,
        "embedder": emb.describe(),
        "index": index,
        "revise": revise,
        "template": chosen if revise else None,
        "context_seeds": context_seeds if revise and chosen != "minimal" else 0,
        "written": len(frame),
        "failures": len(fail_frame),
        "seed": seed,
        "prompts_digest": templates.digest,
        "out": str(out_path),
        "seconds": round(time.time() - t0, 2),
        **stats,
        "model": model_info or {"fingerprint": getattr(backend, "fingerprint", None)},
    }
    r.record_stage(
        f"target:{slug}",
        key=config_hash(
            {
                k_: v_
                for k_, v_ in info.items()
                if k_ not in ("seconds", "model_calls", "cache_hits")
            }
        ),
        rows_in=len(pool),
        rows_out=len(frame),
        **info,
    )
    return TargetResult(frame, fail_frame, out_path, info)


def target_run(
    run_dir: str | Path,
    query: str,
    n: int = 10,
    *,
    backend=None,
    progress: bool = True,
    top_k: int | None = None,
    embedder: str | Embedder = DEFAULT_EMBEDDER,
    index: str = "auto",
    max_words: int = 120,
    template: str = "auto",
    **kwargs,
) -> Path | None:
    """The pipeline's entry point (``populace run``'s targets stage): :func:`target`
    on a run directory; returns the path of ``RUN/targets/<slug>.parquet``. The
    settings of ``[targets]`` are named parameters (the stage passes those it sees)."""
    return target(
        run_dir,
        query,
        n,
        backend=backend,
        progress=progress,
        top_k=top_k,
        embedder=embedder,
        index=index,
        max_words=max_words,
        template=template,
        **kwargs,
    ).out
