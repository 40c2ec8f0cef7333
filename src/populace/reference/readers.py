"""Read tabular files of any supported format into a pandas DataFrame.

Formats by suffix: ``.parquet``/``.pq`` (Parquet), ``.jsonl``/``.ndjson``
(JSON lines), ``.json`` (a list of objects, one row each; nested values such as
lists stay as they are; any other JSON layout pandas reads), anything else is delimited text whose
separator (tab, comma, semicolon or pipe) is detected from the header line.
Cells ``""``, ``NA``, ``N/A``, ``NaN``, ``NULL`` and ``None`` read as missing.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd

from populace.errors import DataError
from populace.files import check_file, sniff

MISSING_STRINGS = ["", "NA", "N/A", "NaN", "nan", "NULL", "null", "None"]
_SEPARATORS = ["\t", ",", ";", "|"]


def detect_separator(path: Path) -> str:
    """The separator that splits the header line into the most fields. The header must
    be UTF-8 (column names decide what a column means); cells that are not UTF-8 are
    read with a replacement character (corpus text from old encodings)."""
    with open(path, "rb") as fh:
        raw = fh.readline()
    try:
        header = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"the header line is not UTF-8 (byte 0x{raw[exc.start]:02x} at "
            f"character {exc.start + 1}; latin-1 or Windows-1252?): save the file "
            "as UTF-8",
            path=str(path),
        ) from None
    if not header.strip():
        raise DataError("the file is empty (no header line)", path=str(path))
    counts = {sep: header.count(sep) for sep in _SEPARATORS}
    sep, n = max(counts.items(), key=lambda kv: kv[1])
    if n == 0:
        # a one-column file: any separator reads it the same way
        return ","
    return sep


def _read_json(path: Path) -> pd.DataFrame:
    """A JSON list of objects as records (no type guessing), else pandas' reader."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
        return pd.DataFrame.from_records(data)
    return pd.read_json(io.StringIO(json.dumps(data)))


def read_table(path: str | Path, sep: str | None = None) -> tuple[pd.DataFrame, str]:
    """Read ``path``; returns the frame and the format actually used."""
    path = check_file(path, "file")
    suffix = path.suffix.lower()
    with open(path, "rb") as fh:
        kind = sniff(fh.read(4096))
    if kind == "a Parquet file" and suffix not in (".parquet", ".pq"):
        suffix = ".parquet"  # a Parquet file under another name still reads as one
    elif kind is not None and suffix not in (".parquet", ".pq"):
        raise DataError(
            f"this is {kind}, not a UTF-8 text table (CSV/TSV/JSONL)"
            + ("; save it as UTF-8" if "text" in kind else "; give a CSV/TSV/JSONL/Parquet file"),
            path=str(path),
        )
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path), "parquet"
        if suffix in (".jsonl", ".ndjson"):
            return pd.read_json(path, lines=True), "jsonl"
        if suffix == ".json":
            return _read_json(path), "json"
        sep = sep or detect_separator(path)
        frame = pd.read_csv(
            path,
            sep=sep,
            na_values=MISSING_STRINGS,
            keep_default_na=False,
            low_memory=False,
            encoding_errors="replace",
        )
    except (ValueError, OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"cannot be read as a table: {first}", path=str(path)) from None
    name = {"\t": "tsv", ",": "csv", ";": "csv(;)", "|": "csv(|)"}[sep]
    return frame, name
