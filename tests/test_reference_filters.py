import pandas as pd
import pytest

from populace.errors import PopulaceError
from populace.reference.filters import filter_mask, parse_condition

FRAME = pd.DataFrame(
    {"age": [15, 18, 40, None], "gender": [1, 2, 2, 1], "country": ["US", "gb", " GB", "DE"]}
)


@pytest.mark.parametrize(
    "cond,want",
    [
        ("age>=18", [False, True, True, False]),
        ("age < 18", [True, False, False, False]),
        ("gender==2", [False, True, True, False]),
        ("gender != 2", [True, False, False, True]),
        ("gender in 1,2", [True, True, True, True]),
        ("country in US,DE", [True, False, False, True]),
    ],
)
def test_conditions(cond, want):
    assert filter_mask(FRAME, where=[cond]).tolist() == want


def test_country_is_case_and_space_insensitive():
    assert filter_mask(FRAME, country=["gb"]).tolist() == [False, True, True, False]


def test_conditions_combine():
    m = filter_mask(FRAME, country=["GB"], where=["age>20"])
    assert m.tolist() == [False, False, True, False]


@pytest.mark.parametrize("bad", ["age", "age >> 3", "18<=age"])
def test_bad_condition(bad):
    with pytest.raises(PopulaceError, match="cannot read filter"):
        parse_condition(bad)


def test_country_filter_needs_country_column():
    with pytest.raises(PopulaceError, match="filter column 'country'"):
        filter_mask(pd.DataFrame({"a": [1]}), country=["US"])
