"""Persona + critic with and without critic prefetch, side by side (same model, same requests).

    python benchmarks/critic_prefetch.py                          # smollm2-135m, 8 bloggers
    python benchmarks/critic_prefetch.py --model qwen2.5-1.5b --authors 4

The persona and critic prompts both start with the author's posts. With
``critic_prefetch`` (the default of ``populace.mining.mine``) each persona's
critic request is sent right after it, so llama.cpp still holds those posts in
its KV cache and decodes only the rest of the critic prompt; without it, the
critic stage runs after every persona is written and reads the posts again.

The first --authors bloggers of ../shared/data/blogs are mined up to the group
stage once (the e2e benchmark profile); then the persona and critic stages run
from copies of that directory with an empty call cache, alternating off / on
--repeats times in one process (one loaded model), so both see the same
machine load. Prints the seconds of each run, the ratio, the critic prompt
tokens that the persona prompt shares (the part prefetch saves), and whether
the two variants wrote the same persona and critic tables (they must).
Results go to benchmarks/results/critic_prefetch[.<model>].txt.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--authors", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)

    from e2e_blogs import BENCH_PROFILE

    from populace.llm import load_backend
    from populace.mining import MiningConfig, mine
    from populace.mining.config import PROFILES
    from populace.mining.persona import context_texts
    from populace.mining.prompts import Templates, fence, format_posts
    from populace.run import Run

    if not (SHARED / "blogs").is_dir():
        raise SystemExit(f"{SHARED / 'blogs'} is missing: this benchmark needs ../shared")
    cfg = MiningConfig(**{**PROFILES["cheap"], **BENCH_PROFILE})
    out = ROOT / "benchmarks" / "out" / f"critic_prefetch.{args.model}"
    backend, _ = load_backend(args.model, n_ctx=2048, n_threads=args.threads)
    base = out / "base"
    mine(
        SHARED / "blogs",
        base,
        backend=backend,
        config=cfg,
        limit_authors=args.authors,
        stages=["read", "preprocess", "clean", "qc", "group"],
        progress=False,
    )

    secs = {"off": [], "on": []}
    tables = {}
    for rep in range(args.repeats):
        for variant in ("off", "on"):
            d = out / f"{variant}{rep}"
            shutil.rmtree(d, ignore_errors=True)
            shutil.copytree(base, d, ignore=shutil.ignore_patterns("cache.sqlite*"))
            t0 = time.perf_counter()
            mine(
                SHARED / "blogs",
                d,
                backend=backend,
                config=cfg,
                limit_authors=args.authors,
                stages=["persona", "critic"],
                progress=False,
                critic_prefetch=variant == "on",
            )
            secs[variant].append(time.perf_counter() - t0)
            run = Run(d)
            tables.setdefault(
                variant,
                (run.read_table("mining/persona.parquet"), run.read_table("mining/critic.parquet")),
            )
            print(f"{variant} (repeat {rep + 1}): {secs[variant][-1]:.1f} s", flush=True)

    same = all(a.equals(b) for a, b in zip(tables["off"], tables["on"]))
    # the critic prompt tokens the persona prompt shares (what prefetch saves)
    run = Run(out / "on0")
    pers, group = run.read_table("mining/persona.parquet"), run.read_table("mining/group.parquet")
    cleaned = run.read_table("mining/clean.parquet")
    ok = pers[pers["keep"].astype(bool)]
    tpl = Templates.load(None)
    g = group[group["keep"].astype(bool)]
    ctx = context_texts(
        g.set_index("author_id").loc[ok["author_id"]].reset_index(), cleaned, cfg.posts_budget
    )
    shared_tok, crit_tok = [], []
    for a, p in zip(ok["author_id"], ok["persona"]):
        pt = backend.tokens(
            tpl.messages("persona", posts=format_posts(*ctx[a]), max_words=cfg.max_words)
        )
        ct = backend.tokens(tpl.messages("critic", posts=format_posts(*ctx[a]), persona=fence(p)))
        n = 0
        while n < min(len(pt), len(ct)) and pt[n] == ct[n]:
            n += 1
        shared_tok.append(n)
        crit_tok.append(len(ct))
    off, on = statistics.median(secs["off"]), statistics.median(secs["on"])
    lines = [
        f"critic_prefetch: model {args.model}, first {args.authors} bloggers, e2e benchmark "
        f"profile, {args.threads} threads, {args.repeats} repeats alternating off/on",
        f"authors with a persona request: {len(g)}; personas sent to the critic: {len(ok)}",
        f"persona + critic stages, seconds: off {', '.join(f'{s:.1f}' for s in secs['off'])}; "
        f"on {', '.join(f'{s:.1f}' for s in secs['on'])}",
        f"median off {off:.1f} s, on {on:.1f} s: on/off = {on / off:.3f} "
        f"({100 * (1 - on / off):+.1f}% time saved)",
        f"critic prompt tokens: mean {statistics.mean(crit_tok):.0f}, of which shared with the "
        f"persona prompt (decoded once with prefetch): mean {statistics.mean(shared_tok):.0f} "
        f"({100 * sum(shared_tok) / sum(crit_tok):.0f}%)"
        if crit_tok
        else "no critic requests",
        f"persona and critic tables identical off vs on: {same}",
    ]
    text = "\n".join(lines)
    print(text)
    suffix = "" if args.model == "smollm2-135m" else f".{args.model}"
    res = ROOT / "benchmarks" / "results" / f"critic_prefetch{suffix}.txt"
    res.write_text(text + "\n")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
