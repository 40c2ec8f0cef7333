"""files.py: one clear error for every way a user file can be unusable."""

import codecs

import pytest

from populace.errors import PopulaceError
from populace.files import check_file, check_output, check_text, read_text, sniff


@pytest.mark.parametrize(
    "head,kind",
    [
        (b"id,weight\nEXT,1\n", None),
        (codecs.BOM_UTF8 + b"id\n", None),
        (codecs.BOM_UTF16_LE + "id".encode("utf-16-le"), "UTF-16 text"),
        ("id,weight\n".encode("utf-16-le"), "UTF-16 text"),  # no byte-order mark
        (codecs.BOM_UTF32_LE + "id".encode("utf-32-le"), "UTF-32 text"),
        (b"PAR1\x15\x04", "a Parquet file"),
        (b"PK\x03\x04rest", "a zip archive (or an Excel .xlsx file)"),
        (b"SQLite format 3\x00...", "an SQLite database"),
        (b"GGUF\x03\x00", "a GGUF model file"),
        (bytes(range(256)), "a binary file"),
    ],
)
def test_sniff(head, kind):
    assert sniff(head) == kind


def test_check_file_missing_folder(tmp_path):
    with pytest.raises(PopulaceError, match="table .*nope.csv does not exist"):
        check_file(tmp_path / "nope.csv", "table")
    with pytest.raises(PopulaceError, match="is a folder; give a file"):
        check_file(tmp_path, "table")


def test_read_text_encodings(tmp_path):
    p = tmp_path / "a.yaml"
    p.write_bytes(codecs.BOM_UTF8 + "id: ä\n".encode())
    assert read_text(p) == "id: ä\n"  # BOM dropped
    p.write_bytes("id: x\n".encode("utf-16"))
    with pytest.raises(PopulaceError, match="is UTF-16 text, not UTF-8 text; save it as UTF-8"):
        read_text(p, "instrument file")
    p.write_bytes(b"id: x\nname: caf\xe9\n")
    with pytest.raises(PopulaceError, match="byte 0xe9 at line 2"):
        read_text(p)
    p.write_bytes(b"PAR1" + bytes(100))
    with pytest.raises(PopulaceError, match="is a Parquet file, not UTF-8 text"):
        check_text(p)


def test_check_output(tmp_path):
    assert check_output(tmp_path / "new" / "o.csv") == tmp_path / "new" / "o.csv"
    with pytest.raises(PopulaceError, match="is a folder; give a file name"):
        check_output(tmp_path)
    (tmp_path / "f").write_text("x")
    with pytest.raises(PopulaceError, match="is a file, not a folder"):
        check_output(tmp_path / "f" / "o.csv")
