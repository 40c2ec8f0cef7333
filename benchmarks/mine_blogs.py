"""Seed persona mining on the real Blog Authorship Corpus (../shared/data/blogs).

Runs every mining stage on the first --authors bloggers (file order by id) and
prints: the stage counts table (the paper's Table 10), seconds per author,
LLM calls and tokens per stage, five sample personas with their critic scores,
and the share of personas that pass the critic next to the paper's ~72%.

With --labels FILE (CSV: persona_id, author_id, your_label = pass | fail,
reason; default benchmarks/mine_blogs_labels/labels.csv, written by a person
reading each persona next to its source posts), it also reports the agreement
of the critic's keep decision with those labels (percent and Cohen's kappa).
--review writes RUN/review.md: each scored persona beside its source posts,
for labelling.

Resumable: the run directory (with its call cache) lives in
benchmarks/out/mine_blogs.<model>.<profile>/ (git-ignored); rerunning the same
command after a kill repeats no finished LLM call, and raising --authors step
by step reuses every call made for the first authors. Each invocation's wall
time is logged in RUN/bench_invocations.json (also when it is stopped by
SIGTERM/SIGINT), and seconds per author sum those.

Across sessions (a fresh machine keeps only the repository): --state FILE
(default benchmarks/state/mine_blogs.<model>.<profile>.calls.jsonl.gz) is
loaded into the run's call cache at the start and rewritten from it at the end,
also when the run is stopped (as parts FILE-stem.partNN.jsonl.gz under 2 MB;
benchmarks/_state.py). It holds the model's replies keyed by request
hashes (QC probabilities, personas, scores), never prompts or posts; it is
written only with ``clean_mode=never``, where no reply copies a post.

Profile: ``--profile cheap`` (default here; see populace.mining.config.PROFILES
and docs/mining.md): at most 6 posts of 80 words per author sent to the LLM,
rule-only cleaning, QC from next-token probabilities (high+medium kept),
authors with >= 4 kept posts, context 2048 tokens. ``--profile paper`` runs
the paper's rules. Options given override the profile.

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
sys.path.insert(0, str(HERE))
import _state  # noqa: E402

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
    p(
        "profile: "
        + ", ".join(
            f"{k}={cfg.get(k)}"
            for k in (
                "profile",
                "limit_authors",
                "max_posts_per_author",
                "max_post_words",
                "clean_mode",
                "min_posts",
                "qc_method",
                "qc_keep_quality",
                "context_tokens",
                "persona_max_tokens",
                "max_context_posts",
                "max_words",
                "critic_overall_min",
                "critic_other_min",
                "max_attempts",
            )
        )
    )
    p("")
    p(
        f"{'stage':<11}{'in':>7}{'kept':>7}{'authors':>9}{'calls':>7}{'model':>7}{'prompt tok':>12}"
        f"{'gen tok':>9}{'fail':>6}{'seconds':>9}"
    )
    total_s, total_calls = 0.0, 0
    for name, r in stages.items():
        llm = r.get("llm") or {}
        total_s += r.get("seconds") or 0
        total_calls += llm.get("requests", 0)
        rin = "" if r.get("rows_in") is None else r["rows_in"]
        p(
            f"{name:<11}{rin:>7}{r.get('rows_out', ''):>7}"
            f"{r.get('authors_out', '') or '':>9}{llm.get('requests', ''):>7}"
            f"{llm.get('model_calls', ''):>7}{llm.get('prompt_tokens', ''):>12}"
            f"{llm.get('completion_tokens', ''):>9}{llm.get('failures', ''):>6}"
            f"{r.get('seconds', ''):>9}"
        )
    p(
        "(calls: requests incl. retries and cache hits; model: requests that reached the model "
        "in the last process that ran the stage; seconds: that process's time)"
    )
    inv = _invocations(run_dir)
    spent = sum(x["wall"] for x in inv)
    for x in inv:
        p(
            f"invocation ended {x.get('ended')}: --authors {x.get('authors')}, wall {x['wall']} s, "
            f"finished the first {x.get('finished_authors', '?')} authors"
            + ("" if x.get("finished") else " (stopped)")
        )
    p(f"stage seconds summed (last process per stage): {total_s:.0f} s")
    p(
        f"wall time of all {len(inv)} invocations (chunks, incl. model loading): {spent:.0f} s "
        f"over {n_authors} authors read = {spent / max(1, n_authors):.1f} s per author"
    )
    if "qc" in stages:
        q = run.read_table("mining/qc.parquet")
        if "method" in q and (q["method"] == "probs").any():
            pr = q[q["method"] == "probs"]
            p(
                f"QC from next-token probabilities: {len(pr)} posts; labels "
                f"{pr['quality'].value_counts().to_dict()}; mean P(high) {pr['p_high'].mean():.2f},"
                f" P(medium) {pr['p_medium'].mean():.2f}, P(low) {pr['p_low'].mean():.2f}; "
                f"harmful {int((pr['harmless'] == 'no').sum())}; mean captured mass "
                f"{pr['mass'].mean():.2f}"
            )
    if "critic" not in stages:
        p("\nthe run has not reached the critic yet; rerun the same command to continue")
        return
    crit = run.read_table("mining/critic.parquet")
    pers = run.read_table("mining/persona.parquet")
    scored = crit[crit["status"] == "ok"]
    n_pers = int((pers["status"] == "ok").sum())
    rate = scored["critic_pass"].mean() if len(scored) else float("nan")
    p("")
    p(
        f"personas written: {n_pers} (NULL: {(pers['status'] == 'null').sum()}, failed: "
        f"{(pers['status'] == 'failed').sum()}); critic scored {len(scored)}, failed "
        f"{(crit['status'] != 'ok').sum()}"
    )
    p(
        f"critic pass rate: {rate:.0%} of scored personas ({int(scored['critic_pass'].sum())}/"
        f"{len(scored)}); the paper reports about {PAPER_PASS:.0%}"
    )
    if "rules_pass" in scored:
        nums = scored["rule_unsupported_numbers"].map(len) > 0
        p(
            f"grounding rules: {int(scored['rules_pass'].sum())}/{len(scored)} pass (numbers absent "
            f"from the posts in {int(nums.sum())}, evidence found < 50% in "
            f"{int((~scored['rule_evidence_ok']).sum())}); kept (critic and rules): "
            f"{int(scored['keep'].sum())}/{len(scored)}"
        )
    if len(scored):
        p(
            "mean scores: "
            + ", ".join(
                f"{k} {scored[f'critic_{k}'].astype(float).mean():.1f}" for k in CRITIC_KEYS
            )
        )
    p("\nfive sample personas:")
    sample = crit.merge(pers[["author_id", "persona", "evidence_support"]], on="author_id")
    for _, r in sample.head(5).iterrows():
        s = ", ".join(f"{k[:4]} {r[f'critic_{k}']}" for k in CRITIC_KEYS)
        rules = (
            ""
            if "rules_pass" not in r
            else f"; rules {'pass' if r['rules_pass'] else 'fail'}"
            + (
                f" (numbers not in posts: {', '.join(r['rule_unsupported_numbers'])})"
                if len(r["rule_unsupported_numbers"])
                else ""
            )
        )
        p(
            f"- author {r['author_id']} [critic {'PASS' if r['critic_pass'] else 'fail'}; {s}; "
            f"evidence found {r['evidence_support']:.0%}{rules}]"
        )
        p(f"  {r['persona']}")
    if labels is not None and labels.exists():
        lab = pd.read_csv(labels, dtype={"author_id": str})
        cols = ["author_id", "critic_pass"] + (["keep"] if "rules_pass" in scored else [])
        m = lab.merge(scored[cols], on="author_id")
        if len(m):
            mine_ = (m["your_label"].str.strip().str.lower() == "pass").astype(int)
            p(
                f"\nkeep decisions vs. my labels ({labels.parent.name}/{labels.name}): "
                f"{len(m)} personas, I pass {int(mine_.sum())}"
            )
            for col, name in (("critic_pass", "critic alone"), ("keep", "critic + rules")):
                if col not in m:
                    continue
                crit_ = m[col].astype(int)
                p(
                    f"  {name}: passes {int(crit_.sum())}; agreement {(mine_ == crit_).mean():.0%}, "
                    f"Cohen's kappa {kappa(mine_, crit_):.2f}; both pass "
                    f"{int(((mine_ == 1) & (crit_ == 1)).sum())}, both fail "
                    f"{int(((mine_ == 0) & (crit_ == 0)).sum())}, only I pass "
                    f"{int(((mine_ == 1) & (crit_ == 0)).sum())}, only it passes "
                    f"{int(((mine_ == 0) & (crit_ == 1)).sum())}"
                )


def _invocations(run_dir: Path) -> list[dict]:
    f = run_dir / "bench_invocations.json"
    return json.loads(f.read_text()) if f.exists() else []


def _log_invocation(run_dir: Path, rec: dict) -> None:
    inv = _invocations(run_dir) + [rec]
    tmp = run_dir / "bench_invocations.json.tmp"
    tmp.write_text(json.dumps(inv, indent=1))
    tmp.replace(run_dir / "bench_invocations.json")


def load_state(run_dir: Path, state: Path) -> None:
    _state.load(run_dir / "cache.sqlite", state)


def save_state(run_dir: Path, state: Path, cfg) -> None:
    if cfg.clean_mode != "never":
        print(f"state not saved: with clean_mode={cfg.clean_mode} the cache holds cleaned posts")
        return
    _state.save(run_dir / "cache.sqlite", state)


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


class ReplayOnly:
    """A backend that answers nothing: every call must come from the call cache."""

    def __init__(self, backend):
        self._b = backend

    def __getattr__(self, name):
        return getattr(self._b, name)

    def _refuse(self, requests, *args, **kwargs):
        last = str(requests[0].messages[-1].content)[-300:] if requests else ""
        raise SystemExit(
            f"--replay-only: {len(requests)} call(s) not in the committed state (settings or "
            f"prompts differ from the ones the state was made with; see --v1); the first "
            f"ends: {last!r}"
        )

    generate = choice_probs = _refuse

    def close(self):
        self._b.close()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--authors", type=int, default=40)
    ap.add_argument("--model", default="qwen2.5-1.5b")
    ap.add_argument("--critic-model", default=None)
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "data" / "blogs"))
    ap.add_argument("--out", default=None, help="run directory [benchmarks/out/mine_blogs.<model>]")
    ap.add_argument("--profile", default="cheap", help="mining profile [cheap]")
    ap.add_argument(
        "--step",
        type=int,
        default=5,
        help="finish every stage for the first STEP, 2*STEP, ... authors in turn "
        "(the call cache carries the work over), so a stopped run leaves a "
        "complete result for the largest finished count [5]",
    )
    ap.add_argument("--max-posts-per-author", type=int, default=None)
    ap.add_argument("--max-post-words", type=int, default=None)
    ap.add_argument("--max-context-posts", type=int, default=None)
    ap.add_argument("--clean", default=None)
    ap.add_argument("--qc-method", default=None)
    ap.add_argument("--keep-quality", default=None, help="QC qualities kept, comma-separated")
    ap.add_argument("--min-posts", type=int, default=None)
    ap.add_argument("--n-ctx", type=int, default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--labels", type=Path, default=HERE / "mine_blogs_labels" / "labels.csv")
    ap.add_argument(
        "--state",
        type=Path,
        default=None,
        help="call-cache state carried across sessions "
        "[benchmarks/state/mine_blogs.<model>.<profile>.calls.jsonl.gz]",
    )
    ap.add_argument(
        "--v1",
        action="store_true",
        help="the prompts and settings the committed state and the hand labels were made "
        "with (before the session-11 pool changes): benchmarks/mining_prompts_before, "
        "critic_method generate, corpus_facts off",
    )
    ap.add_argument(
        "--replay-only",
        action="store_true",
        help="stop with an error at the first call not in the cache (rebuild a run "
        "from its committed state without running the model)",
    )
    ap.add_argument("--review", action="store_true", help="write RUN/review.md and exit")
    ap.add_argument("--report-only", action="store_true")
    ap.add_argument(
        "--results",
        type=Path,
        default=None,
        help="[benchmarks/results/mine_blogs.txt; .<profile>.txt if not cheap]",
    )
    a = ap.parse_args(argv)
    run_dir = Path(a.out or HERE / "out" / f"mine_blogs.{a.model}.{a.profile}")
    results = a.results or HERE / "results" / (
        "mine_blogs.txt" if a.profile == "cheap" else f"mine_blogs.{a.profile}.txt"
    )
    state = a.state or HERE / "state" / f"mine_blogs.{a.model}.{a.profile}.calls.jsonl.gz"
    if a.review:
        print(write_review(run_dir))
        return
    wall = None
    if not a.report_only:
        from populace.llm import load_backend
        from populace.mining import MiningConfig, mine

        over = dict(
            max_posts_per_author=a.max_posts_per_author,
            max_post_words=a.max_post_words,
            clean_mode=a.clean,
            context_tokens=a.n_ctx,
            qc_method=a.qc_method,
            max_context_posts=a.max_context_posts,
            min_posts=a.min_posts,
            qc_keep_quality=tuple(a.keep_quality.split(",")) if a.keep_quality else None,
        )
        if a.v1:
            over.update(critic_method="generate", corpus_facts=False)
        cfg = MiningConfig.from_profile(
            a.profile, **{k: v for k, v in over.items() if v is not None}
        )

        _state.stop_on_sigterm()
        t0 = time.perf_counter()
        run_dir.mkdir(parents=True, exist_ok=True)
        load_state(run_dir, state)
        finished = False
        done_before = max(
            [
                x.get("finished_authors", 0)
                for x in _invocations(run_dir)
                if x.get("config") == cfg.to_dict()
            ]
            + [0]
        )
        done_before = done_before if done_before < a.authors else 0
        finished_n = 0
        try:
            b, info = load_backend(a.model, n_ctx=cfg.context_tokens, n_threads=a.threads)
            if a.replay_only:
                b = ReplayOnly(b)
            cb, cinfo = (None, None)
            if a.critic_model and a.critic_model != a.model:
                cb, cinfo = load_backend(
                    a.critic_model, n_ctx=cfg.context_tokens, n_threads=a.threads
                )
            try:
                steps = list(range(a.step, a.authors, a.step)) if a.step > 0 else []
                for n in steps + [a.authors]:
                    if n <= done_before:
                        continue
                    print(f"--- mining the first {n} authors", flush=True)
                    mine(
                        a.corpus,
                        run_dir,
                        backend=b,
                        critic_backend=cb,
                        config=cfg,
                        limit_authors=n,
                        model_info=info,
                        critic_model_info=cinfo,
                        prompt_dir=HERE / "mining_prompts_before" if a.v1 else None,
                    )
                    finished_n = n
                finished = True
            finally:
                b.close()
                if cb is not None:
                    cb.close()
        finally:
            wall = time.perf_counter() - t0
            save_state(run_dir, state, cfg)
            _log_invocation(
                run_dir,
                {
                    "authors": a.authors,
                    "wall": round(wall, 1),
                    "finished": finished,
                    "finished_authors": finished_n,
                    "config": cfg.to_dict(),
                    "ended": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                },
            )
    report(run_dir, a.authors, wall, a.labels, sys.stdout)
    results.parent.mkdir(parents=True, exist_ok=True)
    with open(results, "w", encoding="utf-8") as fh:
        report(run_dir, a.authors, wall, a.labels, fh)


if __name__ == "__main__":
    main()
