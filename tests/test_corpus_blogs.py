"""The original Blog Authorship Corpus folder reader, on real files and a malformed one."""

import re

import pytest

from populace.corpus import parse_blog_file, parse_blog_name, read_blog_folder, read_corpus
from populace.errors import DataError, PopulaceError
from tests._mining_helpers import BLOG_A, blogs_dir


def test_name_metadata():
    d = parse_blog_name(BLOG_A)
    assert d == {
        "author_id": "23191",
        "gender": "female",
        "age": 23,
        "topic": "Advertising",
        "sign": "Taurus",
    }
    with pytest.raises(DataError, match="does not follow"):
        parse_blog_name("notes.txt")


def test_real_file_posts_match_post_tags():
    path = blogs_dir() / BLOG_A
    raw = path.read_bytes().decode("latin-1")
    posts = parse_blog_file(path)
    n_tags = len(re.findall(r"<post>", raw, re.I))
    assert 0 < len(posts) <= n_tags
    assert all(p["text"] == p["text"].strip() and "\r" not in p["text"] for p in posts)
    assert posts[0]["date"] == "17,April,2004"
    assert posts[0]["text"].startswith('"Being Twenty-Something"')


def test_folder_reader_keeps_metadata(tmp_path):
    frame = read_blog_folder(blogs_dir(), limit_authors=3)
    assert frame["author_id"].nunique() == 3
    assert list(frame.columns[:8]) == [
        "author_id",
        "post_id",
        "date",
        "text",
        "gender",
        "age",
        "topic",
        "sign",
    ]
    a = frame[frame["author_id"] == "23191"]
    assert set(a["gender"]) == {"female"} and set(a["age"]) == {23}
    assert a["post_id"].iloc[0] == "23191-0" and a["post_id"].is_unique
    assert frame.attrs["format"] == "blogs"
    assert read_corpus(blogs_dir(), limit_authors=1)["author_id"].nunique() == 1


def test_malformed_file_is_read_leniently(tmp_path):
    d = tmp_path / "blogs"
    d.mkdir()
    # not well-formed: bare &, stray <, unclosed last post, latin-1 byte, CRLF
    (d / "42.male.17.Student.Leo.xml").write_bytes(
        b"<Blog>\r\n<date>01,May,2004</date>\r\n<post>\r\n  I love R&B & caf\xe9 < 3 &amp; more"
        b"\r\n</post>\r\n<date>02,May,2004</date><post>  second   post, never closed\r\n"
    )
    (d / "bad-name.xml").write_text("<Blog><post>x</post></Blog>")
    (d / "7.female.25.Arts.Leo.xml").write_text("<Blog></Blog>")  # no post
    frame = read_blog_folder(d)
    assert frame["text"].tolist() == [
        "I love R&B & caf\u00e9 < 3 & more",
        "second post, never closed",
    ]
    assert frame["date"].tolist() == ["01,May,2004", "02,May,2004"]
    assert len(frame.attrs["skipped"]) == 2
    with pytest.raises(DataError):
        read_blog_folder(d, strict=True)


def test_missing_or_empty_folder_is_clear(tmp_path):
    with pytest.raises(PopulaceError, match="does not exist"):
        read_blog_folder(tmp_path / "nope")
    with pytest.raises(PopulaceError, match="holds no"):
        read_blog_folder(tmp_path)
