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


def save_every(cache_path: Path, state: Path, minutes: float = 10.0):
    """Save ``cache_path`` to ``state`` every ``minutes`` from a daemon thread (a
    session that ends with SIGKILL then loses at most that much); returns the
    ``threading.Event`` that stops it. The export reads the SQLite cache while
    the run writes it (WAL), and replaces the state file atomically."""
    import threading

    stop = threading.Event()

    def loop():
        while not stop.wait(minutes * 60):
            try:
                save(cache_path, state)
            except Exception as exc:  # pragma: no cover - best effort, the final save remains
                print(f"periodic state save failed: {exc}", flush=True)

    threading.Thread(target=loop, daemon=True, name="state-saver").start()
    return stop
