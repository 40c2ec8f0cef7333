"""Where survey outputs go and how they are written (atomically)."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from populace.errors import PopulaceError

WIDE_SUFFIXES = (".parquet", ".pq", ".csv", ".tsv", ".jsonl")


@dataclass(frozen=True)
class OutputPaths:
    wide: Path
    long: Path
    meta: Path


def output_paths(out: str | Path, instrument_id: str) -> OutputPaths:
    """``O.parquet`` -> ``O.parquet``, ``O.long.parquet``, ``O.meta.json``;
    a folder (existing, or a name without suffix) -> ``<folder>/<instrument>.*``."""
    out = Path(out)
    if out.is_dir() or out.suffix == "":
        out = out / f"{instrument_id}.parquet"
    if out.suffix.lower() not in WIDE_SUFFIXES:
        raise PopulaceError(f"--out {out}: use one of {', '.join(WIDE_SUFFIXES)} (or a folder)")
    stem = out.name[: -len(out.suffix)]
    return OutputPaths(
        out, out.with_name(stem + ".long.parquet"), out.with_name(stem + ".meta.json")
    )


def _atomic(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name + ".", suffix=path.suffix)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_outputs(paths: OutputPaths, wide: pd.DataFrame, long: pd.DataFrame, meta: dict) -> None:
    blob = json.dumps(meta, indent=2, default=str)

    def parquet(frame: pd.DataFrame):
        def w(tmp):
            table = pa.Table.from_pandas(frame, preserve_index=False)
            md = dict(table.schema.metadata or {})
            md[b"populace"] = blob.encode()
            pq.write_table(table.replace_schema_metadata(md), tmp)

        return w

    suffix = paths.wide.suffix.lower()
    if suffix in (".parquet", ".pq"):
        _atomic(paths.wide, parquet(wide))
    elif suffix == ".jsonl":
        _atomic(paths.wide, lambda tmp: wide.to_json(tmp, orient="records", lines=True))
    else:
        sep = "\t" if suffix == ".tsv" else ","
        _atomic(paths.wide, lambda tmp: wide.to_csv(tmp, sep=sep, index=False))
    _atomic(paths.long, parquet(long))
    _atomic(paths.meta, lambda tmp: Path(tmp).write_text(blob + "\n"))


def read_meta(path: str | Path) -> dict:
    """The metadata recorded with a survey output (sidecar or parquet metadata)."""
    path = Path(path)
    side = path.with_name(path.name[: -len(path.suffix)] + ".meta.json")
    if side.exists():
        return json.loads(side.read_text())
    md = pq.read_schema(path).metadata or {}
    if b"populace" not in md:
        raise PopulaceError(f"{path} has no populace survey metadata")
    return json.loads(md[b"populace"])
