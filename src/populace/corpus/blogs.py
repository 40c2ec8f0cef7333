"""The original Blog Authorship Corpus folder: one loose-XML file per blogger.

File names are ``<id>.<gender>.<age>.<topic>.<sign>.xml``. The files are not
well-formed XML (bare ``&``, stray ``<``, HTML remnants, latin-1 bytes), so
they are parsed with regular expressions, never an XML parser: every
``<post>...</post>`` block is one post, dated by the nearest ``<date>`` before
it. Text is decoded as latin-1 (every byte is valid), CRLF and surrounding
whitespace are normalised, and the HTML entities the corpus sometimes
contains are unescaped. A file whose name does not follow the pattern, or
that holds no post at all, is reported (``DataError``) or skipped with
``strict=False``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from populace.errors import DataError, PopulaceError

_NAME = re.compile(
    r"^(?P<author_id>\d+)\.(?P<gender>[A-Za-z]+)\.(?P<age>\d+)\."
    r"(?P<topic>[^.]+)\.(?P<sign>[^.]+)\.xml$",
    re.IGNORECASE,
)
_BLOCK = re.compile(
    r"<date>(?P<date>.*?)</date>|<post>(?P<post>.*?)(?:</post>|(?=<date>)|\Z)",
    re.IGNORECASE | re.DOTALL,
)
_WS = re.compile(r"[ \t\r\f\v]+")
_NL = re.compile(r"\s*\n\s*")


def parse_blog_name(name: str) -> dict:
    """Author metadata from a corpus file name; ``DataError`` if it does not match."""
    m = _NAME.match(Path(name).name)
    if not m:
        raise DataError(
            "name does not follow <id>.<gender>.<age>.<topic>.<sign>.xml", path=str(name)
        )
    d = m.groupdict()
    d["age"] = int(d["age"])
    d["gender"] = d["gender"].lower()
    return d


def normalise_text(text: str) -> str:
    """Unescape entities, collapse runs of spaces, keep line breaks (one per line)."""
    text = html.unescape(text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _WS.sub(" ", text)
    return _NL.sub("\n", text).strip()


def parse_blog_file(path: str | Path) -> list[dict]:
    """Posts of one blogger file as dicts (date, text), in file order; empty posts dropped."""
    raw = Path(path).read_bytes().decode("latin-1")
    out, date = [], ""
    for m in _BLOCK.finditer(raw):
        if m.group("date") is not None:
            date = m.group("date").strip()
            continue
        text = normalise_text(m.group("post") or "")
        if text:
            out.append({"date": date, "text": text})
    return out


def read_blog_folder(
    folder: str | Path,
    *,
    limit_authors: int | None = None,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Read every ``*.xml`` blogger file in ``folder`` (sorted by author id).

    ``limit_authors`` keeps the first N files in that order. With
    ``strict=False`` (default) a file with a bad name or no posts is skipped
    and listed in ``frame.attrs["skipped"]``; with ``strict=True`` it raises.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise PopulaceError(f"corpus folder {folder} does not exist")
    files = sorted(folder.glob("*.xml"), key=lambda p: (len(p.name.split(".")[0]), p.name))
    if not files:
        raise PopulaceError(f"{folder} holds no <id>.<gender>.<age>.<topic>.<sign>.xml files")
    rows, skipped, n_authors = [], [], 0
    for f in files:
        if limit_authors is not None and n_authors >= limit_authors:
            break
        try:
            meta = parse_blog_name(f.name)
            posts = parse_blog_file(f)
            if not posts:
                raise DataError("holds no <post> with text", path=str(f))
        except DataError as exc:
            if strict:
                raise
            skipped.append(str(exc))
            continue
        n_authors += 1
        for i, p in enumerate(posts):
            rows.append(
                {
                    "author_id": meta["author_id"],
                    "post_id": f"{meta['author_id']}-{i}",
                    "date": p["date"],
                    "text": p["text"],
                    "gender": meta["gender"],
                    "age": meta["age"],
                    "topic": meta["topic"],
                    "sign": meta["sign"],
                }
            )
        if progress:
            progress(1)
    from populace.corpus.tables import finish_frame

    frame = finish_frame(pd.DataFrame(rows), source=str(folder), fmt="blogs")
    frame.attrs["skipped"] = skipped
    return frame
