"""Scale benchmark for populace.evaluate.metrics: 5,000 personas vs 1,000,000 humans.

The reference is built from the Open-Source Psychometrics Project's BIG5 file
(../shared/data/openpsychometrics/BIG5/data.csv, rows with no missed item):
BIG5 rows resampled with replacement plus N(0, 0.05^2) noise on every answer,
so its rows are distinct.  The synthetic set is 5,000 *other* BIG5 rows, no
noise, with random weights (exercising the weighted path).  For each space
(items: the 50 answers; traits: the 5 reverse-keyed trait means) it times
compute_all (all 5 metrics), noise_floor (repeats=10, n = the synthetic set's Kish effective size) and
bootstrap_ci (n_boot=200), and checks the target: metrics + noise floor
under 60 s and peak memory under 4 GB.

    .venv/bin/python benchmarks/metrics_scale.py [--reference-rows N] [--space items|traits|both]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from populace.evaluate import metrics as M

ROOT = Path(__file__).resolve().parents[1]
BIG5 = ROOT.parent / "shared" / "data" / "openpsychometrics" / "BIG5" / "data.csv"
TRAITS = "ENACO"
ITEMS = [f"{t}{i}" for t in TRAITS for i in range(1, 11)]
REVERSED = {
    "E2",
    "E4",
    "E6",
    "E8",
    "E10",
    "N1",
    "N3",
    "N5",
    "N6",
    "N7",
    "N8",
    "N9",
    "N10",  # N scored as emotional stability
    "A1",
    "A3",
    "A5",
    "A7",
    "C2",
    "C4",
    "C6",
    "C8",
    "O2",
    "O4",
    "O6",
}
TIME_TARGET_S = 60.0
MEMORY_TARGET_GB = 4.0


def load_big5(path: Path) -> np.ndarray:
    if not path.exists():
        sys.exit(f"BIG5 data not found at {path} (../shared must sit beside the repo)")
    df = pd.read_csv(path, sep="\t", usecols=ITEMS)[ITEMS]
    return df[(df != 0).all(axis=1)].to_numpy(np.float64)


def trait_scores(items: np.ndarray) -> np.ndarray:
    """(n, 5) trait means after reverse keying (6 - x); works in row blocks."""
    sign = np.array([-1.0 if c in REVERSED else 1.0 for c in ITEMS])
    shift = np.array([6.0 if c in REVERSED else 0.0 for c in ITEMS])
    out = np.empty((items.shape[0], len(TRAITS)))
    for r0 in range(0, items.shape[0], 200_000):
        keyed = items[r0 : r0 + 200_000] * sign + shift
        out[r0 : r0 + 200_000] = keyed.reshape(len(keyed), len(TRAITS), 10).mean(axis=2)
    return out


def build_reference(pool: np.ndarray, rows: int, rng: np.random.Generator) -> np.ndarray:
    ref = np.empty((rows, pool.shape[1]))
    for r0 in range(0, rows, 100_000):
        r1 = min(rows, r0 + 100_000)
        ref[r0:r1] = pool[rng.integers(0, len(pool), r1 - r0)]
        ref[r0:r1] += rng.normal(0.0, 0.05, size=(r1 - r0, pool.shape[1]))
    return ref


def unique_rows(A: np.ndarray) -> int:
    """Distinct rows via a 64-bit multiplicative hash of each row's bytes (memory-cheap)."""
    mult = np.random.default_rng(12345).integers(1, 2**63, size=A.shape[1], dtype=np.uint64) | 1
    hashes = np.empty(A.shape[0], dtype=np.uint64)
    for r0 in range(0, A.shape[0], 100_000):
        block = np.ascontiguousarray(A[r0 : r0 + 100_000]).view(np.uint64)
        hashes[r0 : r0 + 100_000] = (block * mult).sum(axis=1, dtype=np.uint64)
    return int(np.unique(hashes).size)


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB on Linux


def run_space(space: str, X: np.ndarray, wx: np.ndarray, Y: np.ndarray, args) -> dict:
    print(
        f"\n=== {space} space: synthetic {X.shape[0]:,} x {X.shape[1]} (weighted, "
        f"Kish n_eff {M.effective_sample_size(wx):,.0f}) vs reference {Y.shape[0]:,} x {Y.shape[1]} ==="
    )
    tracemalloc.start()
    t0 = time.perf_counter()
    values = M.compute_all(X, Y, wx, None, seed=args.seed)
    t_metrics = time.perf_counter() - t0
    traced_peak = tracemalloc.get_traced_memory()[1] / 1024**3
    tracemalloc.stop()
    t0 = time.perf_counter()
    n_floor = int(round(M.effective_sample_size(wx, X.shape[0])))  # as populace evaluate does
    floor = M.noise_floor(Y, n_floor, repeats=10, seed=args.seed)
    t_floor = time.perf_counter() - t0
    h = M.mmd_bandwidth(X, Y, wx, None, seed=args.seed)
    t_boot = float("nan")
    ci = None
    if args.n_boot > 0:
        t0 = time.perf_counter()
        ci = M.bootstrap_ci(X, Y, wx, None, n_boot=args.n_boot, seed=args.seed)
        t_boot = time.perf_counter() - t0

    print(
        f"{'metric':<9}{'value':>12}{'floor mean':>12}{'floor sd':>11}"
        f"{'95% CI low':>12}{'95% CI high':>12}{'boot bias':>11}"
    )
    for name, value in values.items():
        low, high, bias = (
            (ci[name]["low"], ci[name]["high"], ci[name]["bias"]) if ci else (float("nan"),) * 3
        )
        print(
            f"{name:<9}{value:>12.5f}{floor['mean'][name]:>12.5f}{floor['sd'][name]:>11.5f}"
            f"{low:>12.5f}{high:>12.5f}{bias:>11.5f}"
        )
    print(
        f"noise floor: n = {floor['n']:,} per subsample, {floor['repeats']} repeats"
        + (f" ({floor['note']})" if floor["note"] else "")
    )
    print(
        f"MMD rule: each side capped at {M.DEFAULT_MAX_N:,} rows by a seeded uniform subsample "
        f"(weights kept); Gaussian kernel, median-heuristic h = {h:.4f} "
        f"(median pairwise distance over <= 2,000 pooled rows); unbiased U-statistic"
    )
    if ci:
        print(
            f"bootstrap: {args.n_boot} replicates, reference resampled from a fixed subsample "
            f"of {ci['amw']['reference_rows']:,} rows; bias-corrected percentile CI (boot bias = replicate "
            f"mean - value, subtracted: resampling inflates distances)"
        )
    total = t_metrics + t_floor
    peak = peak_rss_gb()
    print(f"{'part':<34}{'wall s':>9}")
    print(f"{'compute_all (5 metrics)':<34}{t_metrics:>9.2f}")
    print(f"{'noise_floor (repeats=10)':<34}{t_floor:>9.2f}")
    print(f"{'metrics + noise floor':<34}{total:>9.2f}")
    print(f"{f'bootstrap_ci (n_boot={args.n_boot})':<34}{t_boot:>9.2f}")
    print(f"{'all three':<34}{total + (0 if ci is None else t_boot):>9.2f}")
    print(
        f"peak RSS so far {peak:.2f} GB (process, incl. the 1M-row data); "
        f"tracemalloc peak during compute_all {traced_peak:.2f} GB"
    )
    ok = total < TIME_TARGET_S and peak < MEMORY_TARGET_GB
    print(
        f"{'PASS' if ok else 'FAIL'}: metrics + noise floor {total:.1f} s "
        f"(target < {TIME_TARGET_S:.0f} s), peak memory {peak:.2f} GB (target < {MEMORY_TARGET_GB:.0f} GB)"
    )
    return {"ok": ok, "total": total}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference-rows", type=int, default=1_000_000)
    ap.add_argument("--synthetic-rows", type=int, default=5000)
    ap.add_argument("--space", choices=["items", "traits", "both"], default="both")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-boot", type=int, default=200, help="0 skips the bootstrap")
    ap.add_argument("--data", type=Path, default=BIG5)
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    big5 = load_big5(args.data)
    order = rng.permutation(len(big5))
    n_syn = args.synthetic_rows
    if n_syn >= len(big5):
        sys.exit(f"--synthetic-rows must be below the {len(big5)} usable BIG5 rows")
    X_items = big5[order[:n_syn]]
    pool = big5[order[n_syn:]]
    wx = rng.uniform(0.2, 5.0, size=n_syn)
    Y_items = build_reference(pool, args.reference_rows, rng)
    t_build = time.perf_counter() - t0
    print(
        f"BIG5: {len(big5):,} complete rows; synthetic = {n_syn:,} of them (no noise, "
        f"weights U(0.2, 5)); reference = {args.reference_rows:,} rows resampled from the other "
        f"{len(pool):,} + N(0, 0.05^2) noise; built in {t_build:.1f} s"
    )
    print(f"reference unique rows (64-bit row hash): {unique_rows(Y_items):,} of {len(Y_items):,}")
    print(f"numpy {np.__version__}; peak RSS after building {peak_rss_gb():.2f} GB")

    results = []
    spaces = ["items", "traits"] if args.space == "both" else [args.space]
    for space in spaces:
        if space == "items":
            results.append(run_space("items", X_items, wx, Y_items, args))
        else:
            results.append(
                run_space("traits", trait_scores(X_items), wx, trait_scores(Y_items), args)
            )
    ok = all(r["ok"] for r in results)
    print(
        f"\nOVERALL {'PASS' if ok else 'FAIL'} (each space: metrics + noise floor < "
        f"{TIME_TARGET_S:.0f} s, peak memory < {MEMORY_TARGET_GB:.0f} GB); "
        f"peak RSS {peak_rss_gb():.2f} GB"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
