"""The plan of a target set (which seed each output persona is revised from), the
size rules, and the output tables (personas and recorded failures)."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pandas as pd

from populace.errors import PopulaceError
from populace.targeting.pool import Pool

MAX_PER_SEED = 20


def slugify(query: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", query.lower()).strip("-")[:60].strip("-")
    return s or "q-" + hashlib.sha256(query.encode()).hexdigest()[:8]


def check_sizes(n: int, top_k: int | None, pool_size: int) -> int:
    if n < 1:
        raise PopulaceError("-n must be at least 1")
    k = min(n, pool_size) if top_k is None else int(top_k)
    if k < 1:
        raise PopulaceError("--top-k must be at least 1")
    if k > pool_size:
        raise PopulaceError(f"--top-k {k} is larger than the pool ({pool_size} personas)")
    if n > MAX_PER_SEED * k:
        raise PopulaceError(
            f"-n {n} is more than {MAX_PER_SEED} x top-k ({MAX_PER_SEED * k}): "
            "that many revisions per seed make near-copies; raise --top-k "
            f"(at most the pool size, {pool_size})"
        )
    return k


def seed_plan(hits: list[tuple[int, float]], n: int) -> list[tuple[int, float, int]]:
    """(pool position, similarity, variant) for each of the n output personas."""
    k = len(hits)
    return [(hits[j % k][0], hits[j % k][1], j // k) for j in range(n)]


def tables(plan, ids: list[str], pool: Pool, query: str, outs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(personas, failures) from the plan and the revisions (``outs`` None: the
    seeds' own texts, unrevised)."""
    rows, fails = [], []
    for j, (p, sim, v) in enumerate(plan):
        base = {
            "seed_persona_id": pool.ids[p],
            "similarity": sim,
            "query": query,
            "variant": v,
            "seed_weight": float(pool.weights[p]),
        }
        if outs is None:
            rows.append({"persona_id": ids[j], "persona": pool.texts[p], **base, "revised": False})
        elif outs[j].ok:
            rows.append({"persona_id": ids[j], "persona": outs[j].value, **base, "revised": True})
        else:
            fails.append(
                {
                    "persona_id": ids[j],
                    **base,
                    "attempts": outs[j].attempts,
                    "error": outs[j].error,
                    "raw": outs[j].raw,
                }
            )
    cols = [
        "persona_id",
        "persona",
        "seed_persona_id",
        "similarity",
        "query",
        "variant",
        "revised",
        "seed_weight",
    ]
    fail_cols = [
        "persona_id",
        "seed_persona_id",
        "similarity",
        "query",
        "variant",
        "seed_weight",
        "attempts",
        "error",
        "raw",
    ]
    return pd.DataFrame(rows, columns=cols), pd.DataFrame(fails, columns=fail_cols)


def write_atomic(path: Path, frame: pd.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)
