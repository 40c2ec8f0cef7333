"""Recovery benchmark for populace.align: can an aligner undo a biased persona pool?

Data: a human file (default ../shared/data/openpsychometrics/BIG5/data.csv,
IPIP-50, respondents with every item answered) is split per seed into
``reference`` (4,000 rows, what the aligner sees), ``test`` (4,000 rows, what
the selection is scored against), ``floor source`` (2,000 rows) and ``pool
source`` (the rest, 9,718 rows).  ``--reference-file`` / ``--test-file``
replace the reference / the test part (and its floor source) by other files.

Pools (6,000 personas each, ``--pool``) are drawn from the pool source without
replacement with probability proportional to an exponential tilt
``exp(beta * z . u)`` on the standardised trait scores ``z`` (``beta`` = 0.5,
``--beta``; ``u`` a seeded random unit direction):

* ``full``: the tilted draw as answered (full human spread);
* ``compressed``: the same draw with every answer pulled toward the item's
  mean, ``mean + lambda (x - mean)`` with ``lambda`` = 0.5 (as LLM answers
  are; floats).

Each method selects K = 2,000 personas; the selection's trait scores are
scored against the test part with the five metrics (populace.evaluate).  Two
floors: a random K-row sample of the floor source (another sample of the test
population: the noise floor) and a random K-row sample of the reference.  A
third row, ``reference_all``, scores the whole reference against the test
part: what a selection that reproduced the reference exactly would still
score (e.g. for corrMAE, the reference's own sampling error).
``avg4`` = mean over AMW, FD, SW, MMD of (metric / that metric for ``random``
on the full pool, same seed), with the unbiased MMD clipped at 0: ``random``
on the full pool is 1.0 and each metric counts equally whatever its units.
"x refS" = avg4 / avg4 of the reference-sample floor (the target is <= 1.2).

Results go to benchmarks/out/align_recovery.json (resumable: finished
seed x pool x method runs are skipped); the table printed at the end is also
written to benchmarks/results/align_recovery.txt.

    .venv/bin/python benchmarks/align_recovery.py [--seeds 0 1 2] [--methods ...]
        [--reference-file F] [--test-file F] [--json] [--fresh]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from populace.align import align
from populace.evaluate.metrics import compute_all
from populace.instruments import load_instrument
from populace.reference import load_reference

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _align_targets import DEFAULT_LABEL, target_checks  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIG5 = ROOT.parent / "shared" / "data" / "openpsychometrics" / "BIG5" / "data.csv"
OUT = ROOT / "benchmarks" / "out" / "align_recovery.json"
TXT = ROOT / "benchmarks" / "results" / "align_recovery.txt"
K = 2000
SIZES = {"reference": 4000, "test": 4000, "floor": 2000}
CONFIG = {"beta": 0.5, "pool": 6000}
LAMBDA = 0.5
FOUR = ("amw", "fd", "sw", "mmd")
METRICS = FOUR + ("corr_mae",)

# label -> (method, align kwargs)
METHODS = {
    "random": ("random", {}),
    "paper[top,rowsum]": ("paper", {}),
    "paper[sample,rowsum]": ("paper", {"is_select": "sample"}),
    "paper[top,gibbs]": ("paper", {"readout": "gibbs"}),
    "paper[top,matching]": ("paper", {"readout": "matching"}),
    "paper[scott,top,rowsum]": ("paper", {"bandwidth": "scott"}),
    "paper[traits,top,rowsum]": ("paper", {"space": "traits"}),
    "semi_ot[dup]": ("semi_ot", {"duplicates": True}),
    "semi_ot[nodup]": ("semi_ot", {}),
    "semi_ot[IS,dup]": ("semi_ot", {"use_is": True, "duplicates": True}),
    "semi_ot[traits,dup]": ("semi_ot", {"space": "traits", "duplicates": True}),
    "matched[items]": ("matched", {"space": "items"}),
    "matched[traits]": ("matched", {}),
    "herding[traits,greedy,nodup]": (
        "herding",
        {"refine": 0, "duplicates": False, "scales": (1.0,)},
    ),
    "herding[items,nodup]": ("herding", {"space": "items", "duplicates": False, "scales": (1.0,)}),
    "herding[traits,nodup]": ("herding", {"duplicates": False, "scales": (1.0,)}),
    "herding[items,dup]": ("herding", {"space": "items", "max_repeat": None, "scales": (1.0,)}),
    "herding[traits,dup,no cap]": ("herding", {"max_repeat": None, "scales": (1.0,)}),
    "herding[corr=0]": ("herding", {"corr_weight": 0.0}),
    "herding (default)": ("herding", {}),
}
# variants measured while choosing the default (run with --methods LABEL ...)
EXTRA = {
    "herding[traits,energy]": ("herding", {"kernel": "energy"}),
    "herding[traits,multi]": ("herding", {"scales": (0.5, 1.0, 2.0)}),
    "herding[traits,rep<=2,h]": ("herding", {"scales": (1.0,)}),
    "herding[traits,rep<=2,h*2]": ("herding", {"scales": (2.0,)}),
    "herding[traits,rep<=2,h/4]": ("herding", {"scales": (0.25,)}),
    "herding[traits,rep<=2,h/3]": ("herding", {"scales": (1 / 3,)}),
    "herding[traits,rep<=2,h/2+h]": ("herding", {"scales": (0.5, 1.0)}),
    "herding[traits,rep<=2,g+e]": ("herding", {"kernel": "gaussian+energy", "scales": (1.0,)}),
    "herding[traits,rep<=3]": ("herding", {"max_repeat": 3, "scales": (1.0,)}),
    "herding[traits,rep<=5]": ("herding", {"max_repeat": 5, "scales": (1.0,)}),
    "herding[traits,rep<=10]": ("herding", {"max_repeat": 10, "scales": (1.0,)}),
    "herding[corr=1]": ("herding", {"corr_weight": 1.0}),
    "herding[corr=3]": ("herding", {"corr_weight": 3.0}),
    "herding[corr=10]": ("herding", {"corr_weight": 10.0}),
    "herding[corr=30]": ("herding", {"corr_weight": 30.0}),
    "herding[corr=100]": ("herding", {"corr_weight": 100.0}),
    "herding[corr=10,refine=4]": ("herding", {"corr_weight": 10.0, "refine": 4}),
}


def split(n, seed, ref_external, test_external):
    rng = np.random.default_rng([seed, 77])
    perm = rng.permutation(n)
    parts, at = {}, 0
    for name in ("reference", "test", "floor"):
        external = (name == "reference" and ref_external) or (
            name in ("test", "floor") and test_external
        )
        if external:
            continue
        parts[name] = perm[at : at + SIZES[name]]
        at += SIZES[name]
    parts["pool_source"] = perm[at:]
    return parts


def make_pools(items, ins, seed):
    rng = np.random.default_rng([seed, 88])
    z = ins.score(items)
    z = (z - z.mean(0)) / z.std(0)
    u = rng.normal(size=z.shape[1])
    u /= np.linalg.norm(u)
    t = CONFIG["beta"] * z @ u
    p = np.exp(t - t.max())
    pick = rng.choice(len(items), size=CONFIG["pool"], replace=False, p=p / p.sum())
    full = items[pick]
    mean = items.mean(0)
    return {"full": full, "compressed": mean + LAMBDA * (full - mean)}


def scores(ins, items):
    return ins.score(items)


def load_store(fresh):
    if OUT.exists() and not fresh:
        return json.loads(OUT.read_text())
    return {}


def save_store(store):
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".tmp")
    tmp.write_text(json.dumps(store, indent=1))
    os.replace(tmp, OUT)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--human-file", default=str(BIG5))
    ap.add_argument("--reference-file")
    ap.add_argument("--test-file")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument(
        "--methods",
        nargs="+",
        default=list(METHODS),
        help=f"labels among {', '.join(list(METHODS) + list(EXTRA))}",
    )
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    ap.add_argument("--fresh", action="store_true", help="ignore stored results")
    ap.add_argument("--beta", type=float, default=CONFIG["beta"], help="tilt strength")
    ap.add_argument("--pool", type=int, default=CONFIG["pool"], help="pool size")
    args = ap.parse_args(argv)
    ins = load_instrument("ipip50")
    human = load_reference(args.human_file, ins).items.to_numpy(float)
    ref_ext = (
        load_reference(args.reference_file, ins).items.to_numpy(float)
        if args.reference_file
        else None
    )
    test_ext = load_reference(args.test_file, ins).items.to_numpy(float) if args.test_file else None
    store = load_store(args.fresh)
    CONFIG.update(beta=args.beta, pool=args.pool)
    tag = (
        f"{Path(args.human_file).name}|{args.reference_file}|{args.test_file}|"
        f"beta={CONFIG['beta']}|pool={CONFIG['pool']}"
    )
    for seed in args.seeds:
        parts = split(len(human), seed, ref_ext is not None, test_ext is not None)
        ref = ref_ext if ref_ext is not None else human[parts["reference"]]
        if test_ext is not None:
            rng = np.random.default_rng([seed, 99])
            perm = rng.permutation(len(test_ext))
            n_floor = min(SIZES["floor"], len(test_ext) // 3)  # small files: a third
            floor_src = test_ext[perm[:n_floor]]
            test = test_ext[perm[n_floor:]]
        else:
            test, floor_src = human[parts["test"]], human[parts["floor"]]
        test_s = scores(ins, test)
        rng = np.random.default_rng([seed, 11])
        fkey = f"{tag}|{seed}|floors"
        if fkey not in store:
            fl = {}
            for name, src in (("noise", floor_src), ("reference_sample", ref)):
                # K rows (drawn with replacement only if the source is smaller than K)
                s = scores(ins, src[rng.choice(len(src), K, replace=len(src) < K)])
                fl[name] = compute_all(s, test_s, seed=seed)
            store[fkey] = fl
            save_store(store)
        if "reference_all" not in store[fkey]:
            # the whole reference against the test part: the error an aligner that
            # reproduced the reference exactly would still have (its sampling error)
            store[fkey]["reference_all"] = compute_all(scores(ins, ref), test_s, seed=seed)
            save_store(store)
        pools = make_pools(human[parts["pool_source"]], ins, seed)
        for pool_name, pool in pools.items():
            for label in args.methods:
                key = f"{tag}|{seed}|{pool_name}|{label}"
                if key in store:
                    continue
                method, kw = {**METHODS, **EXTRA}[label]
                kw = dict(kw)
                t0 = time.perf_counter()
                res = align(pool, ref, ins, n=K, method=method, seed=seed, in_sample=False, **kw)
                sec = time.perf_counter() - t0
                # a persona chosen c times counts as c rows (so duplicates pay their
                # price in MMD's within-set term, as a K-persona set would)
                sel = scores(ins, np.repeat(pool[res.indices], res.counts, axis=0))
                m = compute_all(sel, test_s, seed=seed)
                m["seconds"] = sec
                m["load"] = os.getloadavg()[0]
                m["diag"] = _small_diag(res.diagnostics)
                m["distinct"] = int(res.indices.size)
                store[key] = m
                save_store(store)
                print(
                    f"seed {seed} {pool_name:10s} {label:28s} {sec:7.1f}s  "
                    + " ".join(f"{k}={m[k]:.4g}" for k in METRICS),
                    flush=True,
                )
    summary = summarise(store, tag, args.seeds, args.methods)
    summary["targets"] = target_checks(summary)
    text = render(summary, args)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(text)
    if not (args.reference_file or args.test_file or args.json) and args.methods == list(METHODS):
        TXT.parent.mkdir(parents=True, exist_ok=True)
        TXT.write_text(text + "\n")


def _small_diag(d):
    out = {}
    if "importance_sampling" in d:
        out["is_ess"] = d["importance_sampling"]["ess"]
        out["is_log_range"] = d["importance_sampling"]["log_range_nats"]
    if "ot" in d:
        out["ot_relative_range"] = d["ot"]["weights"]["relative_range"]
        out["ot_ess"] = d["ot"]["weights"]["ess"]
    return out


def avg4(r, unit):
    """Mean over AMW, FD, SW, MMD of metric / random-selection value on the full pool
    (same seed); MMD (unbiased, can dip below 0) is clipped at 0."""
    return float(np.mean([max(r[k], 0.0) / unit[k] for k in FOUR]))


def summarise(store, tag, seeds, methods):
    out = {}
    for pool in ("full", "compressed"):
        per = {}
        floors = {"noise": [], "reference_sample": [], "reference_all": []}
        rows = {label: [] for label in methods}
        for seed in seeds:
            fl = store.get(f"{tag}|{seed}|floors")
            if fl is None:
                continue
            unit = store.get(f"{tag}|{seed}|full|random")
            if unit is None:
                continue
            for name in floors:
                if name in fl:
                    floors[name].append({**fl[name], "avg4": avg4(fl[name], unit)})
            for label in methods:
                r = store.get(f"{tag}|{seed}|{pool}|{label}")
                if r is not None:
                    rows[label].append({**r, "avg4": avg4(r, unit)})
        keys = METRICS + ("avg4",)
        per["floors"] = {
            n: {
                **{k: float(np.mean([r[k] for r in v])) for k in keys},
                "seconds": 0.0,
            }  # no selection to time
            for n, v in floors.items()
            if v
        }
        per["methods"] = {}
        for label, v in rows.items():
            if v:
                d = {k: float(np.mean([r[k] for r in v])) for k in keys + ("seconds", "distinct")}
                d["n_seeds"] = len(v)
                diag = [r.get("diag", {}) for r in v]
                for dk in ("is_ess", "ot_relative_range", "ot_ess"):
                    vals = [x[dk] for x in diag if dk in x]
                    if vals:
                        d[dk] = float(np.mean(vals))
                per["methods"][label] = d
        out[pool] = per
    return out


def render(summary, args):
    lines = [
        f"align_recovery: K={K}, pool={CONFIG['pool']}, tilt beta={CONFIG['beta']}, "
        "compression "
        f"lambda={LAMBDA}, seeds={args.seeds}, scored in trait space against the "
        f"held-out test part; load average now "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        "avg4 = mean over AMW, FD, SW, MMD (clipped at 0) of metric / random's value "
        "on the full pool; vs rnd = avg4 change against random on the same pool; "
        "x refS = avg4 / reference-sample floor's avg4",
    ]
    for pool, per in summary.items():
        if pool == "targets":
            continue
        lines.append("")
        lines.append(f"== {pool} pool ==")
        lines.append(
            f"{'method':28s} {'AMW':>8s} {'FD':>8s} {'SW':>8s} {'MMD':>9s} "
            f"{'corrMAE':>8s} {'avg4':>6s} {'vs rnd':>7s} {'x refS':>6s} {'sec':>6s} "
            f"{'distinct':>8s}"
        )
        rnd = per["methods"].get("random", {}).get("avg4")
        refs = per["floors"].get("reference_sample", {}).get("avg4")
        for name, d in per["floors"].items():
            lines.append(
                f"{'floor: ' + name:28s} {d['amw']:8.4f} {d['fd']:8.4f} {d['sw']:8.4f} "
                f"{d['mmd']:9.5f} {d['corr_mae']:8.4f} {d['avg4']:6.3f}"
            )
        for label, d in per["methods"].items():
            vs = f"{100 * (d['avg4'] / rnd - 1):+6.0f}%" if rnd else ""
            xr = f"{d['avg4'] / refs:6.2f}" if refs else ""
            extra = ""
            if "is_ess" in d:
                extra += f"  IS ESS={d['is_ess']:.1f}"
            if "ot_relative_range" in d:
                extra += f"  OT weight range/mean={d['ot_relative_range']:.1e}"
            lines.append(
                f"{label:28s} {d['amw']:8.4f} {d['fd']:8.4f} {d['sw']:8.4f} "
                f"{d['mmd']:9.5f} {d['corr_mae']:8.4f} {d['avg4']:6.3f} {vs:>7s} "
                f"{xr:>6s} {d['seconds']:6.1f} {d['distinct']:8.0f}{extra}"
            )
    lines += ["", f"== targets (default = {DEFAULT_LABEL!r}, mean of the seeds) =="]
    for t in summary.get("targets", []):
        verdict = {True: "MET", False: "NOT MET", None: "not run"}[t["met"]]
        detail = "" if t["detail"] == "not run" else f" ({t['detail']})"
        lines.append(f"- {t['target']}: {verdict}{detail}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
