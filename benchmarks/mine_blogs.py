"""Seed persona mining on the real Blog Authorship Corpus (../shared/data/blogs).

Runs every mining stage on the first --authors bloggers (file order by id) and
prints: the stage counts table (the paper's Table 10), seconds per author,
LLM calls and tokens per stage, five sample personas with their critic scores,
and the share of personas that pass the critic next to the paper's ~72%.

With --labels FILE (CSV: author_id, label with 1 = a good persona that the
posts support, 0 = not), it also reports the agreement of the critic's
pass/fail with those labels (accuracy and Cohen's kappa). --review writes
RUN/review.md: each scored persona beside its source posts, for labelling.

Resumable: the run directory (with its call cache) lives in
benchmarks/out/mine_blogs.<model>/ (git-ignored); rerunning the same command
after a kill repeats no finished LLM call.

Cheap profile (the defaults below, chosen for a loaded 2-core machine; the
library defaults are in docs/mining.md): at most 8 posts per author sent to
the LLM, posts cut to 100 words, ``--clean auto`` (the LLM cleans only posts
the rules find noisy), context 2048 tokens (posts budget 1092 tokens).

    python benchmarks/mine_blogs.py --authors 40 --model qwen2.5-1.5b
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PAPER_PASS = 0.72


def kappa(a, b) -> float:
    a, b = list(a), list(b)
    n = len(a)
    if not n:
        return float("nan")
    po = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return float("nan") if pe == 1 else (po - pe) / (1 - pe)


def report(run_dir: Path, n_authors: int, wall: float | None, labels: Path | None, out) -> None:
    from populace.mining.parse import CRITIC_KEYS
    from populace.run import Run

    run = Run(run_dir, create=False)
    stages = run.manifest.get("stages", {})
    p = lambda *a: print(*a, file=out)  # noqa: E731
    p(f"run directory: {run_dir}")
    p(f"model: {json.dumps(run.manifest.get('models', {}).get('mine', {}))}")
    cfg = run.manifest.get("config", {}).get("mine", {})
    p("profile: " + ", ".join(f"{k}={cfg.get(k)}" for k in (
        "limit_authors", "max_posts_per_author", "max_post_words", "clean_mode", "min_posts",
        "qc_keep_quality", "context_tokens",
        "max_context_posts", "max_words", "critic_overall_min", "critic_other_min",
        "max_attempts")))
    p("")
    p(f"{'stage':<11}{'in':>7}{'kept':>7}{'authors':>9}{'calls':>7}{'model':>7}{'prompt tok':>12}"
      f"{'gen tok':>9}{'fail':>6}{'seconds':>9}")
    total_s, total_calls = 0.0, 0
    for name, r in stages.items():
        llm = r.get("llm") or {}
        total_s += r.get("seconds") or 0
        total_calls += llm.get("requests", 0)
        rin = '' if r.get('rows_in') is None else r['rows_in']
        p(f"{name:<11}{rin:>7}{r.get('rows_out', ''):>7}"
          f"{r.get('authors_out', '') or '':>9}{llm.get('requests', ''):>7}"
          f"{llm.get('model_calls', ''):>7}{llm.get('prompt_tokens', ''):>12}"
          f"{llm.get('completion_tokens', ''):>9}{llm.get('failures', ''):>6}"
          f"{r.get('seconds', ''):>9}")
    p("(calls: requests incl. retries and cache hits; model: requests that reached the model "
      "in the last process that ran the stage; seconds: that process's time)")
    p(f"stage seconds summed: {total_s:.0f} s over {n_authors} authors read = "
      f"{total_s / max(1, n_authors):.1f} s per author"
      + (f"; this invocation's wall time {wall:.0f} s" if wall is not None else ""))
    if "critic" not in stages:
        p("\nthe run has not reached the critic yet; rerun the same command to continue")
        return
    crit = run.read_table("mining/critic.parquet")
    pers = run.read_table("mining/persona.parquet")
    scored = crit[crit["status"] == "ok"]
    n_pers = int((pers["status"] == "ok").sum())
    rate = scored["critic_pass"].mean() if len(scored) else float("nan")
    p("")
    p(f"personas written: {n_pers} (NULL: {(pers['status'] == 'null').sum()}, failed: "
      f"{(pers['status'] == 'failed').sum()}); critic scored {len(scored)}, failed "
      f"{(crit['status'] != 'ok').sum()}")
    p(f"critic pass rate: {rate:.0%} of scored personas ({int(scored['critic_pass'].sum())}/"
      f"{len(scored)}); the paper reports about {PAPER_PASS:.0%}")
    if len(scored):
        p("mean scores: " + ", ".join(f"{k} {scored[f'critic_{k}'].astype(float).mean():.1f}"
                                      for k in CRITIC_KEYS))
    p("\nfive sample personas:")
    sample = crit.merge(pers[["author_id", "persona", "evidence_support"]], on="author_id")
    for _, r in sample.head(5).iterrows():
        s = ", ".join(f"{k[:4]} {r[f'critic_{k}']}" for k in CRITIC_KEYS)
        p(f"- author {r['author_id']} [{'PASS' if r['critic_pass'] else 'fail'}; {s}; "
          f"evidence found {r['evidence_support']:.0%}]")
        p(f"  {r['persona']}")
    if labels is not None and labels.exists():
        lab = pd.read_csv(labels, dtype={"author_id": str})
        m = lab.merge(scored[["author_id", "critic_pass"]], on="author_id")
        if len(m):
            acc = (m["label"].astype(int) == m["critic_pass"].astype(int)).mean()
            p(f"\ncritic vs. my labels ({labels.name}): {len(m)} personas, agreement {acc:.0%}, "
              f"Cohen's kappa {kappa(m['label'].astype(int), m['critic_pass'].astype(int)):.2f}")


def write_review(run_dir: Path) -> Path:
    from populace.mining.persona import context_texts
    from populace.run import Run

    run = Run(run_dir, create=False)
    crit = run.read_table("mining/critic.parquet")
    pers = run.read_table("mining/persona.parquet")
    grp = run.read_table("mining/group.parquet")
    cl = run.read_table("mining/clean.parquet")
    sel = grp.set_index("author_id").loc[crit["author_id"]].reset_index()
    ctx = context_texts(sel, cl, 10**6)
    lines = ["# personas beside their source posts (for labelling)\n"]
    for _, r in crit.merge(pers, on="author_id", suffixes=("", "_p")).iterrows():
        lines.append(f"## author {r['author_id']}  critic_pass={r['critic_pass']}\n")
        lines.append(f"**persona:** {r['persona']}\n")
        lines.append("**evidence:** " + " | ".join(r["evidence"]) + "\n")
        for i, t in enumerate(ctx[r["author_id"]][0], 1):
            lines.append(f"{i}. {t}\n")
    path = run_dir / "review.md"
    path.write_text("\n".join(lines), "utf-8")
    return path


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--authors", type=int, default=40)
    ap.add_argument("--model", default="qwen2.5-1.5b")
    ap.add_argument("--critic-model", default=None)
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "data" / "blogs"))
    ap.add_argument("--out", default=None, help="run directory [benchmarks/out/mine_blogs.<model>]")
    ap.add_argument("--max-posts-per-author", type=int, default=6)
    ap.add_argument("--max-post-words", type=int, default=80)
    ap.add_argument("--max-context-posts", type=int, default=8)
    ap.add_argument("--clean", default="never")
    ap.add_argument("--keep-quality", default="high", help="QC qualities kept, comma-separated")
    ap.add_argument("--min-posts", type=int, default=6)
    ap.add_argument("--n-ctx", type=int, default=2048)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--labels", type=Path, default=HERE / "mine_blogs_labels.csv")
    ap.add_argument("--review", action="store_true", help="write RUN/review.md and exit")
    ap.add_argument("--report-only", action="store_true")
    ap.add_argument("--results", type=Path, default=HERE / "results" / "mine_blogs.txt")
    a = ap.parse_args(argv)
    run_dir = Path(a.out or HERE / "out" / f"mine_blogs.{a.model}")
    if a.review:
        print(write_review(run_dir))
        return
    wall = None
    if not a.report_only:
        from populace.llm import load_backend
        from populace.mining import MiningConfig, mine

        cfg = MiningConfig(max_posts_per_author=a.max_posts_per_author,
                           max_post_words=a.max_post_words, clean_mode=a.clean,
                           context_tokens=a.n_ctx, max_context_posts=a.max_context_posts,
                           qc_keep_quality=tuple(a.keep_quality.split(",")),
                           min_posts=a.min_posts)
        t0 = time.perf_counter()
        b, info = load_backend(a.model, n_ctx=a.n_ctx, n_threads=a.threads)
        cb, cinfo = (None, None)
        if a.critic_model and a.critic_model != a.model:
            cb, cinfo = load_backend(a.critic_model, n_ctx=a.n_ctx, n_threads=a.threads)
        try:
            mine(a.corpus, run_dir, backend=b, critic_backend=cb, config=cfg,
                 limit_authors=a.authors, model_info=info, critic_model_info=cinfo)
        finally:
            b.close()
            if cb is not None:
                cb.close()
        wall = time.perf_counter() - t0
    report(run_dir, a.authors, wall, a.labels, sys.stdout)
    a.results.parent.mkdir(parents=True, exist_ok=True)
    with open(a.results, "w", encoding="utf-8") as fh:
        report(run_dir, a.authors, wall, a.labels, fh)


if __name__ == "__main__":
    main()
