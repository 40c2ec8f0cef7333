"""Retrieval quality of the base vs the fine-tuned embedder on real blog authors.

Pool: with --personas FILE, the personas mined from real bloggers of the Blog
Authorship Corpus (../shared/data/blogs, Schler et al. 2006) by
benchmarks/mine_blogs.py or benchmarks/e2e_blogs.py (a RUN/personas.parquet,
which carries each author's gender, age and topic). Without it, the first
--authors bloggers' **post excerpts** stand in for personas (the first
--excerpt-words words of their first-person posts of >= 30 words). The results say which in their
first line.

Queries:
- held out by persona: the authors are split in two halves (seeded); the
  embedder is fine-tuned (``train_embedder``) on the LLM queries of the
  training half only; the test queries are the LLM's detailed and broad
  queries of the other half (no persona has queries on both sides). Relevant:
  the query's own author, searched among all authors of the pool.
- from the corpus metadata (never used in training): gender ("a woman/man who
  blogs"), age band (13-17, 23-27, 33-48 as the corpus groups them) and topic
  (industry fields with >= 3 authors); relevant: every author with that value.

Metrics per query set: recall@10 (share of the relevant authors in the top 10,
out of min(10, #relevant)) and MRR (1 / rank of the first relevant author), for
the base and the fine-tuned embedder side by side, with a paired bootstrap
interval (1,000 resamples of the queries) of the difference.

Training recipes (``--recipes``, populace.targeting.fine_tune.RECIPES): each
named recipe is trained on the same queries and checked negatives (the LLM
calls are shared through the cache) and scored side by side, e.g.
``--recipes quick,paper`` compares populace's earlier recipe (1 epoch, batch 8,
lr 2e-5) with the paper's Table 8 (2 epochs, batch 32 as 8 x 4 accumulated,
lr 6e-6), with the paired interval of the second minus the first. The
scores and each embedder's folder go to RUN/summary.json, with ``better``: the
recipe of the higher held-out MRR (benchmarks/long_queue.sh passes its
embedder to target_table4.py --trained).

Resumable: the run directory benchmarks/out/target_retrieval.<model>[.mined]/ keeps
the call cache; a rerun repeats no finished LLM call, and the calls are saved to
benchmarks/state/ (see benchmarks/_state.py) for the next run. Run it under the CPU lock:

    flock /tmp/populace-cpu.lock python benchmarks/target_retrieval.py --authors 80
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
BLOGS = ROOT.parent / "shared" / "data" / "blogs"
FIRST = re.compile(r"\b(i|me|my|i'm|i've)\b", re.IGNORECASE)


def excerpts(authors: int, words: int) -> pd.DataFrame:
    from populace.corpus import read_corpus

    posts = read_corpus(BLOGS, limit_authors=authors)
    rows = []
    for aid, g in posts.groupby("author_id", sort=False):
        take = []
        for t in g["text"]:
            w = t.split()
            if len(w) >= 30 and FIRST.search(t):
                take.extend(w)
            if len(take) >= words:
                break
        if len(take) >= 30:
            first = g.iloc[0]
            rows.append(
                {
                    "persona_id": f"b-{aid}",
                    "persona": " ".join(take[:words]),
                    "gender": first["gender"],
                    "age": int(first["age"]),
                    "topic": first["topic"],
                }
            )
    return pd.DataFrame(rows)


def mined(path: Path) -> pd.DataFrame:
    """The mined personas of a mining run, with their author's metadata."""
    p = pd.read_parquet(path)
    missing = {"persona_id", "persona", "gender", "age", "topic"} - set(p.columns)
    if missing:
        raise SystemExit(f"{path} lacks columns {sorted(missing)}")
    p = p.dropna(subset=["persona"]).copy()
    p["age"] = p["age"].astype(int)
    return p[["persona_id", "persona", "gender", "age", "topic"]].reset_index(drop=True)


# the corpus' industry labels whose hyphen is not an "and"
TOPIC_NAMES = {"Non-Profit": "non-profit organisations"}


def metadata_queries(pool: pd.DataFrame) -> list[tuple[str, set]]:
    out = []
    for g, word in (("female", "a woman"), ("male", "a man")):
        out.append((f"{word} who writes a blog", set(pool[pool["gender"] == g]["persona_id"])))
    bands = [
        ((13, 17), "a teenager in high school who blogs"),
        ((23, 27), "a blogger in their mid twenties"),
        ((33, 48), "a blogger in their thirties or forties"),
    ]
    for (lo, hi), q in bands:
        out.append((q, set(pool[pool["age"].between(lo, hi)]["persona_id"])))
    for topic, n in pool["topic"].value_counts().items():
        if n >= 3 and topic not in ("indUnk",):
            name = (
                TOPIC_NAMES.get(topic)
                or re.sub(r"(?<=[a-z])(?=[A-Z])", " ", topic).replace("-", " and ").lower()
            )
            q = "a student who blogs" if topic == "Student" else f"a blogger who works in {name}"
            out.append((q, set(pool[pool["topic"] == topic]["persona_id"])))
    return [(q, rel) for q, rel in out if rel]


def scores(emb, ids, texts, queries, folder):
    from populace.targeting.index import EmbeddingIndex
    from populace.targeting.store import embed_personas

    index = EmbeddingIndex(embed_personas(ids, texts, emb, folder), ids)
    pos, _ = index.search(emb.encode([q for q, _ in queries]), len(ids))
    rec, rr = [], []
    for (_, rel), row in zip(queries, pos):
        ranked = [ids[p] for p in row]
        rec.append(len(rel & set(ranked[:10])) / min(10, len(rel)))
        rr.append(next((1.0 / (i + 1) for i, x in enumerate(ranked) if x in rel), 0.0))
    return np.array(rec), np.array(rr)


def paired_ci(a, b, seed=0, reps=1000):
    rng = np.random.default_rng(seed)
    d = b - a
    boots = [d[rng.integers(0, len(d), len(d))].mean() for _ in range(reps)]
    return float(d.mean()), float(np.percentile(boots, 2.5)), float(np.percentile(boots, 97.5))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--authors", type=int, default=80)
    ap.add_argument("--excerpt-words", type=int, default=80)
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--base", default="minilm")
    ap.add_argument("--hard", type=int, default=4)
    ap.add_argument("--random", type=int, default=2)
    ap.add_argument(
        "--recipes",
        default="quick",
        help="comma-separated training recipes to compare (quick, paper)",
    )
    ap.add_argument("--epochs", type=int, default=None, help="override the recipes' epochs")
    ap.add_argument("--lr", type=float, default=None, help="override the recipes' lr")
    ap.add_argument(
        "--val-fraction",
        type=float,
        default=0.0,
        help="share of the training authors held out to pick the epoch "
        "(0 = the base) by their queries' MRR (train_embedder val_fraction)",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None)
    ap.add_argument(
        "--personas",
        type=Path,
        default=None,
        help="personas.parquet of a mining run (default: post excerpts)",
    )
    a = ap.parse_args(argv)
    if not BLOGS.exists():
        print(f"needs the Blog Authorship Corpus in {BLOGS}")
        return 2
    from populace.llm import load_backend
    from populace.llm.cache import CachedBackend, CallCache
    from populace.run import Run
    from populace.targeting import load_embedder
    from populace.targeting.pairs import write_queries
    from populace.targeting.prompts import Templates
    from populace.targeting.train import train_embedder

    t0 = time.time()
    import _state

    tag = f"{a.model}{'.mined' if a.personas else ''}"
    run_dir = Path(a.out or ROOT / "benchmarks" / "out" / f"target_retrieval.{tag}")
    run = Run(run_dir)
    state = _state.STATE / f"target_retrieval.{tag}.calls.jsonl.gz"
    _state.load(run.cache_path, state)
    _state.save_every(run.cache_path, state, minutes=10)
    _state.stop_on_sigterm()
    pool = mined(a.personas) if a.personas else excerpts(a.authors, a.excerpt_words)
    what = (
        f"personas mined from {len(pool)} real authors ({a.personas})"
        if a.personas
        else f"blog post excerpts of {len(pool)} real authors, not mined personas"
    )
    run.write_table("personas.parquet", pool)
    ids, texts = pool["persona_id"].tolist(), pool["persona"].tolist()
    rng = np.random.default_rng(a.seed)
    order = rng.permutation(len(ids))
    train_ids = [ids[i] for i in order[: len(ids) // 2]]
    test_ids = [ids[i] for i in order[len(ids) // 2 :]]
    from populace.targeting.fine_tune import recipe_settings

    recipes = [x.strip() for x in a.recipes.split(",") if x.strip()]
    for name in recipes:
        recipe_settings(name)  # unknown names fail before any LLM call
    backend, info = load_backend(a.model, n_threads=2)
    recs, dirs = {}, {}
    try:
        for name in recipes:
            rs = recipe_settings(name, epochs=a.epochs, lr=a.lr)
            dirs[name] = run_dir / (
                f"model-s{a.seed}-{name}-e{rs['epochs']}-b{rs['batch_size']}x{rs['grad_accum']}"
                f"-lr{rs['lr']:g}-v{a.val_fraction:g}"
            )
            recs[name] = train_embedder(
                run,
                dirs[name],
                backend=backend,
                base=a.base,
                persona_ids=train_ids,
                hard=a.hard,
                random=a.random,
                recipe=name,
                epochs=a.epochs,
                lr=a.lr,
                val_fraction=a.val_fraction,
                seed=a.seed,
                model_info=info,
            )
        rec = recs[recipes[0]]
        cache = CallCache(run.cache_path)
        cb = CachedBackend(backend, cache)
        tq = write_queries(
            cb, test_ids, [texts[ids.index(p)] for p in test_ids], Templates.load(), seed=a.seed
        )
        cache.close()
    finally:
        backend.close()
        _state.save(run.cache_path, state)
    held = [(q, {p}) for q, p, ok in zip(tq["query"], tq["persona_id"], tq["ok"]) if ok]
    meta = metadata_queries(pool)
    base = load_embedder(a.base)
    tuned = {name: load_embedder(str(d)) for name, d in dirs.items()}
    folder = run_dir / "embeddings"

    def describe(name, r):
        st = r["settings"]
        v = r.get("validation")
        return (
            f"recipe {name}: {st['epochs']} epoch(s), batch {st['batch_size']} x "
            f"{st['grad_accum']} = {st['effective_batch']}, lr {st['lr']:g}; loss "
            + ", ".join(f"{x:.3f}" for x in r["losses"])
            + (
                f"; validation MRR by epoch "
                f"{', '.join(f'{x:.3f}' for x in v['mrr_by_epoch'])}, "
                f"saved epoch {v['selected_epoch']}"
                if v
                else ""
            )
        )

    lines = [
        f"target_retrieval: base vs fine-tuned embedder (pool = {what})",
        f"LLM {a.model} for queries and the negative check; base {a.base}; "
        f"fine-tuned on {len(train_ids)} training authors' queries: {rec['examples']} examples, "
        f"{rec['negatives_kept']} of {rec['negatives_checked']} negatives kept "
        f"(mean P(YES) negatives {rec['p_yes_mean']['negatives']:.3f}, "
        f"positives {rec['p_yes_mean']['positives']:.3f})"
        + (
            f"; {rec['validation']['personas']} of the training authors held out to pick the epoch"
            if rec.get("validation")
            else ""
        ),
        *(describe(name, r) for name, r in recs.items()),
        f"held-out queries: {len(held)} of {len(tq)} parsed, from {len(test_ids)} test authors "
        "(none of them in training); metadata queries: "
        f"{len(meta)} (gender, age band, topic)",
        "",
        f"{'query set':<28}{'metric':<11}{'embedder':<16}{'score':>8}{'vs base':>9}"
        "  95% CI (paired)",
    ]
    summary = {
        "personas": str(a.personas) if a.personas else None,
        "recipes": {name: {"dir": str(d)} for name, d in dirs.items()},
    }
    for qname, qs in (("held-out persona queries", held), ("metadata queries", meta)):
        if not qs:
            lines.append(f"{qname:<28}(no queries)")
            continue
        got = {"base": scores(base, ids, texts, qs, folder)}
        for name, emb in tuned.items():
            got[name] = scores(emb, ids, texts, qs, folder)
        key = "heldout" if qname.startswith("held-out") else "metadata"
        means = {
            n: {"recall@10": float(r.mean()), "MRR": float(m.mean())} for n, (r, m) in got.items()
        }
        summary[f"{key}_base"] = means["base"]
        for name in tuned:
            summary["recipes"][name][key] = means[name]
        for m, metric in enumerate(("recall@10", "MRR")):
            x = got["base"][m]
            lines.append(f"{qname:<28}{metric:<11}{a.base:<16}{x.mean():>8.3f}")
            for name in tuned:
                y = got[name][m]
                d, lo, hi = paired_ci(x, y, a.seed)
                lines.append(
                    f"{qname:<28}{metric:<11}{name:<16}{y.mean():>8.3f}{d:>+9.3f}"
                    f"  [{lo:+.3f}, {hi:+.3f}]"
                )
            if len(tuned) == 2:
                n1, n2 = list(tuned)
                d, lo, hi = paired_ci(got[n1][m], got[n2][m], a.seed)
                lines.append(
                    f"{qname:<28}{metric:<11}{n2 + ' - ' + n1:<16}{'':>8}{d:>+9.3f}"
                    f"  [{lo:+.3f}, {hi:+.3f}]"
                )
    lines.append("")
    lines.append("metadata queries: " + "; ".join(f"{q!r} ({len(r)} relevant)" for q, r in meta))
    lines.append(
        f"wall time {time.time() - t0:.0f} s (LLM calls this process: "
        f"{sum(r['llm_calls'] for r in recs.values())} training, "
        f"cached {sum(r['cache_hits'] for r in recs.values())})"
    )
    text = "\n".join(lines)
    print(text)
    res = (
        ROOT
        / "benchmarks"
        / "results"
        / (
            ("target_retrieval" if a.model == "qwen2.5-1.5b" else f"target_retrieval.{a.model}")
            + ("" if recipes == ["quick"] else "." + "-".join(recipes))
            + ".txt"
        )
    )
    res.write_text(text + "\n")
    # the better recipe by held-out persona-query MRR, for scripts that go on
    # with its embedder (benchmarks/long_queue.sh -> target_table4.py --trained)
    ranked = [n for n in recipes if "heldout" in summary["recipes"][n]]
    if ranked:
        summary["better"] = max(ranked, key=lambda n: summary["recipes"][n]["heldout"]["MRR"])
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
