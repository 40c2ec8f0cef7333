"""Benchmark state carried across runs on fresh machines (a fresh machine keeps only the repository).

A long benchmark keeps its LLM calls in its run directory's ``cache.sqlite``
(git-ignored, lost with the machine). ``load`` adds a committed state file
(benchmarks/state/*.calls.jsonl.gz, written by ``save``) to that cache before
the run, so a rerun on a new machine repeats no call a previous run made.
The file holds model replies keyed by request hashes (probabilities, personas,
scores, queries), never prompts or corpus posts; callers whose calls would copy
corpus text (LLM cleaning) do not save.

A state ``NAME.jsonl.gz`` is stored as parts ``NAME.partNN.jsonl.gz`` of at most
``PART_BYTES`` uncompressed bytes each (the repository takes no file over 2 MB;
JSON lines of hashes and probabilities compress about 3.5 times, text more).
``load`` also reads a single ``NAME.jsonl.gz`` left by an older save.
"""

from __future__ import annotations

import gzip
import threading
from pathlib import Path

STATE = Path(__file__).resolve().parent / "state"
PART_BYTES = 3_000_000
_SUFFIX = ".jsonl.gz"


def _stem(state: Path) -> str:
    return state.name[: -len(_SUFFIX)] if state.name.endswith(_SUFFIX) else state.name


def _part(state: Path, i: int) -> Path:
    return state.with_name(f"{_stem(state)}.part{i:02d}{_SUFFIX}")


def parts(state: Path) -> list[Path]:
    """The files that hold ``state`` on disk: the single file if present, then its parts."""
    state = Path(state)
    found = sorted(state.parent.glob(f"{_stem(state)}.part[0-9][0-9]{_SUFFIX}"))
    return ([state] if state.exists() else []) + found


def load(cache_path: Path, *states: Path) -> int:
    from populace.llm.cache import CallCache

    n = 0
    with CallCache(cache_path) as c:
        for s in states:
            for f in parts(s) if s is not None else []:
                got = c.import_jsonl(f)
                print(f"loaded {got} cached calls from {f}", flush=True)
                n += got
    return n


_SAVING = threading.Lock()  # the periodic saver and the final save share temp file names


def save(cache_path: Path, state: Path, part_bytes: int = PART_BYTES) -> int:
    """Export the cache and split it into parts of at most ``part_bytes``
    uncompressed bytes (a line is never split). Each part is replaced
    atomically; the cache only grows and the export is ordered by creation time,
    so a save interrupted between parts leaves files that still load. One save
    at a time per process: a final save waits for a periodic one under way."""
    with _SAVING:
        return _save(cache_path, state, part_bytes)


def _save(cache_path: Path, state: Path, part_bytes: int) -> int:
    from populace.llm.cache import CallCache

    if not Path(cache_path).exists():
        return 0
    state = Path(state)
    full = state.with_name(state.name + ".all.tmp")
    with CallCache(cache_path) as c:
        n = c.export_jsonl(full)
    chunks, chunk, size = [], [], 0
    with gzip.open(full, "rt", encoding="utf-8") as fh:
        for line in fh:
            b = len(line.encode("utf-8"))
            if chunk and size + b > part_bytes:
                chunks.append(chunk)
                chunk, size = [], 0
            chunk.append(line)
            size += b
    full.unlink()
    chunks += [chunk] if chunk else []
    written = [_part(state, i) for i in range(len(chunks))]
    for path, lines in zip(written, chunks):
        tmp = path.with_name(path.name + ".tmp")
        with gzip.open(tmp, "wt", encoding="utf-8") as out:
            out.writelines(lines)
        tmp.replace(path)
    for old in parts(state):
        if old not in written:
            old.unlink()
    print(f"saved {n} cached calls to {len(written)} part(s) of {state}", flush=True)
    return n


def save_every(cache_path: Path, state: Path, minutes: float = 10.0):
    """Save ``cache_path`` to ``state`` every ``minutes`` from a daemon thread (a
    run that ends with SIGKILL then loses at most that much); returns the
    ``threading.Event`` that stops it. The export reads the SQLite cache while
    the run writes it (WAL), and replaces the state file atomically."""
    stop = threading.Event()

    def loop():
        while not stop.wait(minutes * 60):
            try:
                save(cache_path, state)
            except Exception as exc:  # pragma: no cover - best effort, the final save remains
                print(f"periodic state save failed: {exc}", flush=True)

    threading.Thread(target=loop, daemon=True, name="state-saver").start()
    return stop


def stop_on_sigterm() -> None:
    """Turn SIGTERM into ``SystemExit``, so that a run's ``finally`` (the final
    ``save``) runs when the session's end or ``pkill -TERM`` stops it; without
    this, SIGTERM ends Python at once and the calls since the last periodic save
    never reach the state file."""
    import signal

    def stop(signum, frame):
        raise SystemExit(f"stopped by signal {signum}; rerun the same command to resume")

    signal.signal(signal.SIGTERM, stop)
