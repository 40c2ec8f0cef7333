"""The paper's Table 4: group-specific persona sets against each group's humans.

For each group (benchmarks/_table4_groups.py: YRBS high-school students on the
96 items a persona can answer; WVS E143 and F117 in the paper's East Asia,
North America and Europe) and each persona pool, five sets of --n personas:

  random     --n personas drawn at random from the pool (seeded);
  base       the top --n retrieved with the base embedder (minilm), unrevised;
  trained    the top --n retrieved with the fine-tuned embedder, unrevised;
  revised    the trained retrieval revised into the group by the LLM with the
             template chosen for the query (youth / region: the group's typical
             circumstances, behaviours and attitudes, two other retrieved seeds
             as context, paper Eq. 15);
  minimal    the same seeds revised with the earlier prompt (template minimal:
             only the facts membership needs), for the prompt comparison; on
             the pools of --minimal-pools only (default mined: the comparison
             is one pool's, and it saves PersonaHub's run a fifth of its hours).

Pools (--pools): ``mined``, a run's mined personas (--mined, default the
second e2e run's benchmarks/out/e2e_blogs_v2/personas.parquet; the first run's
190 are benchmarks/out/e2e_blogs/personas.parquet); ``personahub``,
PersonaHub's 5,000 personas (preset personahub, ../shared/data/persona_sets).
The fine-tuned embedder is --trained DIR (a ``populace train-embedder`` output,
e.g. the one benchmarks/target_retrieval.py --personas trained on the same
pool's training half with the better recipe, which saves training it again)
or, without it, trained here on the whole mined pool with --recipe (LLM calls
cached).

Each set is surveyed by the same LLM (mode ``expected``: option probabilities
kept) and scored under two readings of those probabilities: as surveyed (a
set's distribution is the mean of its personas' probabilities) and by the
pipeline's default readout centred-sample@0.1 on the pool's centre (estimated
by the random set); no extra model call. Scores per item on the set's option distribution vs the humans' weighted
shares (populace.evaluate.marginals): TV on every item; W1 (= AMW = SW in one
dimension), FD and MMD on ordinal items; a group's score is the mean over its
items. Intervals: 95% bootstrap over the set's personas (--boot); noise floor:
the same scores for --n humans drawn from the reference (200 draws).

Results: benchmarks/results/target_table4.txt (.csv, .json) for both pools; a
run of one pool writes target_table4.<pool>.txt, so that running the pools one
after the other keeps both (a run of both afterwards answers every call from
the caches and writes the joint table). The files are rewritten after every
group, marked PARTIAL until every group is done; the WVS regions run first
(minutes each) and YRBS last (hours), so a stopped run leaves what it finished.

Resumable: every LLM call is in benchmarks/out/target_table4.<model>.<pool>/
cache.sqlite, saved to benchmarks/state/ every 10 minutes and at the end
(SIGTERM too) for the next run. Run under the CPU lock:

    flock /tmp/populace-cpu.lock python benchmarks/target_table4.py --model qwen2.5-1.5b
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import _table4_groups as G  # noqa: E402

from populace.evaluate import marginals  # noqa: E402
from populace.survey import readout  # noqa: E402

SETS = ("random", "base", "trained", "revised", "minimal")
POOLS = ("mined", "personahub")
#: pairs (a, b) whose TV difference a - b is tested (b better when the interval is above 0)
VERDICTS = (
    ("random", "revised"),
    ("trained", "revised"),
    ("base", "trained"),
    ("minimal", "revised"),
)
#: the pipeline's default readout (populace.config.DEFAULT_READOUT), read on the
#: random set's centre: a random sample of the pool, so its centre estimates the pool's
CENTRED = "centred-sample@0.1"
READING_TITLES = {
    "expected": "answers as surveyed: a set's option distribution is the mean of its "
    "personas' option probabilities (the paper's protocol)",
    CENTRED: f"answers read by {CENTRED} (the pipeline's default readout) on the pool's "
    "centre, estimated by the random set: a set's option distribution is the mean of "
    "its personas' read distributions; the centre is held fixed in the bootstrap",
}
METRICS = ("TV", "W1", "FD", "MMD")
PERSONAHUB = G.DATA / "persona_sets" / "personahub" / "tool.jsonl"


def load_pool(name: str, a):
    from populace.targeting import load_pool_file

    if name == "mined":
        if not a.mined.exists():
            raise SystemExit(
                f"no mined personas at {a.mined}: run the e2e benchmark or give --mined"
            )
        return load_pool_file(a.mined)
    if name == "personahub":
        if not PERSONAHUB.exists():
            raise SystemExit(f"needs PersonaHub's personas at {PERSONAHUB}")
        return load_pool_file(PERSONAHUB, preset="personahub", limit=a.personahub_limit)
    raise SystemExit(f"unknown pool {name!r}: mined or personahub")


def trained_embedder(a, backend, info) -> Path:
    """--trained, or an embedder fine-tuned on the mined pool (reused when present)."""
    if a.trained:
        return a.trained
    from populace.run import Run
    from populace.targeting.train import train_embedder

    run = Run(ROOT / "benchmarks" / "out" / f"target_table4.{a.model}.train")
    people = pd.read_parquet(a.mined)[["persona_id", "persona"]].dropna()
    if a.train_personas:
        people = people.iloc[: a.train_personas]
    run.write_table("personas.parquet", people)
    out = run.path / f"embedder-{a.recipe}-{len(people)}"
    if not (out / "populace_training.json").exists():
        train_embedder(run, out, backend=backend, recipe=a.recipe, seed=a.seed, model_info=info)
    return out


def score_set(probs, refs, nominal, n, boot, rng):
    est = marginals.set_scores(probs, refs, nominal)
    bs = np.array(
        [marginals.set_scores(probs, refs, nominal, rng.integers(0, n, n)) for _ in range(boot)]
    )
    return est, bs


def fmt(est, lo, hi) -> str:
    return "  ".join(f"{e:.3f} [{lo_:.3f}, {hi_:.3f}]" for e, lo_, hi_ in zip(est, lo, hi))


def run_group(key, query, kind, region, pool_name, pool, run, embs, backend, a, out):
    """The sets of one group and pool (``minimal`` only for --minimal-pools);
    fills ``out`` (lines, verdicts, items, csv) with the group's results."""
    from populace.targeting import target

    instruments = G.instruments_of(kind, a.yrbs_items)
    refs, n_ref = G.references(kind, region, instruments)
    nominal = G.nominal_of(kind)
    # the random set depends only on (seed, group), not on which groups run before it
    draw = np.random.default_rng([a.seed, [g[0] for g in G.GROUPS].index(key)])
    frames = {
        "random": pd.DataFrame({"persona_id": pool.ids, "persona": pool.texts}).iloc[
            np.sort(draw.choice(len(pool), a.n, replace=False))
        ]
    }
    sets_dir = run.path / "sets"
    common = dict(top_k=a.n, progress=False, pool=pool, seed=a.seed, max_words=a.max_words)
    for name, emb in (("base", embs["base"]), ("trained", embs["trained"])):
        frames[name] = target(
            run,
            query,
            a.n,
            revise=False,
            embedder=emb,
            out=sets_dir / f"{key}-{name}.parquet",
            **common,
        ).personas
    fails = {}
    revisions = (("revised", "auto"), ("minimal", "minimal"))
    if pool_name not in a.minimal_pools.split(","):
        revisions = revisions[:1]
    for name, template in revisions:
        res = target(
            run,
            query,
            a.n,
            backend=backend,
            embedder=embs["trained"],
            template=template,
            out=sets_dir / f"{key}-{name}.parquet",
            **common,
        )
        frames[name], fails[name] = res.personas, (len(res.failures), res.info["template"])
    probs, notes = {}, {}
    for name in (s_ for s_ in SETS if s_ in frames):
        people = frames[name]
        if people.empty:
            notes[name] = "no personas (all revisions failed)"
            continue
        probs[name] = G.survey_probs(people, instruments, backend, run.cache_path)
        if name in fails:
            notes[name] = (
                f"  ({len(people)} personas; {fails[name][0]} failed; template {fails[name][1]})"
            )
    gi, pi = [g[0] for g in G.GROUPS].index(key), POOLS.index(pool_name)
    nf = marginals.noise_floor_scores(refs, nominal, a.n, np.random.default_rng([a.seed, gi, pi]))
    head = dict(key=key, query=query, pool_name=pool_name, refs=refs, nominal=nominal, nf=nf)
    score_reading(
        out, probs, notes, "expected", np.random.default_rng([a.seed, gi, pi, 0]), a, **head
    )
    if "random" in probs:  # the pipeline's default readout, centred on the pool's centre
        centre = {it: readout.centre_of(P) for it, P in probs["random"].items()}
        read = readout.Readout.parse(CENTRED)
        cprobs = {
            name: {it: readout.distributions(P, read, centre[it]) for it, P in pr.items()}
            for name, pr in probs.items()
        }
        score_reading(
            out, cprobs, notes, CENTRED, np.random.default_rng([a.seed, gi, pi, 1]), a, **head
        )
    n_ref_note = (
        f"  (n = {a.n} humans; reference rows {n_ref}; {len(refs)} items, "
        f"{len(set(refs) - nominal)} ordinal)"
    )
    for lines in out["lines"].values():
        lines.append(
            f"{query:<28}{pool_name:<11}{'floor':<9}"
            + "  ".join(f"{v:.3f}{'':<16}" for v in nf)
            + n_ref_note
        )
    if kind == "yrbs":
        item_table(out, probs, refs, nominal, instruments, query, pool_name)
    else:
        share_table(out, probs, refs, query, pool_name)


def share_table(out, probs, refs, query, pool_name):
    """WVS: each item's option shares, humans against every set as surveyed, to
    show whether a set's answers move at all (2 items, so all of it fits)."""
    out["items"].append(f"{query} [{pool_name}]: option shares (codes in order), as surveyed")
    for it, (codes, q, _x, _w) in refs.items():
        out["items"].append(f"  {it}  codes {' '.join(f'{c:g}' for c in codes)}")
        out["items"].append(f"    {'humans':<9}" + " ".join(f"{v:.2f}" for v in q))
        for name, P in probs.items():
            out["items"].append(f"    {name:<9}" + " ".join(f"{v:.2f}" for v in P[it].mean(0)))
    out["items"].append("")


def score_reading(out, probs, notes, reading, rng, a, key, query, pool_name, refs, nominal, nf):
    """Scores, intervals and verdicts of every set under one reading of the
    answers; the sets' bootstrap replicates come from ``rng``."""
    scores, intervals = {}, {}
    lines = out["lines"].setdefault(reading, [])
    verdicts = out["verdicts"].setdefault(reading, [])
    for name in SETS:
        if name not in probs:
            if name in notes:
                lines.append(f"{query:<28}{pool_name:<11}{name:<9}{notes[name]}")
            continue
        n = len(next(iter(probs[name].values())))
        est, bs = score_set(probs[name], refs, nominal, n, a.boot, rng)
        scores[name] = (est, bs)
        lo, hi = np.nanpercentile(bs, [2.5, 97.5], axis=0)
        intervals[name] = (lo, hi)
        lines.append(f"{query:<28}{pool_name:<11}{name:<9}{fmt(est, lo, hi)}{notes.get(name, '')}")
    if scores:
        verdicts.append(
            f"{query} [{pool_name}]: times the noise floor (TV / W1): "
            + "; ".join(
                f"{name} {e[0] / nf[0]:.1f} / {e[1] / nf[1]:.1f}" for name, (e, _) in scores.items()
            )
        )
    for a_, b_ in VERDICTS:
        if a_ in scores and b_ in scores:
            d, lo, hi = G.interval_verdict(
                scores[a_][1], scores[b_][1], scores[a_][0], scores[b_][0]
            )
            verdicts.append(
                f"{query} [{pool_name}]: TV {a_} - {b_} {d:+.3f} [{lo:+.3f}, {hi:+.3f}] -> "
                + (
                    f"{b_} better beyond the interval"
                    if lo > 0
                    else (f"{b_} worse beyond the interval" if hi < 0 else "within the interval")
                )
            )
    for name, (est, _) in scores.items():
        lo, hi = intervals[name]
        out["csv"].append(
            {
                "group": key,
                "pool": pool_name,
                "reading": reading,
                "set": name,
                **dict(zip(METRICS, est)),
                **{f"{m}_lo": v for m, v in zip(METRICS, lo)},
                **{f"{m}_hi": v for m, v in zip(METRICS, hi)},
                **{f"floor_{m}": v for m, v in zip(METRICS, nf)},
            }
        )


def item_table(out, probs, refs, nominal, instruments, query, pool_name):
    """YRBS: every item's TV per set (as surveyed), the humans' most common answer,
    and how far revision moved it (TV trained - TV revised)."""
    if not ("trained" in probs and "revised" in probs):
        return
    per_item = {
        name: {
            it: marginals.item_distances(P[it].mean(0), refs[it][1], refs[it][0], it in nominal)[0]
            for it in refs
        }
        for name, P in probs.items()
    }
    out["items"].append(
        f"YRBS items [{pool_name}]: TV per set; humans' most common answer (share); "
        "moved = TV(trained) - TV(revised)"
    )
    out["items"].append(
        f"{'item':<6}{'human mode':<34}" + "".join(f"{s:>9}" for s in per_item) + f"{'moved':>9}"
    )
    labels = {it.id: it for ins in instruments for it in ins.items}
    rows = []
    for it in refs:
        q = refs[it][1]
        opt = labels[it].options[int(np.argmax(q))].label
        moved = per_item["trained"][it] - per_item["revised"][it]
        rows.append(
            (
                moved,
                f"{it:<6}{(opt[:24] + f' ({q.max():.0%})'):<34}"
                + "".join(f"{per_item[s][it]:>9.3f}" for s in per_item)
                + f"{moved:>+9.3f}",
            )
        )
    rows.sort(key=lambda r: -r[0])
    out["items"] += [r[1] for r in rows] + [""]
    mv = np.array([r[0] for r in rows], float)
    out["verdicts"]["expected"].append(
        f"{query} [{pool_name}]: of {len(rows)} items, {int((mv > 0.02).sum())} moved closer "
        f"to the humans by > 0.02 TV after revision, {int((np.abs(mv) <= 0.02).sum())} within 0.02, "
        f"{int((mv < -0.02).sum())} moved away"
    )


def run_order(groups):
    """WVS regions first (2 items, minutes each), YRBS last (96 items, hours), so
    that a run stopped at a session's end has finished what it could; the
    tables keep the order of ``groups``."""
    return sorted(groups, key=lambda g: g[2] == "yrbs")


def write_results(a, pools, groups, blocks, trained, seconds, res=None) -> str:
    """Write the table of the groups done so far (all of them at the end) to
    benchmarks/results/target_table4[tag].txt/.csv/.json; returns the text."""
    done = [(p, g) for p in pools for g in groups if (p, g[0]) in blocks]
    missing = [f"{g[1]} [{p}]" for p in pools for g in groups if (p, g[0]) not in blocks]
    readings = ["expected", CENTRED]

    def gather(k, reading=None):
        return [
            x
            for p, g in done
            for x in (
                blocks[(p, g[0])][k] if reading is None else blocks[(p, g[0])][k].get(reading, [])
            )
        ]

    head = [
        f"target_table4: n = {a.n} personas per set; LLM {a.model} (revision and survey, mode expected); "
        f"base embedder minilm; trained {trained}; minimal-prompt set on pools {a.minimal_pools}",
        "YRBS items left out: " + "; ".join(f"{k} ({v})" for k, v in G.YRBS_EXCLUDED.items()),
        "scores: mean over items; TV all items, W1 (= AMW = SW per item), FD, MMD ordinal items; lower is better; "
        "[95% bootstrap interval over personas]",
    ]
    if missing:
        head.append("PARTIAL: not yet run: " + "; ".join(missing))
    columns = f"{'group':<28}{'pool':<11}{'set':<9}" + "  ".join(f"{m:<22}" for m in METRICS)
    body = []
    for reading in readings:
        body += [
            "",
            READING_TITLES[reading],
            "",
            columns,
            *gather("lines", reading),
            "",
            "differences (independent bootstrap intervals):",
            *gather("verdicts", reading),
        ]
    text = "\n".join(head + body + [""] + gather("items") + [f"wall time {seconds:.0f} s"])
    tag = "" if a.model == "qwen2.5-1.5b" else f".{a.model}.quick"
    if sorted(pools) != ["mined", "personahub"]:  # one pool's run keeps the other's table
        tag += "." + "-".join(pools)
    res = res or ROOT / "benchmarks" / "results"
    (res / f"target_table4{tag}.txt").write_text(text + "\n")
    pd.DataFrame(gather("csv")).to_csv(res / f"target_table4{tag}.csv", index=False)
    (res / f"target_table4{tag}.json").write_text(
        json.dumps(
            {"args": {k: str(v) for k, v in vars(a).items()}, "partial": bool(missing)}, indent=1
        )
    )
    return text


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=50, help="personas per set")
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--boot", type=int, default=500)
    ap.add_argument("--max-words", type=int, default=80, help="length limit of a revision")
    ap.add_argument(
        "--groups",
        default=",".join(g[0] for g in G.GROUPS),
        help="comma-separated: yrbs, east_asia, north_america, europe",
    )
    ap.add_argument(
        "--pools", default="mined,personahub", help="comma-separated: mined, personahub"
    )
    ap.add_argument(
        "--mined",
        type=Path,
        default=ROOT / "benchmarks" / "out" / "e2e_blogs_v2" / "personas.parquet",
    )
    ap.add_argument(
        "--minimal-pools",
        default="mined",
        help="pools that also get the minimal-prompt set (the prompt comparison; "
        "comma-separated, '' for none)",
    )
    ap.add_argument(
        "--personahub-limit",
        type=int,
        default=None,
        help="personas drawn from PersonaHub (default all)",
    )
    ap.add_argument(
        "--trained",
        type=Path,
        default=None,
        help="fine-tuned embedder folder (default: train on the mined pool)",
    )
    ap.add_argument(
        "--recipe", default="quick", help="training recipe when training here: quick or paper"
    )
    ap.add_argument(
        "--train-personas",
        type=int,
        default=None,
        help="train on the first N mined personas (smoke runs)",
    )
    ap.add_argument(
        "--yrbs-items", type=int, default=None, help="first N YRBS items only (smoke runs)"
    )
    a = ap.parse_args(argv)
    import _state

    from populace.llm import load_backend
    from populace.run import Run
    from populace.targeting import load_embedder

    groups = [g for g in G.GROUPS if g[0] in a.groups.split(",")]
    pools = [p for p in a.pools.split(",") if p]
    t0 = time.time()
    backend, info = load_backend(a.model, n_threads=2)
    blocks: dict = {}  # (pool, group key) -> that group's results
    states, savers = [], []
    trained = None
    _state.stop_on_sigterm()
    try:
        trained = trained_embedder(a, backend, info)
        embs = {"base": load_embedder("minilm"), "trained": load_embedder(str(trained))}
        for pool_name in pools:
            pool = load_pool(pool_name, a)
            run = Run(ROOT / "benchmarks" / "out" / f"target_table4.{a.model}.{pool_name}")
            state = _state.STATE / f"target_table4.{a.model}.{pool_name}.calls.jsonl.gz"
            _state.load(run.cache_path, state)
            states.append((run.cache_path, state))
            savers.append(_state.save_every(run.cache_path, state, minutes=10))
            for key, query, kind, region in run_order(groups):
                out = {"lines": {}, "verdicts": {}, "items": [], "csv": []}
                run_group(key, query, kind, region, pool_name, pool, run, embs, backend, a, out)
                blocks[(pool_name, key)] = out  # only a finished group counts as done
                print("\n".join(out["lines"]["expected"]), flush=True)
                write_results(a, pools, groups, blocks, trained, time.time() - t0)
    finally:
        backend.close()
        for saver in savers:  # the pool's periodic saver stops with its final save
            saver.set()
        for cache_path, state in states:
            _state.save(cache_path, state)
    print(write_results(a, pools, groups, blocks, trained, time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
