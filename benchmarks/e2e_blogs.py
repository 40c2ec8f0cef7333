"""The whole pipeline on real bloggers, evaluated on humans not used for alignment.

    python benchmarks/e2e_blogs.py                       # qwen2.5-1.5b, 300 bloggers, K = 100 (hours)
    python benchmarks/e2e_blogs.py --smoke               # smollm2-135m, 5 bloggers, K = 3 (minutes)

Mines ../shared/data/blogs with the documented *benchmark profile* (docs/pipeline.md:
the cheap profile with at most 4 posts of at most 60 words per author, personas
of at most 60 words, 3 kept posts per author, the paper's critic thresholds and
the grounding rules, invented-number sentences dropped, PII by rules: at most 4 QC scorings + 1 persona + 1 critic
call per author, plus one retry each), surveys IPIP-50 (in domain), CFCS-12, Grit-12 and FBPS-26 (out of
domain), aligns K personas with the default aligner to half of the
openpsychometrics BIG5 answers and evaluates aligned vs raw vs random (and the
no-persona model) on the other half, on CFCS and Grit human answers and on
FBPS (synthetic distributions only), with bootstrap intervals and the noise
floor. Prints the metric table, the change of aligned vs raw and vs random,
the paired differences (selection fixed, and rerun per replicate) and the
report's path; saves the text to benchmarks/results/e2e_blogs[_smoke].txt and,
for the full run, the report and the tidy tables beside it
(e2e_blogs_report.html, e2e_blogs_metrics.csv, e2e_blogs_differences.csv).

Resumable: the run directory is benchmarks/out/e2e_blogs[_smoke]/; a rerun
skips finished stages and answers every finished LLM call from its cache, so
it can be stopped and restarted (run it under ``flock /tmp/populace-cpu.lock``
on a shared machine). Across sessions on fresh machines: the full run loads
benchmarks/state/e2e_blogs.<model>.calls.partNN.jsonl.gz into its cache first and saves
its cache there every 10 minutes and when it ends or is stopped (SIGTERM/SIGINT); see
benchmarks/_state.py.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

# ---------------------------------------------------------------- run v1 (sessions 4-10)
# the ``cheap`` mining profile (populace.mining.config.PROFILES) made cheaper
# still, because 300 bloggers at the cheap profile's ~100 s each would take
# over 8 hours on 2 cores: at most 4 posts of at most 60 words per author (QC
# and prompts), personas of at most 60 words, authors with >= 3 kept posts,
# and PII by rules only; sentences stating numbers absent from the posts are
# dropped before the critic (repair_numbers). The critic keeps the paper's
# thresholds (8 / 7) and the grounding rules stay on. v1 predates the corpus
# facts, the probability critic and context QC: it ran the generated critic,
# per-post QC and the persona/critic prompts now kept in
# benchmarks/mining_prompts_before/.
BENCH_PROFILE = {
    "max_posts_per_author": 4,
    "max_post_words": 60,
    "max_context_posts": 4,
    "max_words": 60,
    "persona_max_tokens": 160,
    "min_posts": 3,
    "pii_llm": False,
    "repair_numbers": True,
    "corpus_facts": False,
    "critic_method": "generate",
}

# ---------------------------------------------------------------- run v2 (from session 11)
# More of each author's text (up to 6 posts of up to 120 words, about 1,000
# tokens, chosen from 12 candidates), personas of the paper's 100 words that
# describe how the writer thinks, feels, acts and relates to others, the
# corpus's gender/age/industry given as facts and checked by rules, QC only
# of the posts a prompt shows (context QC, author by author, persona and
# critic prefetched while the model holds the posts), and the probability
# critic. Persona replies with llama.cpp's repeat penalty 1.1: greedy Qwen 1.5B
# looped ("She is a good friend and a good partner. She is a good mother ...")
# on the first two bloggers without it, and stopped after two sentences at 1.3.
# Thresholds: docs/mining.md (chosen by measurement before the survey).
BENCH_PROFILE_V2 = {
    "max_posts_per_author": 12,
    "max_post_words": 120,
    "max_context_posts": 6,
    "max_words": 100,
    "persona_max_tokens": 200,
    "min_posts": 3,
    "pii_llm": False,
    "repair_numbers": True,
    "corpus_facts": True,
    "qc_method": "context",
    "critic_method": "probs",
    "persona_repeat_penalty": 1.1,
    "critic_overall_min": 6.0,
    "critic_other_min": 5.0,
}
PERSONA_SETS = {  # ../shared/data/persona_sets: K drawn at random from each (issue: baselines)
    "personahub": ("personahub/tool.jsonl", "personahub"),
    "synthetic_persona_chat": (
        "synthetic_persona_chat/Synthetic-Persona-Chat_valid.csv",
        "synthetic_persona_chat",
    ),
    "personachat": ("personachat/En_persona_test.json", "personachat"),
}


def config(args) -> dict:
    from populace.pipeline.demo import TEST_PROFILE

    smoke, v2 = args.smoke, args.run == "v2"
    out = ROOT / "benchmarks" / "out" / run_tag(args)

    def ref(name, rows=None):
        return {
            "path": str(SHARED / "openpsychometrics" / name / "data.csv"),
            **({"max_rows": rows} if rows else {}),
        }

    sets = ["aligned", "raw", "random", "no_persona"] + (["syncp"] if v2 else [])
    external = (
        [
            {"name": n, "path": str(SHARED / "persona_sets" / p), "preset": pre, "limit": args.k}
            for n, (p, pre) in PERSONA_SETS.items()
        ]
        if v2
        else []
    )
    return {
        "dir": str(out),
        "model": {
            "name": args.model or ("smollm2-135m" if smoke else "qwen2.5-1.5b"),
            "n_ctx": 2048,
            "threads": args.threads,
        },
        "mine": {
            "corpus": str(SHARED / "blogs"),
            "limit_authors": args.authors,
            "profile": "paper" if smoke else "cheap",
            "settings": TEST_PROFILE if smoke else BENCH_PROFILE_V2 if v2 else BENCH_PROFILE,
            "fallback": "profiles" if smoke else "none",
            **(
                {"prompts": str(ROOT / "benchmarks" / "mining_prompts_before")}
                if args.run == "v1" and not smoke
                else {}
            ),
        },
        # v2 leaves out the FBPS survey (no human data, synthetic distributions
        # only): a quarter of the survey time for no comparison in the paper's tables
        "survey": {
            "instruments": ["ipip50", "cfcs12", "grit12"] + ([] if v2 else ["fbps26"]),
            "readout": getattr(args, "readout", None),
        },
        "align": {"instrument": "ipip50", "k": args.k, "holdout": 0.5, "reference": ref("BIG5")},
        "evaluate": {
            "sets": sets,
            "no_persona_n": args.k,
            "bootstrap": args.bootstrap,
            "rerun_selection": True,
            "external": external,
            "instruments": [
                {"instrument": "ipip50"},
                {"instrument": "cfcs12", "reference": ref("CFCS")},
                {"instrument": "grit12", "reference": ref("grit")},
            ]
            + ([] if v2 else [{"instrument": "fbps26", "space": "items"}]),
        },
        "report": {"scatter_traits": ["EXT", "EST"], "sample_personas": 5},
    }


def run_tag(args) -> str:
    """The run directory's and results files' name: e2e_blogs[_smoke|_v2], then the
    ``--readout`` (e.g. ``_centred-sample-0.1``) if one is given."""
    r = getattr(args, "readout", None)
    tag = "e2e_blogs" + ("_smoke" if args.smoke else "_v2" if args.run == "v2" else "")
    return tag + ("" if r is None else "_" + r.replace("@", "-"))


def seed_from_base(base: Path, out: Path) -> bool:
    """A ``--readout`` run starts as a copy of its base run (same mining and survey
    calls; the run's cache answers every call, so only the survey's reading and the
    stages after it run again). Returns whether it copied."""
    import shutil

    if out.exists() or not (base / "manifest.json").exists():
        return False
    shutil.copytree(base, out, ignore=shutil.ignore_patterns("evaluation", "readouts"))
    return True


def full_run_config(
    run: str = "v2", *, threads: int = 2, bootstrap: int = 200, readout: str | None = None
):
    """The parsed config of a full (not smoke) run at its defaults (with ``--readout
    readout`` if given): how other benchmarks find the run's directory, its human
    split and its survey settings."""
    from types import SimpleNamespace

    from populace.config import parse_config

    args = SimpleNamespace(
        smoke=False,
        run=run,
        model=None,
        k=100,
        authors=300 if run == "v1" else 600,
        bootstrap=bootstrap,
        threads=threads,
        readout=readout,
    )
    return parse_config(config(args), origin="benchmarks/e2e_blogs.py")


def table(frame, results, align_instrument: str = "ipip50") -> list[str]:
    lines = []
    metrics = ["amw", "fd", "sw", "mmd", "corr_mae"]
    for ins, part in frame.groupby("instrument", sort=False):
        res = results["instruments"][ins]
        kind = "in domain" if ins == align_instrument else "out of domain"
        lines.append(
            f"\n{ins} ({kind}); humans: {res.get('reference') or 'none (synthetic only)'}"
            + (f", {res['n_reference']} rows" if res.get("n_reference") else "")
        )
        if not part["metric"].isin(metrics).any():
            for name, rows in part.groupby("set", sort=False):
                means = rows[rows["metric"].str.startswith("mean[")]["value"]
                sds = rows[rows["metric"].str.startswith("sd[")]["value"]
                lines.append(
                    f"  {name:<16} item mean {means.mean():.3f}  mean item SD {sds.mean():.3f}"
                )
            continue
        w = max(18, *(len(str(n)) + 2 for n in part["set"].unique()))  # set column width
        lines.append("  " + f"{'set':<{w}}" + "".join(f"{m:>28}" for m in metrics))
        vals = {}
        for name, rows in part.groupby("set", sort=False):
            r = {
                m: (v, lo, hi, fl)
                for m, v, lo, hi, fl in zip(
                    rows["metric"], rows["value"], rows["ci_low"], rows["ci_high"], rows["floor"]
                )
            }
            vals[name] = r
            lines.append(
                "  "
                + f"{name:<{w}}"
                + "".join(
                    f"{r[m][0]:>9.4f} [{r[m][1]:.3f},{r[m][2]:.3f}]".rjust(28)
                    if m in r
                    else " " * 28
                    for m in metrics
                )
            )
        if "aligned" in vals:
            fl = vals["aligned"]
            lines.append(
                "  "
                + f"{'floor (K)':<{w}}"
                + "".join(f"{fl[m][3]:>28.4f}" if m in fl else " " * 28 for m in metrics)
            )
            for base in ("raw", "random"):
                if base in vals:
                    # relative change; undefined where the unbiased MMD is <= 0
                    ch = [
                        100 * (vals["aligned"][m][0] / vals[base][m][0] - 1)
                        if m in vals[base] and vals[base][m][0] > 0 and vals["aligned"][m][0] >= 0
                        else float("nan")
                        for m in metrics
                    ]
                    avg = [c for c in ch[:3] if c == c]
                    avg = sum(avg) / len(avg) if avg else float("nan")
                    lines.append(
                        "  "
                        + f"{'aligned vs ' + base:<{w}}"
                        + "".join((f"{c:>+27.1f}%" if c == c else f"{'n/a':>28}") for c in ch)
                        + f"   avg of AMW/FD/SW {avg:+.1f}%"
                    )
    return lines


def paired_lines(results, key: str = "paired") -> list[str]:
    """aligned vs each other set with paired bootstrap intervals (evaluation/differences.csv);
    ``key``: paired (selection fixed) or paired_rerun (selection rerun per replicate)."""
    lines = []
    for ins, res in results["instruments"].items():
        if res.get(f"{key}_error"):
            lines.append(f"  {ins}: not computed ({res[f'{key}_error']})")
        for comp, per in (res.get(key) or {}).items():
            lines.append(f"  {ins:<8} {comp}:")
            for m, r in per.items():
                rel = (
                    ""
                    if r.get("relative") is None
                    else f"  relative {100 * r['relative']:+.1f}%"
                    + (
                        ""
                        if r.get("relative_low") is None
                        else f" [{100 * r['relative_low']:+.1f}%, {100 * r['relative_high']:+.1f}%]"
                    )
                )
                ci = "" if r.get("low") is None else f" [{r['low']:+.4f}, {r['high']:+.4f}]"
                better = (
                    ""
                    if r.get("share_better") is None
                    else f"  better in {100 * r['share_better']:.0f}% of replicates"
                )
                lines.append(f"    {m:<9} {r['difference']:+.4f}{ci}{rel}{better}")
    return lines


def pool_lines(run) -> list[str]:
    """The mined pool at a glance: sub-stage counts, facts, critic scores."""
    import json

    import pandas as pd

    m = json.loads((run.path / "manifest.json").read_text())["stages"]
    lines = ["", "mining sub-stages (rows in -> out, seconds):"]
    for s in ("read", "preprocess", "clean", "qc", "group", "persona", "critic", "pii"):
        r = m.get(s, {})
        lines.append(
            f"  {s:<11} {r.get('rows_in')} -> {r.get('rows_out')}  {r.get('seconds')} s"
            + (f"  facts {r['facts']}" if r.get("facts") else "")
            + (
                f"  contradictions left {r['facts_contradicting']}"
                if "facts_contradicting" in r
                else ""
            )
        )
    crit = run.path / "mining" / "critic.parquet"
    if crit.exists():
        c = pd.read_parquet(crit)
        cols = [x for x in c.columns if x.startswith("critic_") and x != "critic_pass"]
        lines.append(
            "  critic score quantiles (10/50/90%): "
            + "; ".join(
                f"{x[7:]} "
                + "/".join(f"{v:.2f}" for v in c[x].astype(float).quantile([0.1, 0.5, 0.9]))
                for x in cols
            )
        )
        lines.append(
            f"  critic pass {int(c['critic_pass'].sum())} of {len(c)}, rules pass "
            f"{int(c['rules_pass'].sum())}, kept {int(c['keep'].sum())}"
        )
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--smoke", action="store_true", help="smollm2, 5 authors, K = 3")
    ap.add_argument("--model", default=None)
    ap.add_argument("--authors", type=int, default=None)
    ap.add_argument("--k", type=int, default=None)
    ap.add_argument("--bootstrap", type=int, default=200)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--run",
        choices=["v1", "v2"],
        default="v2",
        help="v2 (default; 600 bloggers, the pool changes, every baseline) or v1 "
        "(the first run: 300 bloggers; replays its committed state)",
    )
    ap.add_argument(
        "--until",
        default=None,
        help="stop after this pipeline stage (e.g. mine: look at the pool first)",
    )
    ap.add_argument(
        "--readout",
        default=None,
        help="survey.readout of the run (e.g. centred-sample@0.1): a run of its own, "
        "benchmarks/out/e2e_blogs_v2_<readout>/, started as a copy of the run without "
        "it and sharing its call state (no new model call)",
    )
    args = ap.parse_args(argv)
    args.authors = args.authors or (5 if args.smoke else 600 if args.run == "v2" else 300)
    args.k = args.k or (3 if args.smoke else 100)
    import json

    import _state
    import pandas as pd

    from populace.config import parse_config
    from populace.pipeline import run_pipeline

    cfg = parse_config(config(args), origin="benchmarks/e2e_blogs.py")
    if args.readout is not None:
        base = Path(parse_config(config(argparse.Namespace(**{**vars(args), "readout": None}))).dir)
        if seed_from_base(base, Path(cfg.dir)):
            print(f"{cfg.dir}: started as a copy of {base}", flush=True)
    cache = Path(cfg.dir) / "cache.sqlite"
    state = None
    if not args.smoke:
        tag = "e2e_blogs" + ("_v2" if args.run == "v2" else "")
        state = _state.STATE / f"{tag}.{cfg.model.name}.calls.jsonl.gz"
        Path(cfg.dir).mkdir(parents=True, exist_ok=True)
        _state.load(cache, state)
        _state.save_every(cache, state, minutes=10)

    _state.stop_on_sigterm()
    t0 = time.perf_counter()
    try:
        logging.basicConfig(level=logging.INFO, format="%(message)s")  # the stage lines
        res = run_pipeline(cfg, progress=True, until=args.until)
    finally:
        if state is not None:
            _state.save(cache, state)
    secs = time.perf_counter() - t0
    m = res.run.manifest
    lines = [
        f"e2e_blogs{' --smoke' if args.smoke else ''}: model {cfg.model.name}, "
        f"{args.authors} bloggers, K = {args.k}, bootstrap {args.bootstrap}"
        + (f", survey readout {args.readout}" if args.readout else ""),
        f"this invocation: {secs:.0f} s (stages run now: {', '.join(res.ran) or 'none'})",
        "stages (rows in -> out, seconds when run):",
    ]
    for name, rec in m["stages"].items():
        lines.append(
            f"  {name:<11} {rec.get('rows_in')} -> {rec.get('rows_out')}  "
            f"{rec.get('seconds')} s"
            + (
                f"  [{rec['persona_source']}: {rec['mined_personas']} mined]"
                if "persona_source" in rec
                else ""
            )
        )
    tag = run_tag(args)
    out = ROOT / "benchmarks" / "results" / f"{tag}.txt"
    if args.until:
        lines += ["", f"stopped after {args.until} (--until); rerun without it to go on"]
        if args.until == "mine":
            lines += pool_lines(res.run)
        text = "\n".join(lines)
        print(text)
        out.with_name(f"{tag}.{args.until}.txt").write_text(text + "\n")
        return 0
    if not args.smoke:  # the mined pool: sub-stages, critic, facts (issue 19's "facts" figure)
        import facts_fresh

        lines += pool_lines(res.run)
        lines += ["", "corpus facts (gender, age > 3 y) of the mined pool:"] + [
            "  " + x
            for x in facts_fresh.lines_for(f"run {args.run}", facts_fresh.counts(res.run.path))
        ]
    frame = pd.read_csv(res.run.path / "evaluation" / "metrics.csv")
    results = json.loads((res.run.path / "evaluation" / "results.json").read_text())
    lines += [
        "",
        "Metrics (lower is better; [95% bootstrap CI]); floor = two disjoint human samples of K",
    ] + table(frame, results, cfg.align.instrument)
    lines += [
        "",
        "Paired differences, aligned minus baseline (negative = aligned closer to "
        "the humans; 95% paired bootstrap CI; the selection held fixed)",
    ]
    lines += paired_lines(results)
    if results.get("rerun_selection"):
        rr = results["rerun_selection"]
        lines += [
            "",
            f"Paired differences with the selection rerun in each of {rr['replicates']} "
            f"replicates (pool personas and alignment humans redrawn, aligner and random "
            f"draw rerun; {rr['seconds']:.0f} s): does the method help, not only this set",
        ]
        lines += paired_lines(results, "paired_rerun")
    out.parent.mkdir(parents=True, exist_ok=True)
    lines += ["", f"report: {res.report}"]
    if not args.smoke:  # the report and tables kept beside the printout (run dir is not)
        import shutil

        shutil.copy(res.report, out.with_name(f"{tag}_report.html"))
        for name in ("metrics.csv", "differences.csv"):
            shutil.copy(res.run.path / "evaluation" / name, out.with_name(f"{tag}_{name}"))
        lines.append(
            f"copied to {out.with_name(tag + '_report.html')} and "
            f"{tag}_metrics.csv / {tag}_differences.csv beside it"
        )
    text = "\n".join(lines)
    print(text)
    out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
