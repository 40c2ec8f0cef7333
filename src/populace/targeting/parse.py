"""Strict parsers of the targeting replies.

``persona_line``  ``PERSONA: <text>``: one description of ``min_words`` to
                  ``max_words`` words that is not an echo of the instructions.
``query_line``    ``QUERY: <text>``: one query of ``min_words`` to
                  ``max_words`` words that does not copy the persona.
Each raises :class:`ParseError` with a short reason, which the caller sends
back to the model in its one corrective retry.
"""

from __future__ import annotations

import re

from populace.errors import ParseError

WORD = re.compile(r"[A-Za-z0-9']+")
_ECHO = (
    "target group",
    "revise the description",
    "reply with",
    "search query",
    "<<<data",
    "data>>>",
)


def _after_tag(text: str, tag: str, *, one_line: bool = False) -> str:
    """The text after ``TAG:`` up to an empty line or another ``WORD:`` line."""
    m = re.search(rf"(?im)^[\s*\"']*{tag}\s*[:：]\s*", text or "")
    if not m:
        raise ParseError(f'the reply has no line starting with "{tag}:"')
    lines = []
    for i, line in enumerate(text[m.end() :].splitlines()):
        if i and (one_line or not line.strip() or re.match(r"^\s*[A-Z][A-Z_ ]{2,}\s*:", line)):
            break
        lines.append(line.strip())
    return " ".join(lines).strip().strip('"*').strip()


def _check_words(body: str, what: str, min_words: int, max_words: int) -> None:
    n = len(WORD.findall(body))
    if n < min_words:
        raise ParseError(f"the {what} has {n} words; write at least {min_words}")
    if n > max_words:
        raise ParseError(f"the {what} has {n} words; write at most {max_words}")
    low = body.lower()
    for e in _ECHO:
        if e in low:
            raise ParseError(f"the {what} repeats the instructions ({e!r})")


def persona_line(text: str, *, min_words: int = 8, max_words: int = 150) -> str:
    body = _after_tag(text, "PERSONA")
    if body.upper().startswith("NULL"):
        raise ParseError("write a revised description, not NULL")
    _check_words(body, "description", min_words, max_words)
    return body


def query_line(text: str, persona: str = "", *, min_words: int = 2, max_words: int = 40) -> str:
    body = _after_tag(text, "QUERY", one_line=True)
    _check_words(body, "query", min_words, max_words)
    if re.match(r"(?i)^(i|i'm|i am|my)\b", body):
        raise ParseError(
            "the query describes the person in the first person; write a search query about them"
        )
    if persona and len(body) > 15 and body.lower().rstrip("-. ") in persona.lower():
        raise ParseError("the query copies the description; describe the person in new words")
    return body
