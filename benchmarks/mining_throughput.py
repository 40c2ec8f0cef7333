"""Mining cost per author, before and after the pool changes, side by side in one run.

    python benchmarks/mining_throughput.py                         # qwen2.5-1.5b, 10 bloggers
    python benchmarks/mining_throughput.py --model smollm2-135m --authors 4

Three arms mine the same bloggers with one loaded model, each into a fresh run
directory with an empty call cache (every call reaches the model):

``before``         the first e2e run's settings (e2e_blogs.BENCH_PROFILE: per-post QC
                   from probabilities, the generated critic, no corpus facts, up to 4
                   posts of 60 words, personas of 60 words) and its prompts
                   (benchmarks/mining_prompts_before/);
``after-v1-text``  the new pipeline (corpus facts, context QC with persona and critic
                   prefetched author by author, the probability critic, the shared
                   prompt beginning) on the *same* text budget as ``before``;
``after``          the new pipeline on the second e2e run's budget
                   (e2e_blogs.BENCH_PROFILE_V2: up to 6 posts of 120 words, 100 words).

The bloggers are the last --authors files of ../shared/data/blogs in the
reader's order that hold at least 20 posts (no other benchmark uses them). The arms alternate in blocks of
two authors (before, after-v1-text, after; then the reverse order), so all see
the same machine load. Prints, per arm: seconds per author (all of mining and
the LLM stages), prompt and generated tokens per author, personas kept, the
share of written personas that contradicted the corpus's gender or age (before
any repair), and the ratio of seconds per author to ``before``. Results go to
benchmarks/results/mining_throughput[.<model>].txt. Run it under
``flock /tmp/populace-cpu.lock`` on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

LLM_STAGES = ("clean", "qc", "persona", "critic", "pii")


def arms():
    from e2e_blogs import BENCH_PROFILE, BENCH_PROFILE_V2

    v1_text = {
        k: BENCH_PROFILE[k]
        for k in (
            "max_posts_per_author",
            "max_post_words",
            "max_context_posts",
            "max_words",
            "persona_max_tokens",
        )
    }
    return {
        "before": (BENCH_PROFILE, ROOT / "benchmarks" / "mining_prompts_before"),
        "after-v1-text": ({**BENCH_PROFILE_V2, **v1_text}, None),
        "after": (BENCH_PROFILE_V2, None),
    }


def blogger_subset(n: int, dest: Path, min_posts: int = 20) -> list[str]:
    """A folder of links to the last ``n`` blogger files in the reader's order that
    hold at least ``min_posts`` posts (bloggers the rules would drop cost no LLM
    time in either arm, so they would only dilute the comparison)."""
    from populace.corpus.blogs import parse_blog_file

    files = sorted(
        (SHARED / "blogs").glob("*.xml"), key=lambda p: (len(p.name.split(".")[0]), p.name)
    )
    chosen = []
    for f in reversed(files):
        if len(chosen) == n:
            break
        if len(parse_blog_file(f)) >= min_posts:
            chosen.append(f)
    files = chosen[::-1]
    dest.mkdir(parents=True, exist_ok=True)
    for f in files:
        (dest / f.name).symlink_to(f)
    return [f.name for f in files]


def measure(run_dir: Path) -> dict:
    """Seconds, tokens and outcomes of one mined directory."""
    import pandas as pd

    st = json.loads((run_dir / "manifest.json").read_text())["stages"]
    secs = sum(st[s].get("seconds", 0) for s in st)
    tok = {"prompt": 0, "completion": 0}
    per_stage = {}
    for s in LLM_STAGES:
        llm = st.get(s, {}).get("llm") or {}
        calls = [llm] + [v for v in (st.get(s, {}).get("prefetch") or {}).values() if v]
        calls += [st.get(s, {}).get("critic_prefetch") or {}]
        p = sum(c.get("prompt_tokens", 0) for c in calls)
        g = sum(c.get("completion_tokens", 0) for c in calls)
        per_stage[s] = (st.get(s, {}).get("seconds", 0), p, g)
        tok["prompt"] += p
        tok["completion"] += g
    pers = pd.read_parquet(run_dir / "mining" / "persona.parquet")
    ok = pers[pers["status"] == "ok"]
    written = ok
    contra = 0
    if "facts_contradictions" in pers:
        contra = int(
            ok["facts_contradictions"]
            .map(lambda v: any(k in ("gender", "age") for k in (v if v is not None else [])))
            .sum()
        )
        dropped = pers["error"].fillna("").str.startswith("contradicts the corpus")
        written = pers[(pers["status"] == "ok") | dropped]
        contra += int(dropped.sum())
    else:  # the before arm has no rule check: run it on the written personas
        from populace.mining.facts import author_facts, check

        grp = pd.read_parquet(run_dir / "mining" / "group.parquet").set_index("author_id")
        contra = sum(
            any(k in ("gender", "age") for k in check(t, author_facts(grp.loc[a].to_dict())).kinds)
            for a, t in zip(ok["author_id"], ok["persona"])
        )
    kept = len(pd.read_parquet(run_dir / "personas.parquet"))
    return {
        "seconds": secs,
        "tokens": tok,
        "per_stage": per_stage,
        "written": len(written),
        "contradicting": contra,
        "kept": kept,
        "authors": int(st["group"]["rows_out"] or 0),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="qwen2.5-1.5b")
    ap.add_argument("--authors", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)

    from populace.llm import load_backend
    from populace.mining import MiningConfig, mine

    if not (SHARED / "blogs").is_dir():
        raise SystemExit(f"{SHARED / 'blogs'} is missing: this benchmark needs ../shared")
    out = ROOT / "benchmarks" / "out" / f"mining_throughput.{args.model}"
    shutil.rmtree(out, ignore_errors=True)
    names = blogger_subset(args.authors, out / "corpus")
    backend, _ = load_backend(args.model, n_ctx=2048, n_threads=args.threads)
    plan = arms()
    blocks = [names[i : i + 2] for i in range(0, len(names), 2)]
    runs: dict[str, list[Path]] = {a: [] for a in plan}
    for b, block in enumerate(blocks):
        corpus = out / f"block{b}"
        corpus.mkdir()
        for n in block:
            (corpus / n).symlink_to((out / "corpus" / n).resolve())
        order = list(plan) if b % 2 == 0 else list(plan)[::-1]
        for arm in order:
            settings, prompts = plan[arm]
            cfg = MiningConfig.from_profile("cheap", **{**settings, "context_tokens": 2048})
            d = out / f"{arm}.block{b}"
            t0 = time.perf_counter()
            mine(corpus, d, backend=backend, config=cfg, prompt_dir=prompts, progress=False)
            print(f"block {b} {arm}: {time.perf_counter() - t0:.1f} s", flush=True)
            runs[arm].append(d)
    backend.close()

    lines = [
        f"mining_throughput: model {args.model}, {len(names)} bloggers "
        f"({names[0]} .. {names[-1]}), {args.threads} threads, arms alternated in "
        f"blocks of 2 authors",
        "",
    ]
    base = None
    lines.append(
        f"{'arm':<15}{'s/author':>9}{'ratio':>7}{'prompt tok':>11}{'gen tok':>8}"
        f"{'  QC s':>7}{'pers s':>7}{'crit s':>7}{'written':>8}{'contra':>7}"
        f"{'kept':>6}"
    )
    for arm, dirs in runs.items():
        ms = [measure(d) for d in dirs]
        a = sum(m["authors"] for m in ms) or 1
        secs = sum(m["seconds"] for m in ms) / a
        base = base or secs
        st = {s: sum(m["per_stage"][s][0] for m in ms) / a for s in ("qc", "persona", "critic")}
        w, c = sum(m["written"] for m in ms), sum(m["contradicting"] for m in ms)
        lines.append(
            f"{arm:<15}{secs:>9.1f}{secs / base:>7.2f}"
            f"{sum(m['tokens']['prompt'] for m in ms) / a:>11.0f}"
            f"{sum(m['tokens']['completion'] for m in ms) / a:>8.0f}"
            f"{st['qc']:>7.1f}{st['persona']:>7.1f}{st['critic']:>7.1f}"
            f"{w:>8}{c:>7}{sum(m['kept'] for m in ms):>6}"
        )
    lines += [
        "",
        "s/author: all mining seconds / authors that reached the persona stage; with "
        "context QC the persona and critic calls run inside the QC stage (prefetch), so "
        "the later stages only read the cache. contra: written personas contradicting the "
        "corpus's gender or age (> 3 years) before any repair.",
    ]
    text = "\n".join(lines)
    print(text)
    res = (
        ROOT
        / "benchmarks"
        / "results"
        / (
            "mining_throughput.txt"
            if args.model == "qwen2.5-1.5b"
            else f"mining_throughput.{args.model}.txt"
        )
    )
    res.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
