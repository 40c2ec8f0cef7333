"""Errors that the CLI prints as one clear line, never a traceback.

:class:`PopulaceError` subclasses :class:`ValueError`: most of them reject an
argument or an input value, so ``except ValueError`` catches them as it would
numpy's or pandas' errors.  :class:`ParseError` is the one error of LLM reply
parsers (mining, targeting): the retry loop (``populace.llm.retry``) sends its
message back to the model as the reason for a corrective retry.
"""

from __future__ import annotations


class PopulaceError(ValueError):
    """A problem with the user's input or setup, stated so they can fix it."""


class DataError(PopulaceError):
    """Bad data in a file: says which file, column and row where it can."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        column: str | None = None,
        row: int | None = None,
    ):
        self.path, self.column, self.row = path, column, row
        where = []
        if path is not None:
            where.append(f"file {path}")
        if column is not None:
            where.append(f"column {column!r}")
        if row is not None:
            where.append(f"row {row}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class ParseError(ValueError):
    """An LLM reply that does not have the required form; the message says why."""
