import json

import numpy as np
import pandas as pd
import pytest

from populace.cli import main
from tests.align_data import parts  # noqa: F401


@pytest.fixture(scope="module")
def files(parts, tmp_path_factory):
    pool, ref, _ = parts
    d = tmp_path_factory.mktemp("align")
    P = pool.items.copy()
    P.insert(0, "persona_id", [f"p{i:04d}" for i in range(len(P))])
    P.iloc[:, 1:] = P.iloc[:, 1:] + 0.25 * (P.iloc[:, 1:] < 5)  # floats are fine
    P.to_csv(d / "P.csv", index=False)
    ref.items.to_csv(d / "R.csv", index=False)
    return d


def run(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    return exc.value.code, capsys.readouterr()


def test_align_writes_table_and_diagnostics(files, capsys):
    out = files / "O.parquet"
    args = [
        "align",
        "--responses",
        str(files / "P.csv"),
        "--reference",
        str(files / "R.csv"),
        "--instrument",
        "ipip50",
        "-n",
        "80",
        "--seed",
        "3",
        "--out",
        str(out),
    ]
    code, cap = run(args, capsys)
    assert code in (0, None), cap.err
    frame = pd.read_parquet(out)
    assert list(frame.columns) == ["persona_id", "weight", "count"]
    assert frame["count"].sum() == 80 and frame["persona_id"].str.startswith("p").all()
    diag = json.loads((files / "O.diagnostics.json").read_text())
    assert diag["method"] == "herding" and "in_sample_metrics" in diag
    assert '"stages_seconds"' in cap.out
    run(args, capsys)
    assert pd.read_parquet(out).equals(frame)  # same seed, same output


def test_align_paper_csv_reports_constant_rowsums(files, capsys):
    out = files / "paper.csv"
    code, cap = run(
        [
            "align",
            "-p",
            str(files / "P.csv"),
            "-r",
            str(files / "R.csv"),
            "-n",
            "50",
            "--method",
            "paper",
            "--param",
            "ot_reference=600",
            "--out",
            str(out),
        ],
        capsys,
    )
    assert code in (0, None), cap.err
    assert list(pd.read_csv(out).columns) == ["persona_id", "weight"]
    diag = json.loads((files / "paper.diagnostics.json").read_text())
    assert diag["ot"]["weights"]["constant"] is True


@pytest.mark.parametrize(
    "case,message",
    [
        ("missing_item", "lacks 1 item(s) of instrument ipip50: CSN5"),
        ("nan", "have unanswered items"),
        ("too_many", "cannot select 5000 distinct personas"),
        ("no_reference_rows", "no usable rows"),
    ],
)
def test_bad_inputs_one_clear_line(files, capsys, case, message):
    P = pd.read_csv(files / "P.csv")
    R = pd.read_csv(files / "R.csv")
    n = "10"
    extra = []
    if case == "missing_item":
        P = P.drop(columns=["CSN5"])
    elif case == "nan":
        P.loc[3, "OPN2"] = np.nan
    elif case == "too_many":
        n, extra = "5000", ["--no-duplicates"]
    else:
        R["AGR1"] = np.nan
    P.to_csv(files / f"{case}_P.csv", index=False)
    R.to_csv(files / f"{case}_R.csv", index=False)
    code, cap = run(
        [
            "align",
            "-p",
            str(files / f"{case}_P.csv"),
            "-r",
            str(files / f"{case}_R.csv"),
            "-n",
            n,
            "--out",
            str(files / f"{case}.csv"),
            *extra,
        ],
        capsys,
    )
    assert code == 2
    lines = cap.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in cap.err


def test_align_match_with_personas_table_and_codes(parts, files, capsys, tmp_path):
    pool, ref, _ = parts
    P = pd.read_csv(files / "P.csv")
    people = pd.DataFrame(
        {
            "persona_id": P["persona_id"],
            "gender": np.where(np.arange(len(P)) % 5 == 0, "female", "male"),
            "age": pool.meta["age"].to_numpy(),
        }
    )
    people.loc[0, "gender"] = "nonbinary"
    people.to_csv(tmp_path / "people.csv", index=False)
    R = ref.items.assign(sex=ref.meta["gender"].to_numpy(), age=ref.meta["age"].to_numpy())
    R.to_csv(tmp_path / "R.csv", index=False)
    (tmp_path / "codes.json").write_text(
        json.dumps({"gender": {"1": "male", "2": "female", "3": "other", "0": None}})
    )
    out = tmp_path / "O.csv"
    code, cap = run(
        [
            "align",
            "-p",
            str(files / "P.csv"),
            "-r",
            str(tmp_path / "R.csv"),
            "-n",
            "80",
            "--match",
            "age,gender=sex",
            "--match-codes",
            str(tmp_path / "codes.json"),
            "--personas",
            str(tmp_path / "people.csv"),
            "--out",
            str(out),
        ],
        capsys,
    )
    assert code in (0, None), cap.err
    assert "warning: 1 of 800 personas have a gender no human has ('nonbinary': 1)" in cap.err
    assert "gender: TV to the humans" in cap.out
    diag = json.loads((tmp_path / "O.diagnostics.json").read_text())
    g = diag["demographics"]["columns"]["gender"]
    assert g["tv_selected"] < 0.02 < g["tv_pool"] and g["reference_column"] == "sex"
    assert diag["params"]["match"] == ["age", "gender"]


def test_align_match_missing_column_is_one_error(files, capsys):
    code, cap = run(
        [
            "align",
            "-p",
            str(files / "P.csv"),
            "-r",
            str(files / "R.csv"),
            "-n",
            "10",
            "--match",
            "gender",
            "--out",
            str(files / "m.csv"),
        ],
        capsys,
    )
    assert code == 2
    line = cap.err.strip().splitlines()
    assert len(line) == 1 and "'gender' is not in the personas table" in line[0]
