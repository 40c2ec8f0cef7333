from populace.errors import DataError


def test_data_error_names_file_column_row():
    e = DataError("bad value", path="f.csv", column="E1", row=3)
    assert str(e) == "file f.csv, column 'E1', row 3: bad value"
    assert (e.path, e.column, e.row) == ("f.csv", "E1", 3)
    assert str(DataError("plain")) == "plain"
