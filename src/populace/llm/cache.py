"""Persistent cache of LLM calls in SQLite (WAL mode), safe under concurrent writers.

Key: sha256 of the canonical JSON of ``{model fingerprint (model id + file
hash, or server + model name), call kind, full request (every chat message,
answer keys, decoding parameters, sample index)}``. Two requests that differ in
any of these are different calls; a repeated stochastic sample has its own
``sample_index`` and so its own entry. Values are JSON.

Every process opens its own connection; writes are short ``INSERT OR IGNORE``
transactions, so a killed writer leaves every committed call in place and
concurrent writers never corrupt or duplicate an entry. Failed calls are never
cached (a rerun retries them).

:class:`CachedBackend` wraps any backend with the cache and counts how many
requests reached the model (``misses``) and how many the cache answered.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from populace.errors import PopulaceError
from populace.llm.base import Backend, ChoiceRequest, ChoiceResult, GenerateRequest, GenerateResult

_SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
  key TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  created REAL NOT NULL
)
"""


def call_key(model: str, kind: str, payload: dict) -> str:
    blob = json.dumps(
        {"model": model, "kind": kind, "request": payload},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class CallCache:
    """A key -> JSON store in one SQLite file."""

    def __init__(self, path: str | Path, *, timeout: float = 60.0):
        self.path = Path(path)
        if self.path.is_dir():
            raise PopulaceError(
                f"call cache {self.path} is a folder; give a file such as "
                f"{self.path / 'cache.sqlite'}"
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._con = sqlite3.connect(
                str(self.path), timeout=timeout, isolation_level=None, check_same_thread=False
            )
            self._con.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            self._retry(lambda: self._con.execute("PRAGMA journal_mode=WAL"))
            self._con.execute("PRAGMA synchronous=NORMAL")
            self._retry(lambda: self._con.execute(_SCHEMA))
        except (sqlite3.DatabaseError, OSError) as exc:
            raise PopulaceError(
                f"call cache {self.path} cannot be used: {exc} (is it an "
                "SQLite file written by populace? give a new path with "
                "--cache)"
            ) from None

    @staticmethod
    def _retry(fn, attempts: int = 50):
        for i in range(attempts):
            try:
                return fn()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc) or i == attempts - 1:
                    raise
                time.sleep(0.05 * (i + 1))

    def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        keys = list(dict.fromkeys(keys))
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            q = f"SELECT key, value FROM calls WHERE key IN ({','.join('?' * len(chunk))})"
            rows = self._retry(lambda q=q, chunk=chunk: self._con.execute(q, chunk).fetchall())
            for k, v in rows:
                out[k] = json.loads(v)
        return out

    def get(self, key: str) -> Any | None:
        return self.get_many([key]).get(key)

    def put_many(self, rows: Iterable[tuple[str, str, str, Any]]) -> None:
        """Insert (key, model, kind, value) rows in one transaction."""
        now = time.time()
        data = [(k, m, kind, json.dumps(v), now) for k, m, kind, v in rows]
        if not data:
            return

        def write():
            self._con.execute("BEGIN IMMEDIATE")
            try:
                self._con.executemany("INSERT OR IGNORE INTO calls VALUES (?,?,?,?,?)", data)
                self._con.execute("COMMIT")
            except BaseException:
                self._con.execute("ROLLBACK")
                raise

        self._retry(write)

    def count(self, model: str | None = None) -> int:
        if model is None:
            return self._con.execute("SELECT COUNT(*) FROM calls").fetchone()[0]
        return self._con.execute("SELECT COUNT(*) FROM calls WHERE model=?", (model,)).fetchone()[0]

    def export_jsonl(
        self, path: str | Path, *, model: str | None = None, exclude_kinds: Sequence[str] = ()
    ) -> int:
        """Write every entry (of ``model`` only, if given) as gzip-compressed JSON
        lines ``{key, model, kind, value, created}``; returns the count. Keys are
        hashes, so the file holds model replies, never prompts. Written to a
        temporary file first, so an interrupted export leaves the old file."""
        import gzip

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        q, args = "SELECT key, model, kind, value, created FROM calls", ()
        if model is not None:
            q, args = q + " WHERE model=?", (model,)
        n = 0
        with gzip.open(tmp, "wt", encoding="utf-8") as fh:
            for k, m, kind, v, c in self._con.execute(q + " ORDER BY created, key", args):
                if kind in exclude_kinds:
                    continue
                fh.write(
                    json.dumps(
                        {"key": k, "model": m, "kind": kind, "value": json.loads(v), "created": c},
                        ensure_ascii=False,
                    )
                    + "\n"
                )
                n += 1
        tmp.replace(path)
        return n

    def import_jsonl(self, path: str | Path) -> int:
        """Add the entries of an :meth:`export_jsonl` file (existing keys are kept);
        returns how many lines it held."""
        import gzip

        rows = []
        with gzip.open(Path(path), "rt", encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    d = json.loads(line)
                    rows.append((d["key"], d["model"], d["kind"], d["value"]))
        for i in range(0, len(rows), 5000):
            self.put_many(rows[i : i + 5000])
        return len(rows)

    def close(self) -> None:
        self._con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class CachedBackend:
    """A backend whose calls go through a :class:`CallCache` first."""

    def __init__(self, backend: Backend, cache: CallCache | None):
        self.backend = backend
        self.cache = cache
        self.fingerprint = backend.fingerprint
        self.hits = 0
        self.misses = 0

    def _run(self, kind, requests, call, decode):
        if self.cache is None:
            self.misses += len(requests)
            return call(list(requests))
        keys = [call_key(self.fingerprint, kind, r.key_payload()) for r in requests]
        found = self.cache.get_many(keys)
        todo = [i for i, k in enumerate(keys) if k not in found]
        self.hits += len(requests) - len(todo)
        self.misses += len(todo)
        fresh = call([requests[i] for i in todo]) if todo else []
        self.cache.put_many(
            (keys[i], self.fingerprint, kind, asdict(res)) for i, res in zip(todo, fresh) if res.ok
        )
        by_index = dict(zip(todo, fresh))
        return [by_index[i] if i in by_index else decode(found[k]) for i, k in enumerate(keys)]

    def choice_probs(self, requests: Sequence[ChoiceRequest]) -> list[ChoiceResult]:
        def decode(d):
            return ChoiceResult(
                probs=tuple(d["probs"]),
                mass=d["mass"],
                method=d["method"],
                error=d.get("error"),
                exclusive=d.get("exclusive", False),  # entries cached before session 18: False
            )

        return self._run("choice", requests, self.backend.choice_probs, decode)

    def generate(self, requests: Sequence[GenerateRequest], **kw) -> list[GenerateResult]:
        return self._run(
            "generate",
            requests,
            lambda rs: self.backend.generate(rs, **kw),
            lambda d: GenerateResult(**d),
        )

    def close(self) -> None:
        self.backend.close()
