"""Tabular corpora (``blogtext.csv`` and generic tables) and :func:`read_corpus`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from populace.errors import DataError, PopulaceError
from populace.reference.readers import read_table

POST_COLUMNS = ("author_id", "post_id", "date", "text", "gender", "age", "topic", "sign")
BLOGTEXT_COLUMNS = ("id", "gender", "age", "topic", "sign", "date", "text")
_AUTHOR_GUESSES = ("author_id", "author", "id", "user_id", "user", "blogger")
_TEXT_GUESSES = ("text", "post", "content", "body")


def finish_frame(frame: pd.DataFrame, *, source: str, fmt: str) -> pd.DataFrame:
    """Order columns, fill missing metadata, type ``author_id``/``post_id``/``text`` as str."""
    for c in POST_COLUMNS:
        if c not in frame.columns:
            frame[c] = pd.NA if c not in ("date",) else ""
    extra = [c for c in frame.columns if c not in POST_COLUMNS]
    frame = frame[list(POST_COLUMNS) + extra].reset_index(drop=True)
    for c in ("author_id", "post_id", "text", "date"):
        frame[c] = frame[c].fillna("").astype(str)
    for c in ("gender", "topic", "sign"):
        frame[c] = frame[c].astype("string")
    frame["age"] = pd.to_numeric(frame["age"], errors="coerce").astype("Int64")
    frame.attrs.update(source=source, format=fmt)
    return frame


def _limit(frame: pd.DataFrame, author: str, limit_authors: int | None) -> pd.DataFrame:
    if limit_authors is None:
        return frame
    keep = list(dict.fromkeys(frame[author].tolist()))[:limit_authors]
    return frame[frame[author].isin(keep)]


def _post_ids(frame: pd.DataFrame) -> pd.Series:
    n = frame.groupby("author_id", sort=False).cumcount()
    return frame["author_id"] + "-" + n.astype(str)


def read_post_table(
    path: str | Path,
    *,
    author_column: str | None = None,
    text_column: str | None = None,
    date_column: str | None = None,
    limit_authors: int | None = None,
) -> pd.DataFrame:
    """A generic CSV/TSV/JSONL/Parquet table of posts.

    ``author_column``/``text_column`` name the author and text columns (default:
    the first of ``author_id, author, id, user_id, user, blogger`` and of
    ``text, post, content, body`` present). Other columns are kept as author or
    post metadata. Rows with an empty text are dropped.
    """
    frame, _ = read_table(path)
    cols = {c.lower(): c for c in frame.columns}

    def pick(given, guesses, what):
        if given is not None:
            if given not in frame.columns:
                raise DataError(
                    f"no {what} column {given!r}; columns are {', '.join(map(str, frame.columns))}",
                    path=str(path),
                )
            return given
        for g in guesses:
            if g in cols:
                return cols[g]
        raise DataError(
            f"no {what} column found (tried {', '.join(guesses)}); name it with --{what}-column",
            path=str(path),
        )

    author = pick(author_column, _AUTHOR_GUESSES, "author")
    text = pick(text_column, _TEXT_GUESSES, "text")
    date = date_column if date_column is not None else cols.get("date")
    if date is not None and date not in frame.columns:
        raise DataError(f"no date column {date!r}", path=str(path))
    frame = frame[frame[author].notna()]
    frame = _limit(frame, author, limit_authors).copy()
    out = frame.drop(columns=[c for c in (author, text, date) if c is not None])
    out = out.drop(columns=[c for c in ("author_id", "post_id", "text", "date") if c in out])
    out.insert(0, "author_id", frame[author].astype(str).str.strip())
    out.insert(1, "text", frame[text].fillna("").astype(str).str.strip())
    out.insert(2, "date", frame[date].fillna("").astype(str) if date else "")
    out = out[out["text"] != ""]
    out["post_id"] = _post_ids(out)
    if out.empty:
        raise DataError("holds no post with text", path=str(path))
    return finish_frame(out, source=str(path), fmt="table")


def read_blogtext(path: str | Path, *, limit_authors: int | None = None) -> pd.DataFrame:
    """The ``blogtext.csv`` layout: id, gender, age, topic, sign, date, text."""
    frame, _ = read_table(path)
    missing = [c for c in BLOGTEXT_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(
            f"not the blogtext.csv layout: missing column(s) {', '.join(missing)}", path=str(path)
        )
    frame = frame[frame["id"].notna()]
    frame = _limit(frame, "id", limit_authors).rename(columns={"id": "author_id"}).copy()
    frame["author_id"] = frame["author_id"].astype(str).str.replace(r"\.0$", "", regex=True)
    frame["text"] = frame["text"].fillna("").astype(str).str.strip()
    frame["date"] = frame["date"].fillna("").astype(str)
    frame["gender"] = frame["gender"].astype(str).str.lower()
    frame = frame[frame["text"] != ""].copy()
    frame["post_id"] = _post_ids(frame)
    return finish_frame(frame, source=str(path), fmt="blogtext")


def detect_format(path: str | Path) -> str:
    path = Path(path)
    if path.is_dir():
        return "blogs"
    if not path.exists():
        raise PopulaceError(f"corpus {path} does not exist")
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        with open(path, encoding="utf-8", errors="replace") as fh:
            line = fh.readline().replace("\t", ",")
        header = {h.strip().strip('"').lower() for h in line.split(",")}
        if set(BLOGTEXT_COLUMNS) <= header:
            return "blogtext"
    return "table"


def read_corpus(
    path: str | Path,
    *,
    format: str = "auto",
    author_column: str | None = None,
    text_column: str | None = None,
    date_column: str | None = None,
    limit_authors: int | None = None,
    progress=None,
) -> pd.DataFrame:
    """Read a corpus of posts; ``format`` is ``auto``, ``blogs``, ``blogtext`` or ``table``."""
    fmt = detect_format(path) if format == "auto" else format
    if fmt == "blogs":
        from populace.corpus.blogs import read_blog_folder

        return read_blog_folder(path, limit_authors=limit_authors, progress=progress)
    if fmt == "blogtext":
        return read_blogtext(path, limit_authors=limit_authors)
    if fmt == "table":
        return read_post_table(
            path,
            author_column=author_column,
            text_column=text_column,
            date_column=date_column,
            limit_authors=limit_authors,
        )
    raise PopulaceError(f"unknown corpus format {format!r}; use auto, blogs, blogtext or table")
