"""Does a selection made under one survey readout hold under another? (issue 19)

    python benchmarks/readout_transfer.py                    # centred-sample@0.1 vs sample@1
    python benchmarks/readout_transfer.py --bootstrap 0      # point values only

The e2e run under a readout (``benchmarks/e2e_blogs.py --readout R``) aligns
and evaluates with the answers read by R. A readout that amplifies what tells
personas apart could win by its reading alone; what a simulation gets is the
personas. So this reads both runs' selections with *each* run's answers:

- sets: ``aligned@R`` (the K chosen under R), ``aligned@sample1`` (the K chosen
  by the run without a readout), ``raw`` (the whole pool) and ``random`` (the
  pipeline's random K, the same personas in both runs);
- answers: the pool read by sample@1 (the run without a readout) and by R;
- humans: the held-out half of BIG5 (the pipeline's split, the same in both
  runs) in domain, the CFCS and Grit files out of domain.

Both runs survey the same personas with the same cached model calls, so the
rows are the same people read two ways. Prints each set's average of
AMW/FD/SW and the paired bootstrap differences (populace.evaluate.paired:
the pool and the humans redrawn together, the selections held fixed) of each
aligned set against raw and random, under each reading; saves the text to
benchmarks/results/readout_transfer.txt. No model call; a few minutes of CPU.
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
    ap.add_argument("--bootstrap", type=int, default=200)
    ap.add_argument(
        "--results", type=Path, default=ROOT / "benchmarks" / "results" / "readout_transfer.txt"
    )
    args = ap.parse_args(argv)

    import e2e_blogs

    from populace.evaluate import metrics as M
    from populace.evaluate.paired import paired_bootstrap
    from populace.pipeline import tables as T
    from populace.pipeline.harness import eval_instruments, reference_for

    base_cfg = e2e_blogs.full_run_config("v2")
    ns = argparse.Namespace(
        smoke=False, run="v2", model=None, k=100, authors=600, bootstrap=200, threads=2,
        readout=args.readout,
    )  # fmt: skip
    from populace.config import parse_config

    r_cfg = parse_config(e2e_blogs.config(ns), origin="benchmarks/e2e_blogs.py")
    runs = {"sample@1": Path(base_cfg.dir), args.readout: Path(r_cfg.dir)}
    for name, p in runs.items():
        if not (p / T.ALIGNED).exists():
            raise SystemExit(
                f"{p}/{T.ALIGNED} is missing: run benchmarks/e2e_blogs.py"
                + ("" if name == "sample@1" else f" --readout {args.readout}")
                + " first"
            )
    t0 = time.perf_counter()
    a_s1 = aligned_weights(runs["sample@1"])
    a_r = aligned_weights(runs[args.readout])
    pool = T.complete_ids(runs["sample@1"], base_cfg.align.instrument)
    if set(pool) != set(T.complete_ids(runs[args.readout], base_cfg.align.instrument)):
        raise SystemExit("the two runs' pools differ: not the same personas read two ways")
    m = int(a_s1.sum())
    pick = np.random.default_rng([base_cfg.evaluate.seed, 53]).choice(len(pool), m, replace=False)
    rand = pd.Series(1.0, index=[pool[i] for i in np.sort(pick)])  # the harness's random K
    sets = {
        f"aligned@{args.readout}": a_r,
        "aligned@sample1": a_s1,
        "raw": pd.Series(1.0, index=pool),
        "random": rand,
    }
    overlap = len(set(a_r.index) & set(a_s1.index))
    lines = [
        f"readout transfer: run v2 read by sample@1 and by {args.readout}; K = {m}; "
        f"pool {len(pool)} personas; paired bootstrap {args.bootstrap}",
        f"aligned@{args.readout}: {len(a_r)} distinct personas; aligned@sample1: "
        f"{len(a_s1)}; in both: {overlap}",
    ]
    pairs = [(a, b) for a in list(sets)[:2] for b in ("raw", "random")]
    pairs.append((f"aligned@{args.readout}", "aligned@sample1"))
    for entry in eval_instruments(base_cfg):
        ref, desc = reference_for(runs["sample@1"], base_cfg, entry)
        if ref is None:
            continue
        Y, wy, _ = ref.matrix(entry.space)
        lines += ["", f"{entry.instrument} (humans: {desc}, {len(Y)} rows)"]
        lines.append(
            f"  {'answers read by':<20}" + "".join(f"{s:>26}" for s in sets) + "   (avg AMW/FD/SW)"
        )
        for reading, run_path in runs.items():
            table = T.persona_responses(
                run_path,
                entry.instrument,
                pd.DataFrame({"persona_id": pool, "weight": 1.0}),
            )
            X, _, _ = table.matrix(entry.space)
            ids = table.meta["persona_id"].astype(str).to_numpy()
            W = {n: pd.Series(ids).map(w).fillna(0.0).to_numpy(float) for n, w in sets.items()}
            est = {}
            for n, w in W.items():
                keep = w > 0
                mm = M.compute_all(X[keep], Y, w[keep], wy, metrics=list(AVG), seed=0)
                est[n] = float(np.mean([mm[k] for k in AVG]))
            lines.append(f"  {reading:<20}" + "".join(f"{est[n]:>26.4f}" for n in sets))
            if args.bootstrap >= 2:
                res = paired_bootstrap(
                    X, Y, W, pairs, wy=wy, metrics=list(AVG), n_boot=args.bootstrap, seed=0
                )
                for a, b in pairs:
                    r = res[f"{a} vs {b}"]
                    rel = np.mean([r[k]["relative"] for k in AVG])
                    share = np.mean([r[k]["share_better"] for k in AVG])
                    beyond = [k for k in AVG if r[k]["high"] < 0 or r[k]["low"] > 0]
                    lines.append(
                        f"    {a:>26} vs {b:<18} avg {100 * rel:+6.1f}%  "
                        + "  ".join(
                            f"{k} {r[k]['difference']:+.4f} [{r[k]['low']:+.4f}, "
                            f"{r[k]['high']:+.4f}]"
                            for k in AVG
                        )
                        + f"  closer in {100 * share:3.0f}%; beyond the interval: "
                        + (", ".join(beyond) or "none")
                    )
            print("\n".join(lines[-1:]), flush=True)
    lines += ["", f"{time.perf_counter() - t0:.0f} s"]
    text = "\n".join(lines)
    print(text)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
