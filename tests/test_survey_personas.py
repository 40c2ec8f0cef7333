"""Reading persona tables in every format, and their errors."""

from __future__ import annotations

import pandas as pd
import pytest

from populace.errors import DataError
from populace.survey import load_personas
from populace.survey.personas import no_persona_frame


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet"])
def test_formats(tmp_path, suffix):
    df = pd.DataFrame({"persona_id": [1, 2], "persona": ["a, b", "c"], "extra": [0, 0]})
    p = tmp_path / f"p{suffix}"
    if suffix == ".csv":
        df.to_csv(p, index=False)
    elif suffix == ".tsv":
        df.to_csv(p, sep="\t", index=False)
    elif suffix == ".jsonl":
        df.to_json(p, orient="records", lines=True)
    else:
        df.to_parquet(p)
    out = load_personas(p)
    assert out["persona_id"].tolist() == ["1", "2"] and out["persona"].tolist() == ["a, b", "c"]
    assert list(out.columns) == ["persona_id", "persona"]


def test_errors_name_file_column_and_row(tmp_path):
    p = tmp_path / "p.csv"
    p.write_text("persona_id,persona\na,hello\n,world\n")
    with pytest.raises(DataError, match=r"p.csv, column 'persona_id', row 2: persona_id is empty"):
        load_personas(p)
    p.write_text("persona_id,persona\n")
    with pytest.raises(DataError, match="no personas"):
        load_personas(p)


def test_no_persona_ids():
    f = no_persona_frame(12)
    assert f["persona_id"].tolist()[:2] == ["nopersona-0000", "nopersona-0001"]
    assert f["persona"].isna().all()
