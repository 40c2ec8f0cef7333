import pytest

from populace.errors import DataError, ParseError, PopulaceError


def test_data_error_names_file_column_row():
    e = DataError("bad value", path="f.csv", column="E1", row=3)
    assert str(e) == "file f.csv, column 'E1', row 3: bad value"
    assert (e.path, e.column, e.row) == ("f.csv", "E1", 3)
    assert str(DataError("plain")) == "plain"


def test_populace_errors_are_value_errors():
    # argument checks can be caught as ValueError, like numpy's and pandas' own
    with pytest.raises(ValueError, match="unknown alignment method"):
        from populace.align import method_parameters

        method_parameters("nope")
    assert issubclass(DataError, ValueError) and issubclass(PopulaceError, ValueError)


def test_one_parse_error_for_every_parser():
    from populace.mining import parse as mining_parse
    from populace.targeting import parse as targeting_parse

    assert mining_parse.ParseError is ParseError is targeting_parse.ParseError
    assert issubclass(ParseError, ValueError) and not issubclass(ParseError, PopulaceError)
    with pytest.raises(ParseError, match="PERSONA"):
        targeting_parse.persona_line("no tag here", min_words=1, max_words=10)
