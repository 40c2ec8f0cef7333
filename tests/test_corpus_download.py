"""The corpus download code, run on a local file:// archive of real files."""

import zipfile

import pytest

from populace.corpus import download_blog_corpus, read_corpus
from populace.errors import PopulaceError
from tests._mining_helpers import BLOG_A, BLOG_B, blogs_dir


def test_download_and_unpack(tmp_path):
    src = tmp_path / "src" / "blogs.zip"
    src.parent.mkdir()
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in (BLOG_A, BLOG_B):
            zf.write(blogs_dir() / name, f"blogs/{name}")
    folder = download_blog_corpus(tmp_path / "dest", src.as_uri(), progress=False)
    assert sorted(p.name for p in folder.glob("*.xml")) == sorted([BLOG_A, BLOG_B])
    assert not list((tmp_path / "dest").glob("*.part"))
    assert read_corpus(folder)["author_id"].nunique() == 2
    src.unlink()  # a second call reuses the folder
    assert download_blog_corpus(tmp_path / "dest", src.as_uri(), progress=False) == folder


def test_bad_downloads_are_clear(tmp_path):
    with pytest.raises(PopulaceError, match="could not download"):
        download_blog_corpus(tmp_path / "d1", (tmp_path / "missing.zip").as_uri(), progress=False)
    bad = tmp_path / "x.zip"
    bad.write_text("<html>not a zip</html>")
    with pytest.raises(PopulaceError, match="did not give a zip"):
        download_blog_corpus(tmp_path / "d2", bad.as_uri(), progress=False)
    assert not (tmp_path / "d2" / "blogs.zip").exists()
