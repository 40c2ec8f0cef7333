"""``populace.target``: a persona set for a group given in plain language.

1. Pool: the run's aligned set, else all its personas (:mod:`populace.targeting.pool`).
2. Retrieval: the ``top_k`` personas most similar to the query (cosine of
   sentence embeddings).
3. Revision: the LLM revises the retrieved personas into ``n`` members of the
   group, changing only what membership needs (prompt ``revise.txt``). Seeds
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

import hashlib
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from populace.errors import PopulaceError
from populace.llm.cache import CachedBackend, CallCache
from populace.run import Run, config_hash
from populace.targeting.calls import Task, run_tasks
from populace.targeting.embedder import DEFAULT_EMBEDDER, Embedder, load_embedder
from populace.targeting.index import resolve_backend
from populace.targeting.parse import persona_line
from populace.targeting.pool import Pool, load_pool, pool_vectors, retrieve
from populace.targeting.prompts import Templates

MAX_PER_SEED = 20
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


def slugify(query: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", query.lower()).strip("-")[:60].strip("-")
    return s or "q-" + hashlib.sha256(query.encode()).hexdigest()[:8]


def check_sizes(n: int, top_k: int | None, pool_size: int) -> int:
    if n < 1:
        raise PopulaceError("-n must be at least 1")
    k = min(n, pool_size) if top_k is None else int(top_k)
    if k < 1:
        raise PopulaceError("--top-k must be at least 1")
    if k > pool_size:
        raise PopulaceError(f"--top-k {k} is larger than the pool ({pool_size} personas)")
    if n > MAX_PER_SEED * k:
        raise PopulaceError(
            f"-n {n} is more than {MAX_PER_SEED} x top-k ({MAX_PER_SEED * k}): "
            "that many revisions per seed make near-copies; raise --top-k "
            f"(at most the pool size, {pool_size})"
        )
    return k


def _seed_plan(hits: list[tuple[int, float]], n: int) -> list[tuple[int, float, int]]:
    """(pool position, similarity, variant) for each of the n output personas."""
    k = len(hits)
    return [(hits[j % k][0], hits[j % k][1], j // k) for j in range(n)]


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
) -> TargetResult:
    """A persona set for a target group: retrieve the closest personas, revise them into it.

    Steps: embed the run's pool (aligned set, else all personas), retrieve
    the ``top_k`` personas closest to ``query`` (exact cosine search), plan
    ``n`` revisions over them (the closest seeds first, at most
    ``MAX_PER_SEED`` each), let the LLM rewrite each seed into the group
    (:func:`_revise`), and write the set with its seed links (:func:`_tables`).

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
        (``numpy``, ``faiss`` or ``auto``), and a pool the caller loaded.

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
    r = run if isinstance(run, Run) else Run(run, create=False)
    pool = load_pool(r) if pool is None else pool
    k = check_sizes(int(n), top_k, len(pool))
    index = resolve_backend(index, len(pool))
    templates = Templates.load(prompt_dir)
    emb = embedder if isinstance(embedder, Embedder) else load_embedder(embedder)
    t0 = time.time()
    vecs = pool_vectors(r, pool, emb, progress=progress)
    hits = retrieve(query, pool, vecs, emb, k, index=index)
    plan = _seed_plan(hits, int(n))
    slug = slugify(query)
    out_path = Path(out) if out is not None else r.file(f"{TARGETS}/{slug}.parquet")
    width = max(4, len(str(n)))
    ids = [f"t-{slug[:40]}-{j:0{width}d}" for j in range(int(n))]
    outs, stats = None, {"model_calls": 0, "cache_hits": 0}
    if revise:
        outs, stats = _revise(
            r,
            backend,
            templates,
            pool,
            plan,
            query,
            max_words=max_words,
            seed=seed,
            max_attempts=max_attempts,
            batch_size=batch_size,
            variant_temperature=variant_temperature,
            progress=progress,
        )
    frame, fail_frame = _tables(plan, ids, pool, query, outs)
    _write(out_path, frame)
    fail_path = out_path.with_name(out_path.stem + ".failures.parquet")
    if len(fail_frame):
        _write(fail_path, fail_frame)
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


def _revise(
    r: Run,
    backend,
    templates,
    pool: Pool,
    plan,
    query: str,
    *,
    max_words: int,
    seed: int,
    max_attempts: int,
    batch_size: int,
    variant_temperature: float,
    progress: bool,
):
    """The LLM revision of every planned (seed, variant), through the run's call
    cache; returns (parsed replies in plan order, call counts)."""
    from populace.survey.progress import progress_bar

    cache = CallCache(r.cache_path)
    cb = CachedBackend(backend, cache)
    tasks = [
        Task(
            templates.messages("revise", persona=pool.texts[p], query=query, max_words=max_words),
            lambda t: persona_line(t, max_words=max(int(max_words * 1.5), 20)),
            max_tokens=int(max_words * 2) + 20,
            temperature=0.0 if v == 0 else variant_temperature,
            sample_index=v,
        )
        for p, _, v in plan
    ]
    try:
        with progress_bar(len(tasks), f"revise for {query[:40]!r}", enabled=progress) as advance:
            outs = run_tasks(
                cb,
                tasks,
                seed=seed,
                max_attempts=max_attempts,
                batch_size=batch_size,
                advance=advance,
            )
    finally:
        cache.close()
    return outs, {"model_calls": cb.misses, "cache_hits": cb.hits}


def _tables(
    plan, ids: list[str], pool: Pool, query: str, outs
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(personas, failures) from the plan and the revisions (``outs`` None: the
    seeds' own texts, unrevised)."""
    rows, fails = [], []
    for j, (p, sim, v) in enumerate(plan):
        base = {
            "seed_persona_id": pool.ids[p],
            "similarity": sim,
            "query": query,
            "variant": v,
            "seed_weight": float(pool.weights[p]),
        }
        if outs is None:
            rows.append({"persona_id": ids[j], "persona": pool.texts[p], **base, "revised": False})
        elif outs[j].ok:
            rows.append({"persona_id": ids[j], "persona": outs[j].value, **base, "revised": True})
        else:
            fails.append(
                {
                    "persona_id": ids[j],
                    **base,
                    "attempts": outs[j].attempts,
                    "error": outs[j].error,
                    "raw": outs[j].raw,
                }
            )
    cols = [
        "persona_id",
        "persona",
        "seed_persona_id",
        "similarity",
        "query",
        "variant",
        "revised",
        "seed_weight",
    ]
    fail_cols = [
        "persona_id",
        "seed_persona_id",
        "similarity",
        "query",
        "variant",
        "seed_weight",
        "attempts",
        "error",
        "raw",
    ]
    return pd.DataFrame(rows, columns=cols), pd.DataFrame(fails, columns=fail_cols)


def _write(path: Path, frame: pd.DataFrame) -> None:
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


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
        **kwargs,
    ).out
