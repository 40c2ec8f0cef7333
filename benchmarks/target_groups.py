"""Group-specific persona sets against each group's human answers (paper Table 4).

Groups and references (../shared/data):
- "US high-school students": YRBS 2019 national file, items Q1 (age), Q2 (sex),
  Q3 (grade), Q4 (Hispanic/Latino), Q8 (seat belt), Q12 (weapon carrying);
  CDC's survey weight honoured.
- "residents of East Asia" / "residents of North America" / "residents of
  Western Europe": WVS E143 (immigration policy, 4 options) and F117
  (justifiability of a bribe, 1-10) of the region's countries (every wave in the
  data; docs/data.md lists countries and waves), unweighted.

Sets of --n personas from the pool (with --personas FILE, personas mined from
real bloggers by benchmarks/mine_blogs.py; without it, real blog authors' post
excerpts, as in target_retrieval.py):
  (a) random   n personas drawn at random from the pool (seeded);
  (b) retrieved the top-n by cosine similarity to the group query (no revision);
  (c) revised  the top-k (k = n // 2) retrieved and revised into n members of
               the group by the LLM (``populace.targeting.target``).
Each set is surveyed by the LLM (``populace.survey``, mode ``expected``: the
option probabilities of each persona and item are kept).

Metrics (populace.evaluate.marginals), per item on marginals (so blanks are handled per item: a human who
skipped Q12 still counts for Q1; YRBS skip patterns leave whole rows
incomplete, which item-space metrics would drop):
- TV: total-variation distance between the synthetic option distribution (mean
  of the personas' option probabilities) and the humans' weighted answer shares;
  used for every item, and the only metric for nominal items (Q2 sex, Q3 grade
  with its "ungraded" option, Q4), whose codes have no order.
- W1: Wasserstein-1 between the two distributions on the option codes scaled
  to [0, 1], for ordinal items only (Q1, Q8, Q12, E143, F117).
The group's score is the mean over its items. Noise floor: the same score for
n humans drawn from the reference (weighted draw, 200 repeats, mean). Intervals:
95% percentile bootstrap over the synthetic set's personas (500 resamples); (c)
beats (a) "beyond the intervals" when the bootstrap interval of the
difference (a) - (c) lies above 0.

Resumable: every LLM call (revision and survey) is in
benchmarks/out/target_groups.<model>/cache.sqlite, saved to benchmarks/state/
for the next run (benchmarks/_state.py). Run under the CPU lock:

    flock /tmp/populace-cpu.lock python benchmarks/target_groups.py --n 20
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from populace.evaluate import marginals

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT / "benchmarks"))

import _table4_groups as G  # noqa: E402  (the references and survey of Table 4)

YRBS_ITEMS = ("Q1", "Q2", "Q3", "Q4", "Q8", "Q12")
NOMINAL = {"Q2", "Q3", "Q4"}
GROUPS = [
    ("US high-school students", "yrbs", None),
    ("residents of East Asia", "wvs", "east_asia"),
    ("residents of North America", "wvs", "north_america"),
    ("residents of Western Europe", "wvs", "western_europe"),
]


def instruments_of(kind):
    from populace.instruments import load_instrument

    if kind == "yrbs":
        ins = load_instrument("yrbs2019")
        return [
            ins.model_copy(update={"id": "yrbs6", "items": tuple(ins.item(i) for i in YRBS_ITEMS)})
        ]
    return [load_instrument("wvs_e143"), load_instrument("wvs_f117")]


def set_score(probs, refs, rows=None):
    return marginals.set_score(probs, refs, NOMINAL, rows)


def noise_floor(refs, n, rng, repeats=200):
    return marginals.noise_floor(refs, NOMINAL, n, rng, repeats)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--authors", type=int, default=80)
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--boot", type=int, default=500)
    ap.add_argument("--max-words", type=int, default=60, help="length limit of a revision")
    ap.add_argument("--groups", nargs="*", default=None, help="subset of group indexes 0-3")
    ap.add_argument(
        "--personas",
        type=Path,
        default=None,
        help="personas.parquet of a mining run (default: post excerpts)",
    )
    a = ap.parse_args(argv)
    import _state
    from target_retrieval import excerpts, mined

    from populace.llm import load_backend
    from populace.run import Run
    from populace.targeting import load_embedder, target

    t0 = time.time()
    tag = f"{a.model}{'.mined' if a.personas else ''}"
    run_dir = ROOT / "benchmarks" / "out" / f"target_groups.{tag}"
    run = Run(run_dir)
    state = _state.STATE / f"target_groups.{tag}.calls.jsonl.gz"
    _state.load(run.cache_path, state)
    pool = mined(a.personas) if a.personas else excerpts(a.authors, 80)
    what = (
        f"personas mined from {len(pool)} real bloggers"
        if a.personas
        else f"post excerpts of {len(pool)} real blog authors"
    )
    run.write_table("personas.parquet", pool)
    emb = load_embedder("minilm")
    rng = np.random.default_rng(a.seed)
    backend, info = load_backend(a.model, n_threads=2)
    lines = [
        f"target_groups: n = {a.n} personas per set, LLM {a.model} (revision and survey, "
        f"mode expected), embedder minilm, pool = {what}",
        "score = mean over items of TV (all items) | W1 on [0,1]-scaled codes "
        "(ordinal items); lower is better; [95% bootstrap interval over personas]",
        "",
    ]
    header = f"{'group':<30}{'set':<14}{'TV':>7} {'interval':<17}{'W1':>7} {'interval':<17}"
    lines.append(header)
    verdicts, items_lines = [], []
    groups = [GROUPS[int(i)] for i in a.groups] if a.groups else GROUPS
    try:
        for query, kind, region in groups:
            instruments = instruments_of(kind)
            refs, n_ref = {}, {}
            for ins in instruments:
                r, rows = G.references(kind, region, [ins])
                refs.update(r)
                n_ref[ins.id] = rows[ins.id]
            sets = {}
            sets["(a) random"] = pool.iloc[rng.choice(len(pool), a.n, replace=False)]
            ret = target(
                run,
                query,
                a.n,
                top_k=a.n,
                revise=False,
                embedder=emb,
                progress=False,
                out=run_dir / "sets" / f"{kind}-{region}-retrieved.parquet",
            )
            sets["(b) retrieved"] = ret.personas
            rev = target(
                run,
                query,
                a.n,
                top_k=max(1, a.n // 2),
                backend=backend,
                embedder=emb,
                seed=a.seed,
                progress=False,
                max_words=a.max_words,
                template="minimal",  # the prompt its quoted results were made with
                out=run_dir / "sets" / f"{kind}-{region}-revised.parquet",
            )
            sets["(c) revised"] = rev.personas
            boots, probs_of = {}, {}
            for name, people in sets.items():
                if people.empty:
                    lines.append(
                        f"{query:<30}{name:<14}no personas: all {a.n} revisions "
                        f"failed to parse (see {rev.out.name[:-8]}.failures.parquet)"
                    )
                    continue
                probs = G.survey_probs(people, instruments, backend, run.cache_path)
                probs_of[name] = probs
                est = set_score(probs, refs)
                bs = np.array(
                    [
                        set_score(probs, refs, rng.integers(0, len(people), len(people)))
                        for _ in range(a.boot)
                    ]
                )
                boots[name] = (est, bs)
                lo, hi = np.percentile(bs, [2.5, 97.5], axis=0)
                lines.append(
                    f"{query:<30}{name:<14}{est[0]:>7.3f} [{lo[0]:.3f}, {hi[0]:.3f}]  "
                    f"{est[1]:>7.3f} [{lo[1]:.3f}, {hi[1]:.3f}]"
                    + (
                        f"  ({len(people)} personas; {len(rev.failures)} revision failures)"
                        if name == "(c) revised"
                        else ""
                    )
                )
            for name in boots:
                per = {
                    it: marginals.item_distances(
                        probs_of[name][it].mean(0), refs[it][1], refs[it][0], it in NOMINAL
                    )[0]
                    for it in refs
                }
                items_lines.append(
                    f"{query:<30}{name:<14}" + "  ".join(f"{it} {v:.3f}" for it, v in per.items())
                )
            items_lines.append(
                f"{query:<30}{'humans':<14}"
                + "  ".join(
                    f"{it} mode {refs[it][0][int(np.argmax(refs[it][1]))]:g} "
                    f"({refs[it][1].max():.0%})"
                    for it in refs
                )
            )
            nf = noise_floor(refs, a.n, rng)
            lines.append(
                f"{query:<30}{'noise floor':<14}{nf[0]:>7.3f} {'':<17}{nf[1]:>7.3f}   "
                f"(n = {a.n} humans; reference rows {n_ref})"
            )
            if "(c) revised" not in boots:
                verdicts.append(f"{query}: (c) has no personas -> not shown")
                print("\n".join(lines[-4:]), flush=True)
                continue
            d = boots["(a) random"][1] - boots["(c) revised"][1]
            lo, hi = np.percentile(d, [2.5, 97.5], axis=0)
            verdicts.append(
                f"{query}: (a) - (c) TV {boots['(a) random'][0][0] - boots['(c) revised'][0][0]:+.3f} "
                f"[{lo[0]:+.3f}, {hi[0]:+.3f}] -> "
                f"{'(c) better beyond the interval' if lo[0] > 0 else 'not shown'}; "
                f"W1 {boots['(a) random'][0][1] - boots['(c) revised'][0][1]:+.3f} "
                f"[{lo[1]:+.3f}, {hi[1]:+.3f}]"
            )
            print("\n".join(lines[-4:]), flush=True)
    finally:
        backend.close()
        _state.save(run.cache_path, state)
    lines += [
        "",
        "TV per item (lower is better); humans: the most common answer code and its share",
    ] + items_lines
    lines += ["", "target: (c) better than (a) on every group beyond the intervals"] + verdicts
    lines.append(f"wall time {time.time() - t0:.0f} s")
    text = "\n".join(lines)
    print(text)
    tag = ("" if a.model == "qwen2.5-1.5b" else f".{a.model}.quick") + (
        ".mined" if a.personas else ""
    )
    (ROOT / "benchmarks" / "results" / f"target_groups{tag}.txt").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
