"""Does the critic discriminate? The generated critic (v1) and the probability critic, side by side.

    python benchmarks/critic_validation.py                    # qwen2.5-1.5b
    python benchmarks/critic_validation.py --sample 80        # personas of the first e2e run scored

Two tests, each as the area under the ROC curve (AUC: the chance that a bad
persona scores lower than a good one; 0.5 = no discrimination):

1. **Hand labels** (benchmarks/mine_blogs_labels/labels.csv: a person read each
   persona of the mine_blogs benchmark next to its posts; pass/fail). The run
   directory is rebuilt from its committed call state (benchmarks/mine_blogs.py
   --authors 40 replays it); the generated critic's scores are the run's own,
   the probability critic scores the same personas against the same posts.
2. **Metadata contradictions**: the personas the first e2e run wrote (its run
   directory benchmarks/out/e2e_blogs/, rebuilt by
   ``python benchmarks/e2e_blogs.py --run v1 --until mine`` from its committed
   state), labelled bad when they contradict the corpus's gender or age (the
   rule check of populace.mining.facts, on the persona as written). A
   stratified sample (--sample: every contradicting persona up to half, the
   rest at random, seeded) is scored by the probability critic with the
   corpus facts in its prompt; the generated critic's scores are the run's own.

Scores compared: overall, hallucination, and the minimum of the five. Prints
AUCs and, for the probability critic, the share of personas kept at a grid of
thresholds (overall / every other) with the hand-label and contradiction
agreement, from which docs/mining.md chooses the benchmark's thresholds.
Results: benchmarks/results/critic_validation.txt. Run it under
``flock /tmp/populace-cpu.lock`` on a shared machine; scores are cached in
benchmarks/out/critic_validation/cache.sqlite (a rerun repeats no call).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

KEYS = ("hallucination", "coverage", "conciseness", "relevance", "overall")


def auc(scores, bad) -> float:
    """P(score of a good item > score of a bad one), ties counted half."""
    s, b = np.asarray(scores, float), np.asarray(bad, bool)
    good, badv = s[~b], s[b]
    if not len(good) or not len(badv):
        return float("nan")
    diff = good[:, None] - badv[None, :]
    return float(((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size)


def score_probs(run_dir: Path, pers, caller, cfg):
    """Probability-critic scores of ``pers`` (author_id, persona) against the run's posts."""
    import pandas as pd

    from populace.mining.critic import critic
    from populace.mining.prompts import Templates

    grp = pd.read_parquet(run_dir / "mining" / "group.parquet")
    cl = pd.read_parquet(run_dir / "mining" / "clean.parquet")
    df = pers[["author_id", "persona"]].assign(keep=True)
    return critic(df, grp, cl, caller, Templates.load(), cfg).set_index("author_id")


def lines_for(name, frame, bad_col) -> list[str]:
    out = [f"{name}: {len(frame)} personas, {int(frame[bad_col].sum())} bad"]
    for kind in ("gen", "prob"):
        cols = [f"{kind}_{k}" for k in KEYS]
        if not all(c in frame for c in cols):
            continue
        sub = frame.dropna(subset=cols)
        mins = sub[cols].astype(float).min(axis=1)
        out.append(
            f"  {'generated' if kind == 'gen' else 'probability':<12} critic: AUC overall "
            f"{auc(sub[f'{kind}_overall'], sub[bad_col]):.3f}, hallucination "
            f"{auc(sub[f'{kind}_hallucination'], sub[bad_col]):.3f}, min of five "
            f"{auc(mins, sub[bad_col]):.3f}  (n = {len(sub)})"
        )
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="qwen2.5-1.5b")
    ap.add_argument("--sample", type=int, default=80)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)

    import pandas as pd
    from e2e_blogs import BENCH_PROFILE_V2

    from populace.llm import load_backend
    from populace.llm.cache import CachedBackend, CallCache
    from populace.mining import MiningConfig
    from populace.mining.facts import author_facts, check
    from populace.mining.llm import StageCaller

    labelled_run = ROOT / "benchmarks" / "out" / f"mine_blogs.{args.model}.cheap"
    e2e_run = ROOT / "benchmarks" / "out" / "e2e_blogs"
    for d, how in (
        (labelled_run, "python benchmarks/mine_blogs.py --authors 40"),
        (e2e_run, "python benchmarks/e2e_blogs.py --run v1 --until mine"),
    ):
        if not (d / "mining" / "critic.parquet").exists():
            raise SystemExit(f"{d} is missing: rebuild it from its committed state with `{how}`")
    out = ROOT / "benchmarks" / "out" / "critic_validation"
    out.mkdir(parents=True, exist_ok=True)
    backend, _ = load_backend(args.model, n_ctx=2048, n_threads=args.threads)
    caller = StageCaller(CachedBackend(backend, CallCache(out / "cache.sqlite")), "critic")
    cfg = MiningConfig.from_profile("cheap", **{**BENCH_PROFILE_V2, "context_tokens": 2048})

    # 1. hand labels
    lab = pd.read_csv(
        ROOT / "benchmarks" / "mine_blogs_labels" / "labels.csv", dtype={"author_id": str}
    )
    pers = pd.read_parquet(labelled_run / "mining" / "persona.parquet")
    gen = pd.read_parquet(labelled_run / "mining" / "critic.parquet").set_index("author_id")
    pers = pers[pers["author_id"].isin(lab["author_id"]) & pers["persona"].notna()]
    prob = score_probs(labelled_run, pers, caller, cfg)
    hand = (
        lab.set_index("author_id")[["your_label"]]
        .join(gen[[f"critic_{k}" for k in KEYS]].rename(columns=lambda c: "gen_" + c[7:]))
        .join(prob[[f"critic_{k}" for k in KEYS]].rename(columns=lambda c: "prob_" + c[7:]))
    )
    hand["bad"] = hand["your_label"] != "pass"

    # 2. metadata contradictions in the first e2e run's personas
    ep = pd.read_parquet(e2e_run / "mining" / "persona.parquet")
    ep = ep[ep["status"] == "ok"].copy()
    grp = pd.read_parquet(e2e_run / "mining" / "group.parquet").set_index("author_id")
    ep["bad"] = [
        any(k in ("gender", "age") for k in check(t, author_facts(grp.loc[a].to_dict())).kinds)
        for a, t in zip(ep["author_id"], ep["persona"])
    ]
    rng = np.random.default_rng(0)
    badi = ep.index[ep["bad"]].to_numpy()
    goodi = ep.index[~ep["bad"]].to_numpy()
    nb = min(len(badi), args.sample // 2)
    pick = np.concatenate(
        [
            rng.choice(badi, nb, replace=False),
            rng.choice(goodi, min(len(goodi), args.sample - nb), replace=False),
        ]
    )
    ep = ep.loc[np.sort(pick)]
    egen = pd.read_parquet(e2e_run / "mining" / "critic.parquet").set_index("author_id")
    eprob = score_probs(e2e_run, ep, caller, cfg)
    meta = (
        ep.set_index("author_id")[["bad"]]
        .join(egen[[f"critic_{k}" for k in KEYS]].rename(columns=lambda c: "gen_" + c[7:]))
        .join(eprob[[f"critic_{k}" for k in KEYS]].rename(columns=lambda c: "prob_" + c[7:]))
    )

    lines = [
        f"critic_validation: model {args.model}; probability critic with the e2e v2 "
        "prompts and corpus facts",
        "",
    ]
    lines += lines_for("hand labels (mine_blogs, 1 pass / fail)", hand, "bad")
    lines += lines_for("first e2e run, contradicts corpus gender/age", meta, "bad")
    lines += ["", "probability critic: kept share and agreement at thresholds (overall / others)"]
    both = pd.concat([hand.assign(set="hand"), meta.assign(set="meta")])
    for ov in (5.0, 6.0, 7.0, 8.0):
        for other in (4.0, 5.0, 6.0, 7.0):
            sub = both.dropna(subset=[f"prob_{k}" for k in KEYS])
            keep = (sub["prob_overall"] >= ov) & (
                sub[[f"prob_{k}" for k in KEYS[:4]]].astype(float).min(axis=1) >= other
            )
            acc = (keep != sub["bad"]).groupby(sub["set"]).mean()
            lines.append(
                f"  {ov:.0f} / {other:.0f}: kept {keep.mean():.0%}; agreement hand "
                f"{acc.get('hand', float('nan')):.0%}, contradictions "
                f"{acc.get('meta', float('nan')):.0%}"
            )
    text = "\n".join(lines)
    print(text)
    (ROOT / "benchmarks" / "results" / "critic_validation.txt").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
