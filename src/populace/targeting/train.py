"""``populace train-embedder``: fine-tune the retrieval embedder on a run's personas.

Steps (tables under ``RUN/train_embedder/``, each written atomically):

1. ``queries.parquet``: a detailed and a broad LLM query per persona
   (:func:`populace.targeting.pairs.write_queries`).
2. ``negatives.parquet``: ``hard`` most similar + ``random`` personas per query
   under the base embedder, each with the LLM's P(YES) and whether it was kept
   (:func:`populace.targeting.pairs.check_negatives`).
3. Contrastive fine-tuning of the base embedder (:mod:`populace.targeting.contrastive`),
   saved as a sentence-transformers folder ``out`` with ``populace_training.json``
   (settings, counts, losses). ``--embedder out`` loads it.

With ``val_fraction`` > 0 a seeded share of the personas is held out: their
queries are written but never trained on (and they are never negatives); after
every epoch (and before the first) the MRR of those queries, each searching
for its own persona among all personas, is measured, and the weights of the
best epoch are saved, epoch 0 being the base model itself (so fine-tuning that
does not help on held-out personas returns the base unchanged, recorded as
``selected_epoch`` 0). Off by default (the paper trains on every persona).

Every LLM call goes through ``RUN/cache.sqlite``: a killed run repeats no
finished call; rerunning the command rebuilds the tables from the cache and
trains again (training itself is not checkpointed; docs/targeting.md has the
measured times).
A query whose negatives were all dropped still trains (the positive against
nothing gives no gradient, so it is skipped and counted).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd

from populace.errors import PopulaceError
from populace.llm.cache import CachedBackend, CallCache
from populace.run import PERSONAS, Run, atomic_write_text
from populace.targeting.contrastive import Example
from populace.targeting.embedder import DEFAULT_EMBEDDER, load_embedder
from populace.targeting.fine_tune import fine_tune, recipe_settings, val_split
from populace.targeting.pairs import candidate_negatives, check_negatives, write_queries
from populace.targeting.pool import EMBEDDINGS
from populace.targeting.prompts import Templates
from populace.targeting.store import embed_personas

FOLDER = "train_embedder"


def _personas(r: Run, persona_ids) -> pd.DataFrame:
    path = r.file(PERSONAS)
    if not path.exists():
        raise PopulaceError(
            f"{path} does not exist: train-embedder needs the run's personas (persona_id, persona)"
        )
    f = pd.read_parquet(path)
    if not {"persona_id", "persona"} <= set(f.columns):
        raise PopulaceError(f"{path} needs columns persona_id and persona")
    f = (
        f.dropna(subset=["persona_id", "persona"])
        .assign(
            persona_id=lambda x: x["persona_id"].astype(str),
            persona=lambda x: x["persona"].astype(str),
        )
        .drop_duplicates("persona_id")
    )
    if persona_ids is not None:
        keep = {str(p) for p in persona_ids}
        f = f[f["persona_id"].isin(keep)]
    if len(f) < 3:
        raise PopulaceError(f"train-embedder needs at least 3 personas; {len(f)} available")
    return f.reset_index(drop=True)


def _write(r: Run, name: str, frame: pd.DataFrame) -> None:
    r.write_table(f"{FOLDER}/{name}", frame)


def train_embedder(
    run: str | Path | Run,
    out: str | Path,
    *,
    backend,
    base: str = DEFAULT_EMBEDDER,
    persona_ids=None,
    hard: int = 5,
    random: int = 3,
    check: str = "relative",
    yes_threshold: float = 0.5,
    epochs: int | None = None,
    batch_size: int | None = None,
    lr: float | None = None,
    grad_accum: int | None = None,
    recipe: str | None = None,
    temperature: float = 0.05,
    val_fraction: float = 0.0,
    seed: int = 0,
    prompt_dir=None,
    max_attempts: int = 2,
    llm_batch: int = 4,
    progress: bool = True,
    model_info: dict | None = None,
) -> dict:
    """Fine-tune the retrieval embedder on a run's personas (the module doc has the steps).

    Parameters
    ----------
    run : str, Path or Run
        A run directory with ``personas.parquet``.
    out : str or Path
        Folder for the fine-tuned sentence-transformers model.
    backend : populace.llm.Backend
        The LLM that writes queries and checks negatives.
    base : str, default all-MiniLM-L6-v2
        The embedder to start from.
    persona_ids : sequence of str, optional
        Train on these personas only.
    hard, random : int, default 5 and 3
        Negatives per query: most similar under the base embedder, and random.
    check : {"relative", "absolute"}, default "relative"
        How the LLM's P(YES) drops false negatives (docs/targeting.md).
    yes_threshold : float, default 0.5
    epochs, batch_size, lr, grad_accum, temperature
        Contrastive training settings (micro-batch size, micro-batches per
        optimiser step, InfoNCE temperature); None takes the recipe's.
    recipe : {"quick", "paper"}, optional
        Named settings (:data:`populace.targeting.fine_tune.RECIPES`; default
        ``quick``: 1 epoch, batch 8, lr 2e-5; ``paper``: Table 8, 2 epochs,
        batch 8 x 4 accumulated = 32, lr 6e-6).
    val_fraction : float, default 0.0
        Share of personas held out to select the best epoch by MRR.
    seed : int, default 0
    prompt_dir, max_attempts, llm_batch, progress, model_info
        Prompt templates folder, LLM retries, LLM batch size, progress bars,
        the model description recorded.

    Returns
    -------
    dict
        The training record (also ``out/populace_training.json``): counts of
        queries, negatives and examples, losses, validation MRR by epoch,
        LLM calls, seconds.

    References
    ----------
    van den Oord, A., Li, Y. & Vinyals, O. (2018). Representation learning with
    contrastive predictive coding. arXiv:1807.03748 (InfoNCE).
    Hu et al. (2025). arXiv:2509.10127, Appendix B.4-B.6.
    """
    rs = recipe_settings(recipe, epochs=epochs, batch_size=batch_size, lr=lr, grad_accum=grad_accum)
    epochs, batch_size, lr, grad_accum = rs["epochs"], rs["batch_size"], rs["lr"], rs["grad_accum"]
    _check_settings(backend, epochs, batch_size, temperature, hard, random, val_fraction)
    if grad_accum < 1:
        raise PopulaceError("grad_accum must be at least 1")
    r = run if isinstance(run, Run) else Run(run, create=False)
    out = Path(out)
    people = _personas(r, persona_ids)
    ids, texts = people["persona_id"].tolist(), people["persona"].tolist()
    text_of = dict(zip(ids, texts))
    val_ids = val_split(ids, val_fraction, seed)
    train_rows = [i for i, p in enumerate(ids) if p not in val_ids]
    if val_ids and len(train_rows) < 3:
        raise PopulaceError(
            f"val_fraction {val_fraction} leaves {len(train_rows)} training "
            "personas; at least 3 are needed"
        )
    templates = Templates.load(prompt_dir)
    emb = load_embedder(base)
    t0 = time.time()
    cache = CallCache(r.cache_path)
    cb = CachedBackend(backend, cache)
    try:
        queries = _queries(r, cb, ids, texts, templates, seed, max_attempts, llm_batch, progress)
        negs = _negatives(
            r,
            cb,
            emb,
            queries,
            ids,
            texts,
            text_of,
            train_rows,
            templates,
            hard=hard,
            random=random,
            check=check,
            yes_threshold=yes_threshold,
            seed=seed,
            progress=progress,
        )
    finally:
        cache.close()
    examples, skipped = _examples(r, queries, negs, text_of, val_ids)
    val_q = queries[queries["ok"] & queries["persona_id"].isin(val_ids)]
    losses, val_mrr, best_epoch = fine_tune(
        emb,
        examples,
        val_q,
        ids,
        texts,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        temperature=temperature,
        seed=seed,
        progress=progress,
        grad_accum=grad_accum,
    )
    out.mkdir(parents=True, exist_ok=True)
    emb.model.save(str(out))
    record = {
        "base": emb.describe(),
        "personas": len(ids),
        "queries": int(queries["ok"].sum()),
        "query_failures": int((~queries["ok"]).sum()),
        "negatives_checked": len(negs),
        "negatives_kept": int(negs["kept"].sum()),
        "negatives_dropped": int((~negs["kept"]).sum()),
        "p_yes_mean": {
            "negatives": float(negs["p_yes"].mean()),
            "positives": float(negs["p_yes_positive"].mean()),
        },
        "examples": len(examples),
        "queries_without_negatives": skipped,
        "settings": {
            "hard": hard,
            "random": random,
            "check": check,
            "yes_threshold": yes_threshold,
            "epochs": epochs,
            "batch_size": batch_size,
            "grad_accum": grad_accum,
            "effective_batch": batch_size * grad_accum,
            "recipe": recipe or "quick",
            "lr": lr,
            "val_fraction": val_fraction,
            "temperature": temperature,
            "seed": seed,
        },
        "losses": losses,
        "validation": (
            {
                "personas": len(val_ids),
                "queries": len(val_q),
                "mrr_by_epoch": val_mrr,
                "selected_epoch": best_epoch,
            }
            if val_ids
            else None
        ),
        "llm_calls": cb.misses,
        "cache_hits": cb.hits,
        "prompts_digest": templates.digest,
        "model": model_info or {"fingerprint": getattr(backend, "fingerprint", None)},
        "seconds": round(time.time() - t0, 1),
        "out": str(out.resolve()),
    }
    atomic_write_text(out / "populace_training.json", json.dumps(record, indent=2, default=str))
    r.record_stage(
        "train_embedder",
        key=str(out.resolve()),
        rows_in=len(ids),
        rows_out=len(examples),
        **{k: v for k, v in record.items() if k != "losses"},
    )
    return record


def _check_settings(backend, epochs, batch_size, temperature, hard, random, val_fraction) -> None:
    if backend is None:
        raise PopulaceError("train-embedder needs an LLM backend")
    if epochs < 1 or batch_size < 1 or not temperature > 0 or hard < 0 or random < 0:
        raise PopulaceError(
            "epochs and batch size must be >= 1, temperature > 0, hard and random >= 0"
        )
    if not 0.0 <= val_fraction < 1.0:
        raise PopulaceError("val_fraction must be in [0, 1)")
    if hard + random < 1:
        raise PopulaceError("at least one negative per query is needed (hard + random >= 1)")


def _queries(
    r: Run, cb, ids, texts, templates, seed, max_attempts, llm_batch, progress
) -> pd.DataFrame:
    """Step 1: a detailed and a broad LLM query per persona (queries.parquet)."""
    from populace.survey.progress import progress_bar

    with progress_bar(2 * len(ids), "train-embedder: queries", enabled=progress) as adv:
        queries = write_queries(
            cb,
            ids,
            texts,
            templates,
            seed=seed,
            max_attempts=max_attempts,
            batch_size=llm_batch,
            advance=adv,
        )
    _write(r, "queries.parquet", queries)
    if not queries["ok"].any():
        raise PopulaceError(
            "the LLM wrote no usable query (see "
            f"{r.file(FOLDER + '/queries.parquet')}); try a stronger --model"
        )
    return queries


def _negatives(
    r: Run,
    cb,
    emb,
    queries,
    ids,
    texts,
    text_of,
    train_rows,
    templates,
    *,
    hard,
    random,
    check,
    yes_threshold,
    seed,
    progress,
) -> pd.DataFrame:
    """Step 2: candidate negatives of the training queries, checked by the LLM
    (negatives.parquet)."""
    from populace.survey.progress import progress_bar

    vecs = embed_personas(ids, texts, emb, Path(r.path) / EMBEDDINGS)
    train_ids = [ids[i] for i in train_rows]
    owner_of = dict(zip(queries["query_id"], queries["persona_id"]))
    in_train = queries["persona_id"].isin(train_ids)
    cands = candidate_negatives(
        queries[in_train], train_ids, vecs[train_rows], emb, hard=hard, random=random, seed=seed
    )
    with progress_bar(
        len(cands) + (int((queries["ok"] & in_train).sum()) if check == "relative" else 0),
        "train-embedder: negative check",
        enabled=progress,
    ) as adv:
        negs = check_negatives(
            cb,
            cands,
            text_of,
            templates,
            owner_of=owner_of,
            rule=check,
            yes_threshold=yes_threshold,
            advance=adv,
        )
    _write(r, "negatives.parquet", negs)
    return negs


def _examples(r: Run, queries, negs, text_of, val_ids) -> tuple[list[Example], int]:
    """(query, positive, kept negatives) triples of the training personas, and how
    many queries had no negative left."""
    kept = negs[negs["kept"]].groupby("query_id")["persona_id"].apply(list).to_dict()
    examples, skipped = [], 0
    for qid, q, pid in zip(queries["query_id"], queries["query"], queries["persona_id"]):
        if q is None or pid in val_ids:
            continue
        neg = kept.get(qid, [])
        if not neg:
            skipped += 1
            continue
        examples.append(Example(q, text_of[pid], [text_of[p] for p in neg]))
    if not examples:
        raise PopulaceError(
            "no training example left: the check dropped every negative (see "
            f"{r.file(FOLDER + '/negatives.parquet')})"
        )
    return examples, skipped
