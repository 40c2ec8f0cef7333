"""The run directory: one folder per pipeline run, with fixed file names.

```
RUN/
  manifest.json      config, its hash, versions, models, seeds, per-stage records
  posts.parquet      the posts read from the corpus (mining input)
  personas.parquet   the mined personas (input of survey/align)
  cache.sqlite       the LLM call cache (every stage's calls; makes runs resumable)
  <stage folders>    per-stage tables, e.g. mining/<stage>.parquet
```

The manifest is rewritten atomically (temporary file + ``os.replace``) after
every stage, so a killed run leaves the last complete manifest. API keys are
never written: config values under keys that look like secrets (``api_key``,
``*_token``, ``secret``, ``password``, ``authorization``) are replaced by
``"<redacted>"``.

A stage record holds ``rows_in``, ``rows_out``, ``seconds``, a ``key`` (hash of
the stage's config and its input) and any extra figures the stage reports
(LLM calls and tokens). :meth:`Run.is_done` tells a resuming pipeline whether a
stage's output is present and was made by the same key.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import sys
import tempfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from populace.errors import PopulaceError

MANIFEST = "manifest.json"
POSTS = "posts.parquet"
PERSONAS = "personas.parquet"
CACHE = "cache.sqlite"
_SECRET = re.compile(r"(api_?key|secret|passw(or)?d|authorization|(^|_)token$)", re.IGNORECASE)
_PACKAGES = ("numpy", "pandas", "pyarrow", "llama_cpp_python", "httpx")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def redact(obj: Any) -> Any:
    """A copy of ``obj`` with secret-looking keys' values replaced."""
    if isinstance(obj, dict):
        return {
            k: ("<redacted>" if _SECRET.search(str(k)) and v else redact(v)) for k, v in obj.items()
        }
    if isinstance(obj, (list, tuple)):
        return [redact(v) for v in obj]
    return obj


def config_hash(obj: Any) -> str:
    """sha256 (first 16 hex digits) of the canonical JSON of ``obj``."""
    blob = json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def versions() -> dict:
    from populace import __version__

    out = {
        "populace": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
    for p in _PACKAGES:
        try:
            out[p] = metadata.version(p.replace("_", "-"))
        except metadata.PackageNotFoundError:
            pass
    return out


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_run_parquet(path: Path) -> pd.DataFrame:
    """A run-directory table; a truncated or damaged file is one error that says so."""
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise PopulaceError(
            f"{path} cannot be read (truncated or damaged Parquet: {first[:160]});"
            " delete it and rerun the stage that writes it"
        ) from None


class Run:
    """A run directory; creates it (and an empty manifest) on first use."""

    def __init__(self, path: str | Path, *, create: bool = True):
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise PopulaceError(f"run directory {self.path} is a file")
        if not self.path.exists():
            if not create:
                raise PopulaceError(f"run directory {self.path} does not exist")
            self.path.mkdir(parents=True)
        mf = self.path / MANIFEST
        if mf.exists():
            try:
                self.manifest = json.loads(mf.read_text("utf-8"))
            except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
                raise PopulaceError(
                    f"{mf} is not valid JSON ({str(exc)[:120]}); remove it to start over"
                ) from None
            if not isinstance(self.manifest, dict):
                raise PopulaceError(
                    f"{mf} is not a populace manifest (a JSON object); remove it to start over"
                )
        else:
            self.manifest = {"created": now(), "versions": versions(), "stages": {}}

    # ---------------------------------------------------------------- paths
    def file(self, name: str) -> Path:
        return self.path / name

    @property
    def cache_path(self) -> Path:
        return self.path / CACHE

    # --------------------------------------------------------------- tables
    def write_table(self, name: str, frame: pd.DataFrame) -> Path:
        """Write ``RUN/name`` (Parquet) atomically."""
        path = self.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
        return path

    def read_table(self, name: str) -> pd.DataFrame:
        path = self.path / name
        if not path.exists():
            raise PopulaceError(f"{path} does not exist; run the stage that writes it first")
        return read_run_parquet(path)

    def has(self, name: str) -> bool:
        return (self.path / name).exists()

    # ------------------------------------------------------------- manifest
    def set_config(
        self, section: str, config: dict, *, models: dict | None = None, seeds: dict | None = None
    ) -> str:
        """Record a command's config (redacted) and its hash; returns the hash.

        The hash leaves out the run directory itself (``dir``): it identifies
        what was run, so the same config run in two folders has one hash."""
        cfg = redact(config)
        h = config_hash({k: v for k, v in cfg.items() if k != "dir"})
        self.manifest.setdefault("config", {})[section] = cfg
        self.manifest.setdefault("config_hash", {})[section] = h
        if models:
            self.manifest.setdefault("models", {}).update(redact(models))
        if seeds:
            self.manifest.setdefault("seeds", {}).update(seeds)
        self.manifest["versions"] = versions()
        self.save()
        return h

    def stage(self, name: str) -> dict | None:
        return self.manifest.get("stages", {}).get(name)

    def is_done(self, name: str, key: str, output: str | None = None) -> bool:
        rec = self.stage(name)
        return bool(
            rec
            and rec.get("key") == key
            and rec.get("status") == "done"
            and (output is None or self.has(output))
        )

    def record_stage(
        self, name: str, *, key: str, rows_in: int | None, rows_out: int | None, **extra
    ) -> dict:
        rec = {
            **redact(extra),
            "status": "done",
            "key": key,
            "rows_in": rows_in,
            "rows_out": rows_out,
            "finished": now(),
        }
        self.manifest.setdefault("stages", {})[name] = rec
        self.save()
        return rec

    def save(self) -> None:
        self.manifest["updated"] = now()
        atomic_write_text(
            self.path / MANIFEST, json.dumps(self.manifest, indent=2, sort_keys=False, default=str)
        )

    def counts(self) -> list[tuple[str, int | None, int | None]]:
        """(stage, rows_in, rows_out) in the order stages were first recorded."""
        return [
            (k, v.get("rows_in"), v.get("rows_out"))
            for k, v in self.manifest.get("stages", {}).items()
        ]


__all__ = [
    "Run",
    "MANIFEST",
    "POSTS",
    "PERSONAS",
    "CACHE",
    "config_hash",
    "redact",
    "versions",
    "atomic_write_text",
]
