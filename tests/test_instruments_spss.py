import pytest

from populace.errors import PopulaceError
from populace.instruments.spss import instrument_from_spss, parse_spss_labels
from tests.conftest import shared

SYNTAX = """* a comment.
VARIABLE LABELS
A1 "Seat belt use"
A2 "How old are you".

VALUE LABELS
A1
1 "Never"
2 "Always"
/
A2
1 "12 or younger"
2 "13 or older"
/.
"""


def test_parse_small_syntax():
    v, val = parse_spss_labels(SYNTAX)
    assert v == {"A1": "Seat belt use", "A2": "How old are you"}
    assert val["A1"] == [(1.0, "Never"), (2.0, "Always")]


def test_missing_sections_and_labels(tmp_path):
    p = tmp_path / "s.sps"
    p.write_text(SYNTAX)
    with pytest.raises(PopulaceError, match="variable A9 has no VARIABLE LABELS"):
        instrument_from_spss(p, instrument_id="x", name="x", citation="c", variables=["A9"])
    p.write_text("DATA LIST FILE='x'.\n")
    with pytest.raises(PopulaceError, match="no VARIABLE LABELS section"):
        parse_spss_labels(p.read_text())


def test_real_yrbs_syntax():
    sps = shared("yrbs", "2019_YRBS_spss_syntax.sps")
    v, val = parse_spss_labels(sps.read_text(encoding="utf-8"))
    assert v["Q1"] == "How old are you"
    assert val["Q2"] == [(1.0, "Female"), (2.0, "Male")]
    assert len(val["Q11"]) == 8 and val["Q11"][-1] == (8.0, "All 30 days")
    assert all(f"Q{i}" in val for i in range(8, 100))
