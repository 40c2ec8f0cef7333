"""Scale benchmark for populace.align: 100,000 personas against 1,000,000 humans.

Data (from ../shared/data/openpsychometrics/BIG5/data.csv, complete rows):
the reference is 1,000,000 rows resampled with replacement from the first
half of the people, each answer plus N(0, 0.05^2) noise (clipped to 1..5),
so its rows are distinct (the unique count is printed); the pool is rows of
the other half resampled the same way under an exponential tilt on the trait
scores (beta 0.5), 50 items per row.

Runs (each in a fresh subprocess so its peak memory, ``ru_maxrss``, is its
own; results kept in benchmarks/out/align_scale.json, finished runs skipped):
the default method (``populace.align.DEFAULT_METHOD`` with its default
parameters) at 10K, 30K and 100K personas x 1M humans, K = 2,000; and
``paper`` at 10K x 100K.  Wall time covers the whole ``align`` call (input
checks, reference deduplication and reduction, the method, in-sample
metrics); peak memory covers the process (including the 1M x 50 data).
Target: 100K x 1M under 10 minutes and 6 GB on this 2-core machine.

    .venv/bin/python benchmarks/align_scale.py [--fresh] [--runs default:10000:1000000 ...]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BIG5 = ROOT.parent / "shared" / "data" / "openpsychometrics" / "BIG5" / "data.csv"
OUT = ROOT / "benchmarks" / "out" / "align_scale.json"
TXT = ROOT / "benchmarks" / "results" / "align_scale.txt"
RUNS = [
    "default:10000:1000000",
    "default:30000:1000000",
    "default:100000:1000000",
    "paper:10000:100000",
]
K = 2000
TIME_TARGET_S = 600.0
MEMORY_TARGET_GB = 6.0


def make_data(n_pool, n_ref, seed=0):
    from populace.instruments import load_instrument
    from populace.reference import load_reference

    ins = load_instrument("ipip50")
    items = load_reference(BIG5, ins).items.to_numpy(np.float64)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(items))
    left, right = items[perm[: len(items) // 2]], items[perm[len(items) // 2 :]]
    ref = left[rng.integers(0, len(left), n_ref)]
    ref += rng.normal(0.0, 0.05, ref.shape)
    np.clip(ref, 1.0, 5.0, out=ref)
    z = ins.score(right)
    z = (z - z.mean(0)) / z.std(0)
    u = rng.normal(size=z.shape[1])
    t = 0.5 * z @ (u / np.linalg.norm(u))
    p = np.exp(t - t.max())
    pool = right[rng.choice(len(right), n_pool, replace=True, p=p / p.sum())]
    pool += rng.normal(0.0, 0.05, pool.shape)
    np.clip(pool, 1.0, 5.0, out=pool)
    return ins, pool, ref


def one(spec: str) -> dict:
    from populace.align import DEFAULT_METHOD, align

    method, n_pool, n_ref = spec.split(":")
    method = DEFAULT_METHOD if method == "default" else method
    ins, pool, ref = make_data(int(n_pool), int(n_ref))
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    res = align(pool, ref, ins, n=K, method=method, seed=0)
    sec = time.perf_counter() - t0
    d = res.diagnostics
    return {
        "spec": spec,
        "method": method,
        "pool": int(n_pool),
        "reference": int(n_ref),
        "seconds": sec,
        "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6,
        "load_before": load0,
        "load_after": os.getloadavg()[0],
        "stages": d["stages_seconds"],
        "reference_info": d.get("reference"),
        "space": res.params["space"],
        "k": res.k,
        "distinct": int(res.indices.size),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", nargs="+", default=RUNS)
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one)))
        return 0
    store = json.loads(OUT.read_text()) if OUT.exists() and not args.fresh else {}
    for spec in args.runs:
        if spec in store:
            continue
        print(f"running {spec} (load average {os.getloadavg()[0]:.2f}) ...", flush=True)
        proc = subprocess.run(
            [sys.executable, __file__, "--one", spec], capture_output=True, text=True
        )
        if proc.returncode != 0:
            print(proc.stderr[-3000:], file=sys.stderr)
            return 1
        store[spec] = json.loads(proc.stdout.strip().splitlines()[-1])
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(store, indent=1))
    lines = [
        f"align_scale: K={K}, 50 items, 2 cores (shared); load average now "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"{'method':8s} {'space':6s} {'pool':>8s} {'reference':>10s} {'unique ref':>10s} "
        f"{'wall s':>8s} {'peak GB':>8s} {'load':>10s}  stages (s)",
    ]
    for spec in args.runs:
        r = store.get(spec)
        if r is None:
            continue
        info = r.get("reference_info") or {}
        stages = ", ".join(f"{k} {v:.1f}" for k, v in r["stages"].items())
        lines.append(
            f"{r['method']:8s} {r['space']:6s} {r['pool']:8,d} {r['reference']:10,d} "
            f"{info.get('distinct', 0):10,d} {r['seconds']:8.1f} {r['peak_gb']:8.2f} "
            f"{r['load_before']:4.1f}/{r['load_after']:4.1f}  {stages}"
        )
    big = store.get("default:100000:1000000")
    if big:
        ok = big["seconds"] < TIME_TARGET_S and big["peak_gb"] < MEMORY_TARGET_GB
        lines.append(
            f"target 100K x 1M: {big['seconds']:.0f} s (< {TIME_TARGET_S:.0f}) and "
            f"{big['peak_gb']:.2f} GB (< {MEMORY_TARGET_GB:.0f}): "
            f"{'MET' if ok else 'NOT MET'}"
        )
    text = "\n".join(lines)
    print(text)
    if args.runs == RUNS:
        TXT.parent.mkdir(parents=True, exist_ok=True)
        TXT.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
