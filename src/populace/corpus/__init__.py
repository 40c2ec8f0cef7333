"""Readers for long-term first-person corpora, one row per post.

Every reader returns a :class:`pandas.DataFrame` with the columns of
:data:`POST_COLUMNS`: ``author_id``, ``post_id`` (``<author_id>-<n>``, n
counting from 0 in file order), ``date`` (the corpus's own date string, may
be empty), ``text`` and the author metadata ``gender``, ``age``, ``topic``,
``sign`` (missing where the corpus has none; extra metadata columns of a
generic table are kept).

Formats:

``blogs``     the original Blog Authorship Corpus folder of
              ``<id>.<gender>.<age>.<topic>.<sign>.xml`` files
              (Schler, Koppel, Argamon & Pennebaker 2006);
``blogtext``  the widely shared ``blogtext.csv`` (id, gender, age, topic, sign,
              date, text);
``table``     any CSV/TSV/JSONL/Parquet with an author column and a text column.

:func:`read_corpus` picks the format from the path. :func:`download_blog_corpus`
fetches and unpacks the original archive for users with internet.
"""

from populace.corpus.blogs import parse_blog_file, parse_blog_name, read_blog_folder
from populace.corpus.download import BLOG_CORPUS_URL, download_blog_corpus
from populace.corpus.tables import POST_COLUMNS, read_blogtext, read_corpus, read_post_table

__all__ = [
    "POST_COLUMNS",
    "read_corpus",
    "read_blog_folder",
    "read_blogtext",
    "read_post_table",
    "parse_blog_file",
    "parse_blog_name",
    "download_blog_corpus",
    "BLOG_CORPUS_URL",
]
