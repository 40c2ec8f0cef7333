"""Does an aligned set hold under another reading of its personas? (issue 19)

    python benchmarks/readout_transfer.py                    # centred-sample@0.1 vs sample@1
    python benchmarks/readout_transfer.py --bootstrap 0      # point values only
    python benchmarks/readout_transfer.py --only-base        # before the --readout run exists

The aligner chooses personas by their answers. Under ``sample@1`` those
answers are one random draw per item from each persona's option
probabilities, and that draw is mostly noise (Cronbach's alpha about 0 in the
v2 pool: docs/llm.md), so a set chosen on it may fit the draw, not the
personas. A simulation gets the personas, and every new question is a new
draw. So this benchmark reads the same personas several ways and scores each
run's aligned set under each reading:

- readings, all from the v2 run's long tables (its option probabilities; no
  model call): ``sample@1`` with the survey's seed (the answers the v2 run
  aligned and evaluated on), ``sample@1`` with a *fresh* seed (a new draw of
  the same personas), and the same two for ``--readout`` (seed 0 is what the
  ``--readout`` run aligned on);
- sets: ``aligned@sample1`` (the v2 run's K), ``aligned@<readout>`` (the K of
  ``benchmarks/e2e_blogs.py --readout``), ``raw`` (the pool) and ``random``
  (the pipeline's random K, the same personas in both runs);
- humans: the held-out half of BIG5 (the pipeline's split, the same in both
  runs) in domain, the CFCS and Grit files out of domain (for those the fresh
  draw matters less: no selection saw their answers).

Prints each set's average of AMW/FD/SW under each reading and the paired
bootstrap differences (populace.evaluate.paired: pool and humans redrawn
together, the selections held fixed) of each aligned set against raw and
random; saves the text to benchmarks/results/readout_transfer.txt. No model
call; a few minutes of CPU.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

AVG = ("amw", "fd", "sw")


def aligned_weights(run_path: Path) -> pd.Series:
    """{persona_id: count} of a run's aligned set."""
    from populace.pipeline import tables as T

    a = pd.read_parquet(run_path / T.ALIGNED)
    w = a["count"] if "count" in a else a["weight"]
    return pd.Series(w.to_numpy(float), index=a["persona_id"].astype(str))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--readout", default="centred-sample@0.1")
    ap.add_argument("--fresh-seed", type=int, default=1, help="the seed of the fresh draw")
    ap.add_argument("--bootstrap", type=int, default=200)
    ap.add_argument(
        "--only-base",
        action="store_true",
        help="score the v2 run's aligned set only (the --readout run not needed)",
    )
    ap.add_argument(
        "--results", type=Path, default=ROOT / "benchmarks" / "results" / "readout_transfer.txt"
    )
    args = ap.parse_args(argv)

    import e2e_blogs

    from populace.evaluate import metrics as M
    from populace.evaluate.paired import paired_bootstrap
    from populace.instruments import load_instrument
    from populace.pipeline import tables as T
    from populace.pipeline.harness import eval_instruments, random_ids, reference_for
    from populace.reference import load_reference
    from populace.survey.readout import Readout, wide_answers

    base_cfg = e2e_blogs.full_run_config("v2")
    base = Path(base_cfg.dir)
    r_dir = Path(e2e_blogs.full_run_config("v2", readout=args.readout).dir)
    need = [(base, "")] + ([] if args.only_base else [(r_dir, f" --readout {args.readout}")])
    for p, flag in need:
        if not (p / T.ALIGNED).exists():
            raise SystemExit(f"{p}/{T.ALIGNED} is missing: run benchmarks/e2e_blogs.py{flag} first")
    t0 = time.perf_counter()
    seed = base_cfg.survey.seed
    pool = T.complete_ids(base, base_cfg.align.instrument)
    a_s1 = aligned_weights(base)
    m = int(a_s1.sum())
    sets = {"aligned@sample1": a_s1}
    if not args.only_base:
        a_r = aligned_weights(r_dir)
        if not set(a_r.index) <= set(pool):
            raise SystemExit(f"{r_dir}: aligned personas outside the v2 pool")
        sets[f"aligned@{args.readout}"] = a_r
    sets["raw"] = pd.Series(1.0, index=pool)
    sets["random"] = pd.Series(1.0, index=random_ids(pool, m, base_cfg.evaluate.seed))
    R = Readout.parse(args.readout)
    readings = [
        ("sample@1, the run's draw", Readout("sample", 1.0), seed),
        (f"sample@1, fresh draw (seed {args.fresh_seed})", Readout("sample", 1.0), args.fresh_seed),
        (f"{R.name}, the run's draw", R, seed),
        (f"{R.name}, fresh draw (seed {args.fresh_seed})", R, args.fresh_seed),
    ]
    lines = [
        f"readout transfer: the v2 pool ({len(pool)} personas) read four ways; K = {m}; "
        f"paired bootstrap {args.bootstrap}",
        f"aligned@sample1: {len(a_s1)} distinct personas"
        + (
            ""
            if args.only_base
            else f"; aligned@{args.readout}: {len(a_r)}; in both: "
            f"{len(set(a_r.index) & set(a_s1.index))}"
        ),
    ]
    aligned = [n for n in sets if n.startswith("aligned@")]
    pairs = [(a, b) for a in aligned for b in ("raw", "random")]
    if len(aligned) == 2:
        pairs.append((aligned[1], aligned[0]))
    for entry in eval_instruments(base_cfg):
        ref, desc = reference_for(base, base_cfg, entry)
        if ref is None:
            continue
        ins = load_instrument(entry.instrument)
        long = pd.read_parquet(base / "responses" / f"{entry.instrument}.long.parquet")
        long = long[long["persona_id"].astype(str).isin(pool)]
        Y, wy, _ = ref.matrix(entry.space)
        lines += ["", f"{entry.instrument} (humans: {desc}, {len(Y)} rows)"]
        lines.append(
            f"  {'answers read by':<34}" + "".join(f"{s:>28}" for s in sets) + "   (avg AMW/FD/SW)"
        )
        for label, readout, s in readings:
            wide = wide_answers(long, readout, seed=s, items=ins.item_ids)
            table = load_reference(wide, entry.instrument)
            X, _, _ = table.matrix(entry.space)
            ids = wide["persona_id"].astype(str).to_numpy()
            W = {n: pd.Series(ids).map(w).fillna(0.0).to_numpy(float) for n, w in sets.items()}
            est = {}
            for n, w in W.items():
                keep = w > 0
                mm = M.compute_all(X[keep], Y, w[keep], wy, metrics=list(AVG), seed=0)
                est[n] = float(np.mean([mm[k] for k in AVG]))
            lines.append(f"  {label:<34}" + "".join(f"{est[n]:>28.4f}" for n in sets))
            print(lines[-1], flush=True)
            if args.bootstrap >= 2:
                res = paired_bootstrap(
                    X, Y, W, pairs, wy=wy, metrics=list(AVG), n_boot=args.bootstrap, seed=0
                )
                for a, b in pairs:
                    r = res[f"{a} vs {b}"]
                    rel = est[a] / est[b] - 1
                    share = np.mean([r[k]["share_better"] for k in AVG])
                    beyond = [k for k in AVG if r[k]["high"] < 0 or r[k]["low"] > 0]
                    lines.append(
                        f"    {a:>30} vs {b:<16} avg {100 * rel:+6.1f}%  "
                        + "  ".join(
                            f"{k} {r[k]['difference']:+.3f} [{r[k]['low']:+.3f}, "
                            f"{r[k]['high']:+.3f}]"
                            for k in AVG
                        )
                        + f"  closer in {100 * share:3.0f}%; beyond the interval: "
                        + (", ".join(beyond) or "none")
                    )
                    print(lines[-1], flush=True)
    lines += ["", f"{time.perf_counter() - t0:.0f} s"]
    text = "\n".join(lines)
    print(text)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
