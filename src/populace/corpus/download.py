"""Download the original Blog Authorship Corpus (``blogs.zip``) for users with internet.

``download_blog_corpus(dest)`` streams the archive to ``DEST/blogs.zip``
(through a ``.part`` file, so an interrupted download never looks complete),
extracts every ``*.xml`` member into ``DEST/blogs/`` and returns that folder;
with the folder already filled it does nothing. The corpus is free for
non-commercial research; cite Schler, Koppel, Argamon & Pennebaker (2006),
"Effects of age and gender on blogging", AAAI Spring Symposium on
Computational Approaches to Analyzing Weblogs.

The default URL is the copy the corpus homepage
(https://u.cs.biu.ac.il/~koppel/BlogCorpus.htm) links to; if it stops
working, download ``blogs.zip`` by hand and pass its ``file://`` URL or the
unpacked folder.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path, PurePosixPath

from populace.errors import PopulaceError
from populace.reference.download import _fetch

BLOG_CORPUS_URL = (
    "https://drive.google.com/u/0/uc?id=1cGy4RNDV87ZHEXbiozABr9gsSrZpPaPz&export=download"
)


def download_blog_corpus(
    dest: str | Path, url: str = BLOG_CORPUS_URL, *, force: bool = False, progress: bool = True
) -> Path:
    """Fetch and unpack the corpus; returns the folder of per-blogger XML files."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    folder = dest / "blogs"
    if folder.is_dir() and any(folder.glob("*.xml")) and not force:
        return folder
    archive = dest / "blogs.zip"
    if force or not archive.exists():
        _fetch(url, archive, progress)
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.namelist() if m.lower().endswith(".xml")]
            if not members:
                raise PopulaceError(f"{archive} holds no .xml blogger files")
            tmp = dest / "blogs.part"
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
            for m in members:
                name = PurePosixPath(m).name
                with zf.open(m) as src, open(tmp / name, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            shutil.rmtree(folder, ignore_errors=True)
            tmp.replace(folder)
    except zipfile.BadZipFile:
        archive.unlink(missing_ok=True)
        raise PopulaceError(
            f"{url} did not give a zip archive; removed the download. Download "
            "blogs.zip by hand from https://u.cs.biu.ac.il/~koppel/BlogCorpus.htm "
            "and pass its folder with --corpus"
        ) from None
    return folder
