"""Are mined personas faithful to their authors' gender and age? On bloggers no benchmark has used.

    flock /tmp/populace-cpu.lock python benchmarks/facts_fresh.py          # qwen2.5-1.5b, 50 bloggers
    python benchmarks/facts_fresh.py --authors 10                           # fewer

The Blog Authorship Corpus's file names give each blogger's gender and age. The
first e2e run (v1: no facts in the prompt, no check) wrote personas of which
41.6% contradicted them. This benchmark mines the **last** N bloggers of
../shared/data/blogs in file order (the e2e runs take the first 300 and 600,
mine_blogs the first 40, the throughput benchmark bloggers among the first
600), with the e2e v2 run's mining settings (benchmarks/e2e_blogs.py,
``BENCH_PROFILE_V2``: facts in the prompt, the rule check with repair, context
QC, the probability critic), and counts:

- **written**: personas the model wrote, and the share that contradict the
  corpus on gender (pronouns, gendered self-nouns) or on age by more than 3
  years, as written, before any repair (what the prompt's facts did);
- **repaired / dropped** by the facts check (populace.mining.facts);
- **kept** (after the critic and the grounding rules): the share that still
  contradict by the same rule (0 unless the repair misses), and by a stricter
  rule that no repair targets: any pronoun of the other gender at all.

The same counts for the first run's kept personas (its run directory
benchmarks/out/e2e_blogs, rebuilt by ``python benchmarks/e2e_blogs.py --run v1
--until mine``) are printed beside them when it is there.

Resumable: the calls are cached in benchmarks/out/facts_fresh/cache.sqlite and
saved to benchmarks/state/facts_fresh.MODEL.calls.* every 10 minutes and at
the end (SIGTERM too). Results: benchmarks/results/facts_fresh.txt.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "benchmarks" / "out" / "facts_fresh"


def last_bloggers(n: int) -> Path:
    """A folder of links to the last ``n`` blogger files, in the reader's order."""
    blogs = SHARED / "blogs"
    files = sorted(blogs.glob("*.xml"), key=lambda p: (len(p.name.split(".")[0]), p.name))
    folder = OUT / f"corpus_last{n}"
    folder.mkdir(parents=True, exist_ok=True)
    for f in files[-n:]:
        link = folder / f.name
        if not link.exists():
            link.symlink_to(f.resolve())
    return folder


def strict_gender(text: str, gender: str | None) -> bool:
    """Any pronoun of the other gender (the check itself compares majorities)."""
    from populace.mining.facts import _pronoun_counts

    if not gender or not isinstance(text, str):
        return False
    other = "female" if gender == "male" else "male"
    return _pronoun_counts(text)[other] > 0


def counts(run_dir: Path) -> dict:
    """Written / repaired / dropped / kept and their contradictions, from a mined run."""
    import json

    import pandas as pd

    from populace.mining.facts import author_facts, check, repair

    # the corpus metadata per author (gender, age, topic) is in the group table
    meta = pd.read_parquet(run_dir / "mining" / "group.parquet").set_index("author_id")
    persona = pd.read_parquet(run_dir / "mining" / "persona.parquet")
    manifest = json.loads((run_dir / "manifest.json").read_text())
    checked = bool(manifest["config"]["mine"].get("corpus_facts"))

    def facts(a):
        return author_facts(meta.loc[a].to_dict())

    def wrong(text, a) -> bool:
        return bool(set(check(text, facts(a)).kinds) & {"gender", "age"})

    written = persona[persona["status"] == "ok"]
    if checked:
        # as written, before repair: the kinds the check found in the model's text
        kinds = written["facts_contradictions"].map(lambda k: set(k) if k is not None else set())
        wrong_written = kinds.map(lambda k: bool(k & {"gender", "age"}))
        changes = written["facts_changes"].map(lambda c: c is not None and len(c) > 0)
        repaired = int((changes & written["keep"].astype(bool)).sum())
        dropped = int((wrong_written & ~written["keep"].astype(bool)).sum())
    else:  # no check ran (the first run): the persona is the model's text
        wrong_written = pd.Series(
            [wrong(t, a) for t, a in zip(written["persona"], written["author_id"])],
            index=written.index,
        )
        repaired = dropped = 0
    # the final personas (after the critic, the grounding rules and PII)
    kept = pd.read_parquet(run_dir / "personas.parquet")
    rule = pd.Series([wrong(t, a) for t, a in zip(kept["persona"], kept["author_id"])])
    strict = pd.Series(
        [strict_gender(t, facts(a).gender) for t, a in zip(kept["persona"], kept["author_id"])]
    )
    # the kept texts through today's repair (a run mined before a rule was added
    # shows here what that rule changes, without mining again)
    now = [(repair(t, facts(a))[0], a) for t, a in zip(kept["persona"], kept["author_id"])]
    now_kept = [(t, a) for t, a in now if t is not None]
    return {
        "authors": int(meta["keep"].astype(bool).sum()) if "keep" in meta else len(meta),
        "written": int(len(written)),
        "written_wrong": int(wrong_written.sum()),
        "repaired": repaired,
        "dropped": dropped,
        "kept": int(len(kept)),
        "kept_wrong": int(rule.sum()),
        "kept_strict": int(strict.sum()),
        "kept_now_dropped": len(now) - len(now_kept),
        "kept_now_wrong": sum(wrong(t, a) for t, a in now_kept),
        "kept_now_strict": sum(strict_gender(t, facts(a).gender) for t, a in now_kept),
    }


def lines_for(name: str, c: dict) -> list[str]:
    def pct(a, b):
        return f"{a} of {b} ({100 * a / b:.1f}%)" if b else f"{a} of 0"

    return [
        f"{name}: {c['authors']} bloggers with enough posts, {c['written']} personas written",
        f"  written, contradicting gender or age (> 3 y): {pct(c['written_wrong'], c['written'])}",
        f"  repaired by the check: {c['repaired']}; dropped for a contradiction: {c['dropped']}",
        f"  kept (critic + rules): {c['kept']}; contradicting by the check's rule: "
        f"{pct(c['kept_wrong'], c['kept'])}; any pronoun of the other gender: "
        f"{pct(c['kept_strict'], c['kept'])}",
        f"  kept, through today's repair: dropped {c['kept_now_dropped']}; contradicting by "
        f"the check's rule: {pct(c['kept_now_wrong'], c['kept'] - c['kept_now_dropped'])}; "
        f"any pronoun of the other gender: "
        f"{pct(c['kept_now_strict'], c['kept'] - c['kept_now_dropped'])}",
    ]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--authors", type=int, default=50)
    ap.add_argument("--model", default="qwen2.5-1.5b")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)

    import _state
    from e2e_blogs import BENCH_PROFILE_V2

    import populace as pp

    corpus = last_bloggers(args.authors)
    run_dir = OUT / f"run_last{args.authors}"
    run_dir.mkdir(parents=True, exist_ok=True)
    cache = run_dir / "cache.sqlite"
    state = _state.STATE / f"facts_fresh.{args.model}.calls.jsonl.gz"
    _state.load(cache, state)
    _state.save_every(cache, state, minutes=10)

    _state.stop_on_sigterm()
    from populace.llm import load_backend
    from populace.mining import MiningConfig

    backend, info = load_backend(args.model, n_threads=args.threads, n_ctx=2048)
    try:
        pp.mine(
            corpus,
            run_dir,
            backend=backend,
            model_info=info,
            config=MiningConfig.from_profile("cheap", **BENCH_PROFILE_V2),
        )
    finally:
        backend.close()
        _state.save(cache, state)
    out = [
        f"facts_fresh: {args.model}, the last {args.authors} bloggers of ../shared/data/blogs, "
        "e2e v2 mining settings (BENCH_PROFILE_V2)",
        "",
    ]
    out += lines_for("v2 pipeline, fresh bloggers", counts(run_dir))
    v1 = ROOT / "benchmarks" / "out" / "e2e_blogs"
    if (v1 / "mining" / "critic.parquet").exists():
        out += [""] + lines_for(
            "first e2e run (v1 prompts, no facts), first 300 bloggers", counts(v1)
        )
    text = "\n".join(out)
    print(text)
    (ROOT / "benchmarks" / "results" / "facts_fresh.txt").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
