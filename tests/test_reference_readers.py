import pytest

from populace.errors import PopulaceError
from populace.reference.readers import detect_separator, read_table
from tests.conftest import shared


@pytest.mark.parametrize(
    "header,sep",
    [("a\tb\tc\n", "\t"), ("a,b,c\n", ","), ("a;b;c\n", ";"), ("a|b\n", "|"), ("only\n", ",")],
)
def test_detect_separator(tmp_path, header, sep):
    p = tmp_path / "x.txt"
    p.write_text(header + "1\n")
    assert detect_separator(p) == sep


def test_openpsychometrics_csv_is_really_tab_separated():
    frame, fmt = read_table(shared("openpsychometrics", "CFCS", "data.csv"))
    assert fmt == "tsv" and frame.shape == (15_035, 16)


def test_null_strings_read_as_missing(tmp_path):
    p = tmp_path / "n.csv"
    p.write_text("a,b\n1,NULL\nNA,2\n")
    frame, _ = read_table(p)
    assert frame.isna().sum().sum() == 2


def test_folder_is_rejected(tmp_path):
    with pytest.raises(PopulaceError, match="is a folder"):
        read_table(tmp_path)


def test_unparseable_parquet_is_clear(tmp_path):
    p = tmp_path / "x.parquet"
    p.write_bytes(b"not parquet at all")
    with pytest.raises(PopulaceError, match="cannot be read as a table"):
        read_table(p)


def test_json_list_of_objects_keeps_nested_lists(tmp_path):
    import json

    p = tmp_path / "d.json"
    p.write_text(
        json.dumps(
            [
                {"persona": ["i surf.", "i cook."], "id": "007"},
                {"persona": ["i read."], "id": "010"},
            ]
        )
    )
    frame, fmt = read_table(p)
    assert fmt == "json" and list(frame.columns) == ["persona", "id"]
    assert frame["persona"].iloc[0] == ["i surf.", "i cook."]
    assert frame["id"].tolist() == ["007", "010"]  # strings stay strings
    bad = tmp_path / "bad.json"
    bad.write_text("[{")
    with pytest.raises(PopulaceError, match="cannot be read as a table"):
        read_table(bad)
