"""blogtext.csv and generic post tables (CSV/JSONL/Parquet), built from real posts."""

import pandas as pd
import pytest

from populace.corpus import read_blogtext, read_corpus, read_post_table
from populace.corpus.tables import detect_format
from populace.errors import DataError
from tests._mining_helpers import blogs_dir


@pytest.fixture(scope="module")
def real_posts():
    return read_corpus(blogs_dir(), limit_authors=2)


def test_blogtext_layout(tmp_path, real_posts):
    bt = real_posts.rename(columns={"author_id": "id"})[
        ["id", "gender", "age", "topic", "sign", "date", "text"]
    ]
    path = tmp_path / "blogtext.csv"
    bt.to_csv(path, index=False)
    assert detect_format(path) == "blogtext"
    got = read_corpus(path)
    assert got.attrs["format"] == "blogtext"
    assert got["text"].tolist() == real_posts["text"].tolist()
    assert got["post_id"].tolist() == real_posts["post_id"].tolist()
    assert got["age"].tolist() == real_posts["age"].tolist()
    assert read_blogtext(path, limit_authors=1)["author_id"].nunique() == 1


def test_blogtext_missing_columns(tmp_path):
    path = tmp_path / "b.csv"
    pd.DataFrame({"id": [1], "text": ["x"]}).to_csv(path, index=False)
    with pytest.raises(DataError, match="missing column"):
        read_blogtext(path)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_generic_table_with_named_columns(tmp_path, real_posts, suffix):
    t = pd.DataFrame(
        {
            "writer": real_posts["author_id"],
            "body": real_posts["text"],
            "when": real_posts["date"],
            "country": "US",
        }
    )
    path = tmp_path / f"posts{suffix}"
    {
        ".csv": lambda: t.to_csv(path, index=False),
        ".jsonl": lambda: t.to_json(path, orient="records", lines=True),
        ".parquet": lambda: t.to_parquet(path),
    }[suffix]()
    got = read_corpus(path, author_column="writer", text_column="body", date_column="when")
    assert got.attrs["format"] == "table"
    assert got["text"].tolist() == real_posts["text"].tolist()
    assert got["author_id"].tolist() == real_posts["author_id"].tolist()
    assert "country" in got.columns and got["gender"].isna().all()


def test_generic_table_guesses_and_errors(tmp_path):
    path = tmp_path / "p.csv"
    pd.DataFrame({"author": ["a", "a", "b"], "content": ["hi there", "", "yo"]}).to_csv(
        path, index=False
    )
    got = read_post_table(path)
    assert got["post_id"].tolist() == ["a-0", "b-0"]  # the empty post is dropped
    with pytest.raises(DataError, match="no text column 'nope'"):
        read_post_table(path, text_column="nope")
    bad = tmp_path / "q.csv"
    pd.DataFrame({"x": [1], "y": [2]}).to_csv(bad, index=False)
    with pytest.raises(DataError, match="no author column"):
        read_post_table(bad)
