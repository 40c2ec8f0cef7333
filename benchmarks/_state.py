"""Benchmark state carried across sessions (a fresh machine keeps only the repository).

A long benchmark keeps its LLM calls in its run directory's ``cache.sqlite``
(git-ignored, lost with the machine). ``load`` adds a committed state file
(benchmarks/state/*.calls.jsonl.gz, written by ``save``) to that cache before
the run, so a rerun on a new machine repeats no call a previous session made.
The file holds model replies keyed by request hashes (probabilities, personas,
scores, queries), never prompts or corpus posts; callers whose calls would copy
corpus text (LLM cleaning) do not save.
"""

from __future__ import annotations

from pathlib import Path

STATE = Path(__file__).resolve().parent / "state"


def load(cache_path: Path, *states: Path) -> int:
    from populace.llm.cache import CallCache

    n = 0
    with CallCache(cache_path) as c:
        for s in states:
            if s is not None and Path(s).exists():
                got = c.import_jsonl(s)
                print(f"loaded {got} cached calls from {s}", flush=True)
                n += got
    return n


def save(cache_path: Path, state: Path) -> int:
    from populace.llm.cache import CallCache

    if not Path(cache_path).exists():
        return 0
    with CallCache(cache_path) as c:
        n = c.export_jsonl(state)
    print(f"saved {n} cached calls to {state}", flush=True)
    return n
