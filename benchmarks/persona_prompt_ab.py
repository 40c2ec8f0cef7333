"""Persona prompts compared on held-out humans: does the persona text carry the population's spread?

    flock /tmp/populace-cpu.lock python benchmarks/persona_prompt_ab.py     # qwen2.5-1.5b
    python benchmarks/persona_prompt_ab.py --files 20 --arms current,bare  # fewer bloggers

The e2e v2 run's personas (prompt ``populace/mining/prompts/persona.txt``, arm
``current``) read alike: of its first 58, 38 say what the writer "values" (29
"honesty"), 53 what they "plan" and 48 what they "worry" about, in the words of
the prompt's own list. A pool whose texts differ little cannot spread the
survey's answers (the first run's pool had about half the humans' trait SDs).
Each other arm is a folder ``benchmarks/mining_prompts_<arm>/`` whose files
override the package prompts by name: ``list`` (a copy of the current prompt),
``traits`` (the writer's temperament: outgoing/withdrawn, anxious/calm,
warm/critical, organised/chaotic, curious/conventional; and a ban on the stock
phrases), ``plain`` (the posts' own details, with the ban) and ``bare`` (the
posts' own details). Findings: docs/mining.md, "Does the persona prompt matter?"
(the survey did not move; the current prompt stays).

Every arm mines the first ``--files`` blogger files (the e2e v2 run's order and
mining settings, ``BENCH_PROFILE_V2``) and surveys the kept personas on IPIP-50
the way the e2e survey does (sample mode, T = 1, seed 0, option probabilities
kept). The prompts differ only after the posts and facts, so QC, which comes
first, is the same requests in every arm: each arm's cache starts as a copy of
the e2e v2 run's cache (those requests are answered from it; the ``current``
arm's personas too, as far as the e2e got). Printed per arm:

- personas kept; contradicting gender/age as written (the facts rule);
- the text: words per persona, share with a stock phrase, mean pairwise word
  overlap (Jaccard) between personas;
- for readouts sample@1, sample@0.7 and expected@1: pool/human trait SD ratio
  per Big Five trait and the AMW/FD/SW average against the held-out half of
  BIG5 (the e2e run's split), for the pool and for the no-persona set (N = 100,
  one request per item) read the same way, with a paired bootstrap of pool
  minus no-persona (humans redrawn together) and of each arm minus ``current``.

Resumable: each arm's calls are cached in benchmarks/out/persona_prompt_ab/ and
a rerun asks only what is missing. Results: benchmarks/results/persona_prompt_ab.txt.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "benchmarks" / "out" / "persona_prompt_ab"
E2E_CACHE = ROOT / "benchmarks" / "out" / "e2e_blogs_v2" / "cache.sqlite"

#: phrases the current prompt's list invites and nearly every persona repeats
STOCK = (
    "honesty",
    "integrity",
    "kindness",
    "respect",
    "values",
    "spending time with",
    "friends and family",
    "family and friends",
)
READOUTS = (("sample", 1.0), ("sample", 0.7), ("expected", 1.0))


def seed_cache(dest: Path) -> None:
    """Start an arm's cache as a consistent copy of the e2e v2 run's (sqlite backup)."""
    if dest.exists() or not E2E_CACHE.exists():
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{E2E_CACHE}?mode=ro", uri=True)
    dst = sqlite3.connect(dest)
    src.backup(dst)
    src.close()
    dst.close()


def text_stats(texts: list[str]) -> dict:
    words = [set(re.findall(r"[a-z']+", t.lower())) for t in texts]
    jac = [len(a & b) / len(a | b) for i, a in enumerate(words) for b in words[i + 1 :] if a | b]
    return {
        "words": float(np.mean([len(t.split()) for t in texts])) if texts else float("nan"),
        "stock": float(np.mean([any(s in t.lower() for s in STOCK) for t in texts]))
        if texts
        else float("nan"),
        "jaccard": float(np.mean(jac)) if jac else float("nan"),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=70, help="first N blogger files (e2e order)")
    ap.add_argument("--arms", default="current,bare")
    ap.add_argument("--model", default="qwen2.5-1.5b")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bootstrap", type=int, default=200)
    ap.add_argument("--out", type=Path, default=OUT, help="folder of the arms' runs and caches")
    ap.add_argument(
        "--results", type=Path, default=ROOT / "benchmarks" / "results" / "persona_prompt_ab.txt"
    )
    args = ap.parse_args(argv)
    arms = [a.strip() for a in args.arms.split(",") if a.strip()]
    for a in arms:
        if a != "current" and not (ROOT / "benchmarks" / f"mining_prompts_{a}").is_dir():
            raise SystemExit(f"no prompt folder benchmarks/mining_prompts_{a}/")

    import _state

    _state.stop_on_sigterm()

    import e2e_blogs
    import pandas as pd
    from e2e_blogs import BENCH_PROFILE_V2
    from facts_fresh import counts
    from survey_readouts import avg3, paired_avg3

    import populace as pp
    from populace.evaluate import metrics as M
    from populace.instruments import load_instrument
    from populace.llm import load_backend
    from populace.mining import MiningConfig
    from populace.pipeline import tables as T
    from populace.reference import load_reference
    from populace.survey import survey
    from populace.survey.readout import Readout, wide_answers

    e2e_cfg = e2e_blogs.full_run_config("v2", threads=args.threads)
    a = e2e_cfg.align
    ref = T.load_ref(a.reference, "ipip50", seed=e2e_cfg.seed)
    _, hold = T.split_reference(ref, a.holdout, a.seed)
    y, wy, _ = hold.matrix("traits")
    h_sd = hold.trait_scores().std(ddof=0)
    ins = load_instrument("ipip50")

    backend, info = load_backend(args.model, n_threads=args.threads, n_ctx=2048)
    longs, stats, firsts = {}, {}, {}
    try:
        for arm in arms:
            run_dir = args.out / f"{arm}.files{args.files}"
            run_dir.mkdir(parents=True, exist_ok=True)
            seed_cache(run_dir / "cache.sqlite")
            print(f"[{arm}] mining the first {args.files} blogger files", flush=True)
            pp.mine(
                SHARED / "blogs",
                run_dir,
                backend=backend,
                model_info=info,
                limit_authors=args.files,
                prompt_dir=None
                if arm == "current"
                else ROOT / "benchmarks" / f"mining_prompts_{arm}",
                config=MiningConfig.from_profile("cheap", **BENCH_PROFILE_V2),
            )
            personas = pd.read_parquet(run_dir / "personas.parquet")
            print(f"[{arm}] surveying {len(personas)} personas on ipip50", flush=True)
            res = survey(
                personas,
                "ipip50",
                backend=backend,
                mode="sample",
                seed=e2e_cfg.survey.seed,
                temperature=1.0,
                cache=run_dir / "cache.sqlite",
                model_info=info,
            )
            longs[arm] = res.long
            texts = list(personas["persona"].astype(str))
            stats[arm] = {**counts(run_dir), **text_stats(texts)}
            firsts[arm] = texts[:3]
        print("no-persona set (N = 100)", flush=True)
        none = survey(
            None,
            "ipip50",
            backend=backend,
            no_persona=True,
            n=100,
            mode="sample",
            seed=e2e_cfg.survey.seed,
            temperature=1.0,
            cache=args.out / "none.cache.sqlite",
            model_info=info,
            progress=False,
        ).long
    finally:
        backend.close()

    def matrix(long, mode, temp):
        wide = wide_answers(long, Readout(mode, temp), seed=e2e_cfg.survey.seed, items=ins.item_ids)
        table = load_reference(wide, "ipip50")
        x, _, _ = table.matrix("traits")
        return x, table.trait_scores().std(ddof=0)

    lines = [
        f"persona_prompt_ab: {args.model}, the first {args.files} blogger files of "
        f"../shared/data/blogs (e2e v2 order and mining settings), IPIP-50 against the "
        f"held-out half of BIG5 ({len(y)} rows), no-persona N = 100, paired bootstrap "
        f"{args.bootstrap}",
        "",
        f"{'arm':<10}{'authors':>8}{'written':>8}{'contra':>7}{'kept':>6}{'words':>7}"
        f"{'stock':>7}{'jaccard':>8}",
    ]
    for arm in arms:
        s = stats[arm]
        lines.append(
            f"{arm:<10}{s['authors']:>8}{s['written']:>8}{s['written_wrong']:>7}{s['kept']:>6}"
            f"{s['words']:>7.1f}{s['stock']:>7.2f}{s['jaccard']:>8.3f}"
        )
    lines += [
        "  contra: written personas contradicting gender or age (> 3 y) before repair; "
        "stock: share with a stock phrase; jaccard: mean pairwise word overlap",
        "",
    ]
    for mode, temp in READOUTS:
        name = Readout(mode, temp).name
        xn, _ = matrix(none, mode, temp)
        mn = avg3(M.compute_all(xn, y, None, wy, metrics=["amw", "fd", "sw"], seed=0))
        lines.append(
            f"readout {name}: trait SD ratio pool/human, avg3 (AMW/FD/SW) vs held-out humans; "
            f"no-persona avg3 {mn:.4f}"
        )
        lines.append(
            f"  {'arm':<10}"
            + "".join(f"{t:>6}" for t in ins.trait_ids)
            + f"{'avg3':>8}   pool - none [95% CI] (relative)"
            + ("   arm - current [95% CI]" if len(arms) > 1 else "")
        )
        xs = {}
        for arm in arms:
            x, sd = matrix(longs[arm], mode, temp)
            xs[arm] = x
            m = avg3(M.compute_all(x, y, None, wy, metrics=["amw", "fd", "sw"], seed=0))
            d, lo, hi, rel, _ = paired_avg3(
                x, xn, y, same_rows=False, n_boot=args.bootstrap, seed=0
            )
            cmp = ""
            if arm != arms[0]:
                d2, lo2, hi2, _, _ = paired_avg3(
                    x, xs[arms[0]], y, same_rows=False, n_boot=args.bootstrap, seed=0
                )
                cmp = f"   {d2:+.4f} [{lo2:+.4f}, {hi2:+.4f}]"
            lines.append(
                f"  {arm:<10}"
                + "".join(f"{sd[t] / h_sd[t]:>6.2f}" for t in ins.trait_ids)
                + f"{m:>8.4f}   {d:+.4f} [{lo:+.4f}, {hi:+.4f}] ({100 * rel:+.1f}%)"
                + cmp
            )
        lines.append("")
    for arm in arms:
        lines.append(f"{arm}: the first 3 kept personas")
        lines += [f"  - {t}" for t in firsts[arm]]
    text = "\n".join(lines)
    print(text)
    args.results.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
