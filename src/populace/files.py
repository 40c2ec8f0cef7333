"""Checked access to the user's files: one place that says what is wrong with a path.

Every reader of a file kind (tables, instrument YAML, run TOML, item weights,
prompt templates, corpus files) goes through :func:`check_file` and, for text,
:func:`read_text`, so a missing file, a folder, an unreadable file, a binary
file or a UTF-16 one ends in one :class:`~populace.errors.PopulaceError` line
that names the file and what it seems to be, never raw bytes or a traceback.

Imports: :mod:`populace.errors` only (the bottom of the import graph).
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path

from populace.errors import PopulaceError

#: leading bytes of file kinds a user may pass by mistake -> what to call them
MAGIC = (
    (b"PAR1", "a Parquet file"),
    (b"PK\x03\x04", "a zip archive (or an Excel .xlsx file)"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"%PDF", "a PDF document"),
    (b"GGUF", "a GGUF model file"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (.xls/.doc)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def check_file(path: str | Path, what: str = "file") -> Path:
    """``path`` as a Path if it is an existing, readable regular file; else one clear error."""
    p = Path(path)
    if not p.exists():
        raise PopulaceError(f"{what} {p} does not exist")
    if p.is_dir():
        raise PopulaceError(f"{what} {p} is a folder; give a file")
    if not os.access(p, os.R_OK):
        raise PopulaceError(f"{what} {p} cannot be read (permission denied)")
    return p


def sniff(head: bytes) -> str | None:
    """What the first bytes of a file say it is, when it is not UTF-8 text: None for
    (probably) UTF-8 text, else a short description such as ``"UTF-16 text"``."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return f"{name} text"
    for magic, name in MAGIC:
        if head.startswith(magic):
            return name
    if len(head) >= 4 and head.count(b"\x00") * 4 >= len(head):
        # UTF-16 without a byte-order mark: every other byte of ASCII text is NUL
        even, odd = head[0::2], head[1::2]
        if even.count(0) * 2 >= len(even) or odd.count(0) * 2 >= len(odd):
            return "UTF-16 text"
    if b"\x00" in head:
        return "a binary file"
    return None


def _not_text(p: Path, what: str, kind: str) -> PopulaceError:
    fix = (
        "save it as UTF-8 (in Excel: 'CSV UTF-8'; in an editor: encoding UTF-8)"
        if "text" in kind
        else "give a UTF-8 text file"
    )
    return PopulaceError(f"{what} {p} is {kind}, not UTF-8 text; {fix}")


def check_text(path: str | Path, what: str = "file") -> Path:
    """Like :func:`check_file`, and the file's first bytes must look like UTF-8 text."""
    p = check_file(path, what)
    with open(p, "rb") as fh:
        head = fh.read(4096)
    kind = sniff(head)
    if kind is not None:
        raise _not_text(p, what, kind)
    return p


def read_text(path: str | Path, what: str = "file") -> str:
    """The file's text, decoded as UTF-8 (a UTF-8 byte-order mark is dropped); a binary,
    UTF-16 or otherwise non-UTF-8 file is one error naming the file and the first bad
    byte's line."""
    p = check_file(path, what)
    data = p.read_bytes()
    kind = sniff(data[:4096])
    if kind is not None:
        raise _not_text(p, what, kind)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PopulaceError(
            f"{what} {p} is not UTF-8 text: byte 0x{data[exc.start]:02x} at "
            f"line {line} (latin-1 or Windows-1252?); save it as UTF-8"
        ) from None


def check_output(path: str | Path, what: str = "output file") -> Path:
    """``path`` as a Path if a file can be written there: not a folder, and its parent
    is (or can become) a folder we may write to."""
    p = Path(path)
    if p.is_dir():
        raise PopulaceError(f"{what} {p} is a folder; give a file name")
    parent = next((q for q in (p.parent, *p.parent.parents) if q.exists()), Path("."))
    if not parent.is_dir():
        raise PopulaceError(f"{what} {p}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK):
        raise PopulaceError(f"{what} {p}: cannot write in {parent} (permission denied)")
    return p
