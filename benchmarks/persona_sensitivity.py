"""Persona sensitivity: do answers follow the persona, trait by trait?

For each Big Five trait, --pairs pairs of short personas that differ in that
trait only (same person, two everyday-behaviour sentences, high vs low; no
IPIP item wording; see benchmarks/_personas.py) answer IPIP-50 through
populace's survey (log-probability path). With ``--items trait`` (default,
5x cheaper) each pair answers only the 10 IPIP-50 items of the trait it
differs in, the only items its score difference depends on; ``--items all``
has every persona answer all 50 items. For every pair the trait score of
the high persona minus that of the low one is computed (EST is scored as
emotional stability); the script prints the mean difference per trait with a
95% t-interval over the pairs, for the expected-value answers and for the
seeded sample-mode answers. Target: every trait's interval above 0.

Resumable through the SQLite call cache in benchmarks/out/. Usage:

    python benchmarks/persona_sensitivity.py --model qwen2.5-1.5b
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _personas import TRAITS, emit, sensitivity_pairs  # noqa: E402

from populace.instruments import load_instrument  # noqa: E402
from populace.llm import load_backend  # noqa: E402
from populace.survey import survey  # noqa: E402
from populace.survey.answers import answer_from_probs, cell_rng  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--pairs", type=int, default=10)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--cache", type=Path, default=None)
    ap.add_argument("--results", type=Path, default=None)
    ap.add_argument("--items", choices=("trait", "all"), default="trait")
    ap.add_argument(
        "--prompts",
        type=Path,
        default=None,
        help="a folder of survey prompt files overriding the package's by name "
        "(e.g. benchmarks/survey_prompts_roleplay)",
    )
    args = ap.parse_args()

    ins = load_instrument("ipip50")
    rows = pd.DataFrame(sensitivity_pairs(args.pairs))
    backend, info = load_backend(args.model, n_threads=args.threads)
    cache = (
        args.cache
        or HERE / "out" / f"persona_sensitivity.{info['model_id'].replace('/', '_')}.sqlite"
    )
    if args.items == "all":
        runs = [(rows, ins)]
    else:
        runs = []
        for t in TRAITS:
            sub_items = tuple(it for it in ins.items if it.trait == t)
            sub = ins.model_copy(
                update={"items": sub_items, "traits": tuple(x for x in ins.traits if x.id == t)}
            )
            runs.append((rows[rows["trait"] == t], sub))
    longs, calls, hits = [], 0, 0
    for part, sub in runs:
        res = survey(
            part[["persona_id", "persona"]],
            sub,
            backend=backend,
            mode="expected",
            cache=cache,
            prompt_dir=args.prompts,
            progress=sys.stderr.isatty(),
        )
        longs.append(res.long)
        calls += res.meta["model_calls"]
        hits += res.meta["cache_hits"]
    backend.close()
    long = pd.concat(longs).set_index(["persona_id", "item_id"])
    keyed = {it.id: it.reverse for it in ins.items}

    def scores(kind: str) -> pd.DataFrame:
        out = {}
        for t in TRAITS:
            t_items = [it.id for it in ins.items if it.trait == t]
            pids = (
                rows["persona_id"]
                if args.items == "all"
                else rows[rows["trait"] == t]["persona_id"]
            )
            for pid in pids:
                vals = []
                for iid in t_items:
                    r = long.loc[(pid, iid)]
                    x = (
                        r["answer"]
                        if kind == "expected"
                        else answer_from_probs(
                            "sample", r["probs"], r["codes"], rng=cell_rng(0, pid, iid)
                        )
                    )
                    vals.append(6 - x if keyed[iid] else x)
                out[(pid, t)] = float(np.mean(vals))
        return out

    lines = [
        f"persona sensitivity, model {info['model_id']}, IPIP-50, {args.pairs} pairs per "
        "trait (high - low trait score on the 1..5 scale, 95% t-interval over pairs); "
        + (
            "every persona answers all 50 items"
            if args.items == "all"
            else "each pair answers the 10 items of its trait"
        ),
        f"survey prompts: {args.prompts or 'the package'}; {calls} model calls, {hits} from cache",
    ]
    met = {}
    for kind in ("expected", "sample"):
        sc = scores(kind)
        lines.append(f"mode {kind}:")
        for t in TRAITS:
            sub = rows[rows["trait"] == t]
            hi = np.array([sc[(p, t)] for p in sub[sub["level"] == "high"]["persona_id"]])
            lo = np.array([sc[(p, t)] for p in sub[sub["level"] == "low"]["persona_id"]])
            d = hi - lo
            m, se = d.mean(), d.std(ddof=1) / np.sqrt(len(d))
            half = stats.t.ppf(0.975, len(d) - 1) * se
            ok = m - half > 0
            met[(kind, t)] = ok
            lines.append(
                f"  {t}: {m:+.3f}  [{m - half:+.3f}, {m + half:+.3f}]  "
                f"{'above 0' if ok else 'NOT above 0'}"
            )
    for kind in ("expected", "sample"):
        n_ok = sum(met[(kind, t)] for t in TRAITS)
        lines.append(
            f"target (every interval above 0), mode {kind}: {n_ok}/{len(TRAITS)} traits"
            + (" - met" if n_ok == len(TRAITS) else " - not met")
        )
    emit(lines, args.results)


if __name__ == "__main__":
    main()
