"""Survey readouts compared on held-out humans (issue 19, deliver 4).

    python benchmarks/survey_readouts.py                  # the first e2e run (--run v1)
    python benchmarks/survey_readouts.py --bootstrap 0    # point values only

Reads a finished run directory of benchmarks/e2e_blogs.py (its persona pool
surveyed on ipip50, cfcs12 and grit12, with the long tables of option
probabilities) and reads every answer again under each readout of
populace.survey.readout, without a model call:

- sample, expected and argmax at option temperatures 0.5, 0.7, 1, 1.5, 2
  (argmax does not depend on T: one row);
- contrastive (log p given the persona minus log p with no persona, softmax
  at T = 0.5, 1, 2), read by sample or expected;
- amplified (the persona's change amplified on the bare model's answer,
  q (p/q)^(1/T), T = 0.5, 0.7), read by sample or expected;
- centred (each persona's difference from the pool's own centre c, the
  geometric mean of the pool's option probabilities, amplified:
  c (p/c)^(1/T), T = 0.5, 0.2, 0.1, 0.07, 0.05), read by sample or expected.
  The no-persona set's rows are alike, so it reads as p (sample@1) there.

Each readout is applied to the raw pool (the personas complete on the align
instrument, as the pipeline's ``raw`` set) and to the no-persona set (N = K
respondents sharing one request per item, as the pipeline's ``no_persona``
sets), so a readout cannot win by spreading answers alone. Humans: in domain,
the held-out half of BIG5 made by the pipeline's own split
(populace.pipeline.tables.split_reference with the run's config); out of
domain, the CFCS and Grit files. Metrics AMW/FD/SW/MMD (populace.evaluate, in
the evaluation's space), their AMW/FD/SW average, the pool/human trait SD
ratio per Big Five trait, and Cronbach's alpha per trait (pool vs humans:
whether a trait's items move together from persona to persona, the pool-level
view of persona sensitivity). Paired bootstrap intervals (personas and humans
redrawn together) for the best readouts against sample@1 and against the
no-persona sets. Resumable: each computed row is kept in RUN/readouts/metrics.csv
and read back by a rerun if the run's long tables are unchanged (same size and
mtime; --fresh recomputes).

The no-persona option probabilities come from the run's call cache (the
evaluate stage asked them); a miss is computed with one request per item
through the run's model. Prints the tables and saves them to
benchmarks/results/survey_readouts.txt (survey_readouts_v2.txt for --run v2).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from populace.evaluate import metrics as M  # noqa: E402
from populace.instruments import load_instrument  # noqa: E402
from populace.reference import load_reference  # noqa: E402
from populace.survey.readout import Readout, baseline_probs, wide_answers  # noqa: E402

TEMPS = (0.5, 0.7, 1.0, 1.5, 2.0)
CONTRAST_TEMPS = (0.5, 1.0, 2.0)
AMPLIFY_TEMPS = (0.5, 0.7)
CENTRED_TEMPS = (0.5, 0.2, 0.1, 0.07, 0.05)
METRICS = ("amw", "fd", "sw", "mmd")
INSTRUMENTS = ("ipip50", "cfcs12", "grit12")
DEFAULT = Readout("sample", 1.0)


def readouts() -> list[Readout]:
    out = [Readout(m, t) for m in ("sample", "expected") for t in TEMPS]
    out.append(Readout("argmax"))
    out += [Readout(m, t, "contrastive") for m in ("sample", "expected") for t in CONTRAST_TEMPS]
    out += [Readout(m, t, "amplified") for m in ("sample", "expected") for t in AMPLIFY_TEMPS]
    out += [Readout(m, t, "centred") for m in ("sample", "expected") for t in CENTRED_TEMPS]
    return out


class _LazyModel:
    """The run's model, opened only if a no-persona request misses the cache."""

    def __init__(self, cfg, fingerprint: str):
        self.cfg, self.fingerprint, self.backend, self.calls = cfg, fingerprint, None, 0

    def choice_probs(self, requests):
        if self.backend is None:
            from populace.pipeline.runner import _Backend

            print(
                f"no-persona: {len(requests)} request(s) not in the cache; opening "
                f"{self.cfg.model.name}",
                flush=True,
            )
            self.backend = _Backend(self.cfg)()
            if self.backend.fingerprint != self.fingerprint:
                raise SystemExit(
                    f"the model's fingerprint {self.backend.fingerprint} is not "
                    f"the cache's {self.fingerprint}"
                )
        self.calls += len(requests)
        return self.backend.choice_probs(requests)

    def generate(self, requests, **kw):
        raise NotImplementedError("readouts need option probabilities only")

    def close(self):
        if self.backend is not None:
            self.backend.close()


def cache_fingerprint(cache: Path) -> str:
    with sqlite3.connect(cache) as con:
        fps = [r[0] for r in con.execute("SELECT DISTINCT model FROM calls WHERE kind='choice'")]
    if len(fps) != 1:
        raise SystemExit(f"{cache}: expected one model among its choice calls, found {fps}")
    return fps[0]


def no_persona_long(run_path: Path, cfg, instrument: str, n: int, model: _LazyModel):
    from populace.survey import survey

    res = survey(
        None,
        instrument,
        backend=model,
        no_persona=True,
        n=n,
        mode="sample",
        seed=cfg.survey.seed,
        temperature=1.0,
        cache=run_path / "cache.sqlite",
        prompt_dir=cfg.survey.prompts,
        progress=False,
    )
    return res.long, res.meta


def alpha(ins, wide: pd.DataFrame) -> dict[str, float]:
    """Cronbach's alpha of each trait's keyed items over the rows of ``wide``."""
    x = ins.keyed(wide[ins.item_ids].to_numpy(float))
    x = x[~np.isnan(x).any(axis=1)]
    out = {}
    for t in ins.trait_ids:
        cols = [j for j, it in enumerate(ins.items) if it.trait == t]
        k, v = len(cols), x[:, cols].var(axis=0, ddof=1)
        tot = x[:, cols].sum(axis=1).var(ddof=1)
        out[t] = float(k / (k - 1) * (1 - v.sum() / tot)) if tot > 0 else float("nan")
    return out


def avg3(m: dict) -> float:
    return float(np.mean([m["amw"], m["fd"], m["sw"]]))


def paired_avg3(xa, xb, y, *, same_rows: bool, n_boot: int, seed: int, max_ref: int = 20000):
    """Bootstrap of avg3(a) - avg3(b) with the humans' draw shared (and the persona
    draw shared when ``same_rows``: a and b are the same personas read two ways).
    Returns (difference, low, high, relative a/b - 1, share of replicates a better)."""
    rng = np.random.default_rng([seed, 97])
    est = {
        k: avg3(M.compute_all(x, y, metrics=["amw", "fd", "sw"], seed=seed))
        for k, x in (("a", xa), ("b", xb))
    }
    d = []
    for _ in range(n_boot):
        iy = rng.integers(len(y), size=min(len(y), max_ref))
        ia = rng.integers(len(xa), size=len(xa))
        ib = ia if same_rows else rng.integers(len(xb), size=len(xb))
        yb = y[iy]
        d.append(
            avg3(M.compute_all(xa[ia], yb, metrics=["amw", "fd", "sw"], seed=seed))
            - avg3(M.compute_all(xb[ib], yb, metrics=["amw", "fd", "sw"], seed=seed))
        )
    diff = est["a"] - est["b"]
    d = np.array(d)
    lo, hi = np.quantile(d, [0.025, 0.975]) - (d.mean() - diff)  # bias-corrected percentile
    return diff, float(lo), float(hi), est["a"] / est["b"] - 1, float((d < 0).mean())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run", choices=["v1", "v2"], default="v1")
    ap.add_argument("--bootstrap", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--fresh",
        action="store_true",
        help="recompute every row (default: reuse RUN/readouts/metrics.csv)",
    )
    ap.add_argument(
        "--results",
        type=Path,
        default=None,
        help="the printout's file (default benchmarks/results/survey_readouts.txt for "
        "--run v1, survey_readouts_v2.txt for v2)",
    )
    args = ap.parse_args(argv)
    if args.results is None:
        suffix = "" if args.run == "v1" else f"_{args.run}"
        args.results = ROOT / "benchmarks" / "results" / f"survey_readouts{suffix}.txt"

    import e2e_blogs

    from populace.pipeline import tables as T

    cfg = e2e_blogs.full_run_config(args.run, threads=args.threads, bootstrap=args.bootstrap)
    run_path = Path(cfg.dir)
    for i in INSTRUMENTS:
        if not (run_path / "responses" / f"{i}.long.parquet").exists():
            raise SystemExit(
                f"{run_path}/responses/{i}.long.parquet is missing: run "
                f"benchmarks/e2e_blogs.py --run {args.run} --until survey first"
            )
    t0 = time.perf_counter()
    ev, a = cfg.evaluate, cfg.align
    n_none = ev.no_persona_n or a.k  # the pipeline's N (no_persona_n, else K)
    pool_ids = T.complete_ids(run_path, a.instrument)
    model = _LazyModel(cfg, cache_fingerprint(run_path / "cache.sqlite"))
    lines = [
        (
            f"survey readouts: run {args.run} ({run_path.name}), model {cfg.model.name}, "
            f"raw pool {len(pool_ids)} personas, no-persona N = {n_none}, "
            f"paired bootstrap {args.bootstrap}"
        )
    ]

    refs, data = {}, {}
    for entry in ev.instruments:
        if entry.instrument not in INSTRUMENTS:
            continue
        i = entry.instrument
        if i == a.instrument:
            ref = T.load_ref(a.reference, i, seed=cfg.seed)
            _, hold = T.split_reference(ref, a.holdout, a.seed)
            refs[i] = (hold, f"held-out {a.holdout:.0%} of BIG5 (the pipeline's split)")
        else:
            refs[i] = (
                T.load_ref(entry.reference, i, seed=cfg.seed),
                Path(entry.reference.path).parent.name,
            )
        long = pd.read_parquet(run_path / "responses" / f"{i}.long.parquet")
        long = long[long["persona_id"].astype(str).isin(pool_ids)]
        nlong, meta = no_persona_long(run_path, cfg, i, n_none, model)
        data[i] = (long, nlong, baseline_probs(nlong), entry.space)
        lines.append(
            f"{i}: humans {refs[i][1]}, {len(refs[i][0])} rows; no-persona requests "
            f"(one per item): {meta['cache_hits']} from the run's cache, "
            f"{meta['model_calls']} to the model"
        )
    model.close()

    # rows already computed (same run, same readout) are read back: resumable on a busy machine
    done_path = run_path / "readouts" / "metrics.csv"
    done = (
        pd.read_csv(done_path)
        if done_path.exists() and not args.fresh
        else pd.DataFrame(columns=["instrument", "readout", "set"])
    )
    # a row counts only if it was computed from the long tables as they are now (a rerun
    # of the run's survey stage rewrites them): each row carries their stamp
    stamps = {
        i: f"{st.st_size}:{st.st_mtime_ns}"
        for i in data
        for st in [(run_path / "responses" / f"{i}.long.parquet").stat()]
    }
    done = {
        (r["instrument"], r["readout"], r["set"]): r.dropna().to_dict()
        for _, r in done.iterrows()
        if r["instrument"] in stamps and r.get("source") == stamps[r["instrument"]]
    }
    rows, tabs = [], {}
    for i, (long, nlong, base, space) in data.items():
        ins = load_instrument(i)
        ref, _ = refs[i]
        sp = ref.effective_space(space)
        y, wy, _ = ref.matrix(sp)
        h_sd = ref.trait_scores().std(ddof=0) if ins.traits else None
        h_alpha = alpha(ins, ref.items) if ins.traits else None
        for r in readouts():
            for set_name, lt in (("raw", long), ("none", nlong)):
                if (i, r.name, set_name) in done and args.bootstrap < 2:
                    rows.append(done[(i, r.name, set_name)])  # no answer table needed
                    continue
                wide = wide_answers(lt, r, baseline=base, seed=cfg.survey.seed, items=ins.item_ids)
                table = load_reference(wide, i)
                x, _, _ = table.matrix(sp)
                tabs[(i, r.name, set_name)] = x
                if (i, r.name, set_name) in done:
                    rows.append(done[(i, r.name, set_name)])
                    continue
                m = M.compute_all(x, y, None, wy, metrics=list(METRICS), seed=ev.seed)
                row = {
                    "instrument": i,
                    "readout": r.name,
                    "set": set_name,
                    "source": stamps[i],
                    **m,
                    "avg3": avg3(m),
                }
                if set_name == "raw" and ins.traits:
                    sd = table.trait_scores().std(ddof=0)
                    row.update({f"sd_ratio[{t}]": sd[t] / h_sd[t] for t in ins.trait_ids})
                    row.update({f"alpha[{t}]": v for t, v in alpha(ins, wide).items()})
                rows.append(row)
                done[(i, r.name, set_name)] = row
                done_path.parent.mkdir(parents=True, exist_ok=True)
                pd.DataFrame(list(done.values())).to_csv(done_path, index=False)
        if h_alpha:
            rows.append(
                {
                    "instrument": i,
                    "readout": "humans",
                    "set": "humans",
                    **{f"alpha[{t}]": v for t, v in h_alpha.items()},
                }
            )
    df = pd.DataFrame(rows)

    names = [r.name for r in readouts()]
    for i in data:
        d = df[df["instrument"] == i]
        raw, none = (
            d[d["set"] == "raw"].set_index("readout"),
            d[d["set"] == "none"].set_index("readout"),
        )
        best_none = none["avg3"].min()
        lines += [
            "",
            (
                f"{i} ({'in domain' if i == cfg.align.instrument else 'out of domain'}; "
                f"{refs[i][1]}): raw pool | no-persona set, lower is better; "
                "raw/none = raw avg vs the no-persona set read the same way"
            ),
            f"  {'readout':<24}"
            + "".join(f"{m:>8}" for m in METRICS)
            + f"{'avg3':>8} |"
            + "".join(f"{m:>8}" for m in METRICS)
            + f"{'avg3':>8} |{'raw/none':>9}",
        ]
        for n in names:
            a_, b_ = raw.loc[n], none.loc[n]
            lines.append(
                f"  {n:<24}"
                + "".join(f"{a_[m]:>8.4f}" for m in METRICS)
                + f"{a_['avg3']:>8.4f} |"
                + "".join(f"{b_[m]:>8.4f}" for m in METRICS)
                + f"{b_['avg3']:>8.4f} |{100 * (a_['avg3'] / b_['avg3'] - 1):>+8.1f}%"
            )
        lines.append(
            f"  best raw: {raw['avg3'].idxmin()} ({raw['avg3'].min():.4f}); best "
            f"no-persona: {none['avg3'].idxmin()} ({best_none:.4f}); sample@1 raw "
            f"{raw.loc[DEFAULT.name, 'avg3']:.4f}"
        )
        if ins_traits := load_instrument(i).trait_ids:
            hum = d[d["set"] == "humans"].iloc[0]
            lines += [
                "",
                f"  {i} raw pool: trait SD ratio pool/human | Cronbach's alpha "
                f"(humans: " + ", ".join(f"{t} {hum[f'alpha[{t}]']:.2f}" for t in ins_traits) + ")",
                f"  {'readout':<24}"
                + "".join(f"{t:>7}" for t in ins_traits)
                + "  |"
                + "".join(f"{t:>7}" for t in ins_traits),
            ]
            for n in names:
                a_ = raw.loc[n]
                lines.append(
                    f"  {n:<24}"
                    + "".join(f"{a_[f'sd_ratio[{t}]']:>7.2f}" for t in ins_traits)
                    + "  |"
                    + "".join(f"{a_[f'alpha[{t}]']:>7.2f}" for t in ins_traits)
                )

    # one ranking over the three instruments: avg3 relative to sample@1, averaged
    rel = {}
    for n in names:
        rel[n] = np.mean(
            [
                df[(df.instrument == i) & (df.readout == n) & (df.set == "raw")]["avg3"].iloc[0]
                / df[(df.instrument == i) & (df.readout == DEFAULT.name) & (df.set == "raw")][
                    "avg3"
                ].iloc[0]
                - 1
                for i in data
            ]
        )
    order = sorted(names, key=lambda n: rel[n])
    lines += [
        "",
        (
            "raw pool, avg of AMW/FD/SW relative to sample@1, mean over "
            f"{', '.join(data)} (negative = closer to the humans):"
        ),
    ]

    def raw_avg3(i, n):
        sel = (df.instrument == i) & (df.readout == n) & (df.set == "raw")
        return df[sel]["avg3"].iloc[0]

    lines += [
        f"  {n:<24} {100 * rel[n]:+6.1f}%   ("
        + ", ".join(
            f"{i} {100 * (raw_avg3(i, n) / raw_avg3(i, DEFAULT.name) - 1):+.1f}%" for i in data
        )
        + ")"
        for n in order
    ]

    if args.bootstrap >= 2:

        def best(inss, prefix=""):
            sub = df[
                (df.set == "raw") & df.instrument.isin(inss) & df.readout.str.startswith(prefix)
            ]
            return sub.groupby("readout")["avg3"].mean().idxmin()

        ood = [i for i in data if i != cfg.align.instrument]
        cands = list(
            dict.fromkeys(
                [
                    order[0],
                    best([cfg.align.instrument]),
                    best(ood),
                    best(list(data), "contrastive-"),
                    best(list(data), "amplified-"),
                    best(list(data), "centred-"),
                ]
            )
        )
        lines += [
            "",
            (
                f"Paired bootstrap ({args.bootstrap} replicates; humans redrawn once per "
                "replicate for both sides, personas too when both sides are the raw pool) of "
                "the avg of AMW/FD/SW, a minus b [95% CI], relative a/b - 1, share of "
                f"replicates a is closer; candidates: {', '.join(cands)}"
            ),
        ]
        for i in data:
            none = df[(df.instrument == i) & (df.set == "none")].set_index("readout")
            bn = none["avg3"].idxmin()
            y = refs[i][0].matrix(refs[i][0].effective_space(data[i][3]))[0]
            comps = [
                (c, f"raw {DEFAULT.name}", tabs[(i, DEFAULT.name, "raw")], True)
                for c in cands
                if c != DEFAULT.name
            ]
            comps += [
                (c, f"none {bn} (best none)", tabs[(i, bn, "none")], False)
                for c in dict.fromkeys([DEFAULT.name, *cands[:2]])
            ]
            for c, label, xb, same in comps:
                diff, lo, hi, relv, share = paired_avg3(
                    tabs[(i, c, "raw")], xb, y, same_rows=same, n_boot=args.bootstrap, seed=ev.seed
                )
                flag = "beyond" if hi < 0 or lo > 0 else "within"
                lines.append(
                    f"  {i:<7} raw {c:<24} vs {label:<32} {diff:+.4f} "
                    f"[{lo:+.4f}, {hi:+.4f}] {100 * relv:+6.1f}%  "
                    f"closer in {100 * share:3.0f}%  ({flag} the interval)"
                )
                print(lines[-1], flush=True)
    lines += [
        "",
        (f"{time.perf_counter() - t0:.0f} s; no-persona requests sent to the model: {model.calls}"),
    ]
    text = "\n".join(lines)
    print(text)
    if args.results:
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(text + "\n")
        df.to_csv(args.results.with_suffix(".csv"), index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
