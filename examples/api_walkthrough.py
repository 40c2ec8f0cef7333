"""A walk through populace's Python API on real data (no LLM needed).

    python examples/api_walkthrough.py [--data ../shared/data] [--llm]

1. load an instrument (IPIP-50) and a human reference (the Open-Source
   Psychometrics BIG5 file: 19,719 people);
2. split the humans into an alignment half and a held-out half;
3. take a skewed pool: the alignment half's women under 20, real answers that
   stand in for an LLM persona pool that leans one way;
4. align K personas of that pool to the population and compare the aligned
   set, the raw pool and a random draw of the same size on held-out humans,
   with the noise floor and bootstrap intervals.

With ``--llm`` it also surveys eight PersonaHub personas with SmolLM2-135M
(in process, a few minutes on 2 cores) to show ``populace.survey``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import populace as pp


def main(argv=None) -> pd.DataFrame:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--data",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "shared" / "data",
        help="the shared data folder",
    )
    ap.add_argument("-k", type=int, default=300, help="personas to select")
    ap.add_argument("--boot", type=int, default=100, help="bootstrap replicates")
    ap.add_argument("--llm", action="store_true", help="also survey personas with SmolLM2")
    args = ap.parse_args(argv)

    # 1. an instrument and a human reference
    ipip = pp.load_instrument("ipip50")
    print(f"{ipip.id}: {len(ipip.items)} items, traits {', '.join(ipip.trait_ids)}")
    humans = pp.load_reference(args.data / "openpsychometrics" / "BIG5" / "data.csv", ipip)
    print(humans)

    # 2. an alignment half and a held-out half
    fit, held_out = humans.split(0.5, seed=0)

    # 3. a skewed pool: women under 20 of the alignment half
    young_women = (fit.meta["age"] < 20) & (fit.meta["gender"] == 2)
    pool = fit.subset(young_women.to_numpy())
    print(f"pool: {len(pool):,} of {len(fit):,} (women under 20)")

    # 4. align K of the pool to the population; a random draw as the baseline
    aligned = pp.align(pool, fit, ipip, n=args.k, seed=0)
    print(aligned)
    print(aligned.to_frame().head())
    random = pp.align(pool, fit, ipip, n=args.k, method="random", seed=0, in_sample=False)

    rows = []
    for name, table in (
        ("aligned", aligned.select(pool)),
        ("random", random.select(pool)),
        ("raw pool", pool),
    ):
        c = pp.compare(table, held_out, n_boot=args.boot, seed=0)
        rows.append(c.to_frame().assign(set=name).reset_index())
    table = pd.DataFrame(pd.concat(rows)).pivot(index="set", columns="metric", values="value")
    floor = pp.compare(aligned.select(pool), held_out).to_frame()["noise_floor"]
    print("\nheld-out humans, lower is closer (noise floor: two human samples of size K):")
    print(
        pd.concat([table, floor.to_frame("noise floor").T])
        .loc[:, list(floor.index)]
        .to_string(float_format=lambda x: f"{x:.4f}")
    )
    print(f"\naligned set with {args.boot} bootstrap replicates:")
    print(
        rows[0].set_index("metric").drop(columns="set").to_string(float_format=lambda x: f"{x:.4f}")
    )

    if args.llm:
        hub = pd.read_json(
            args.data / "persona_sets" / "personahub" / "tool.jsonl", lines=True
        ).head(8)
        personas = pd.DataFrame(
            {"persona_id": [f"hub-{i}" for i in hub.index], "persona": hub["input persona"]}
        )
        answers = pp.survey(personas, "bfi25", model="smollm2-135m", progress=False)
        print(answers.wide.head())
    return table


if __name__ == "__main__":
    main()
