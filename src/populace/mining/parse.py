"""Strict parsers of the LLM stages' replies.

Each parser returns a value or raises :class:`ParseError` with a short reason,
which the caller sends back to the model in its corrective retry and records
when the last attempt fails. Accepted formats:

``clean``   the text between ``<cleaned>`` and ``</cleaned>``; it must keep the
            post's own words (at least ``min_overlap`` of its words occur in
            the post), keep at least half of the post's words, and may not be
            longer than the post, so a reply that answers, summarises, echoes
            the instructions or obeys the post is rejected.
``qc``      a JSON object {"quality": high|medium|low, "harmful": yes|no} (or
            "harmless": yes|no; also ``key: value`` lines); nothing else counts.
``critic``  a JSON object with integer scores 1-10 for hallucination, coverage,
            conciseness, relevance, overall (also ``key: value`` lines).
``persona`` ``PERSONA: ...`` then ``EVIDENCE:`` and ``- "quote"`` lines;
            ``PERSONA: NULL`` means the posts do not support a persona. A
            trailing "(Post 3)" reference is dropped from a quote, a quote is
            kept to its first 40 words, and a last quote cut off by the token
            limit (opened, never closed) is dropped when another quote exists.
            A paragraph over ``max_words`` is cut after its last full sentence
            within the limit (``trimmed``); it fails if that leaves < 15 words.
``pii``     a JSON object {"full_names": [...]}.
"""

from __future__ import annotations

import json
import re

from populace.errors import ParseError

WORD = re.compile(r"[A-Za-z0-9']+")
FIRST_PERSON = re.compile(
    r"\b(i|me|my|mine|myself|we|us|our|ours|ourselves|i'm|i've|i'd|i'll|"
    r"im|ive)\b",
    re.IGNORECASE,
)
MAX_QUOTE_WORDS = 40  # an evidence quote is kept to its first 40 words
CRITIC_KEYS = ("hallucination", "coverage", "conciseness", "relevance", "overall")


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


def json_object(text: str) -> dict:
    """The first balanced ``{...}`` in ``text`` parsed as JSON (keys lower-cased)."""
    start = text.find("{")
    while start != -1:
        depth, in_str, esc = 0, False, False
        for i in range(start, len(text)):
            c = text[i]
            if in_str:
                esc = (c == "\\") and not esc
                if c == '"' and not esc:
                    in_str = False
                continue
            if c == '"':
                in_str = True
            elif c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    try:
                        obj = json.loads(text[start : i + 1])
                    except json.JSONDecodeError:
                        break
                    if isinstance(obj, dict):
                        return {str(k).strip().lower(): v for k, v in obj.items()}
                    break
        start = text.find("{", start + 1)
    raise ParseError("no JSON object found")


def key_lines(text: str, keys) -> dict:
    """``key: value`` lines (optionally quoted, bulleted or bold) for the given keys."""
    out = {}
    for k in keys:
        m = re.search(rf'(?im)^[\s\-*"]*{k}["*]*\s*[:=]\s*"?([^",\n]+)', text)
        if m:
            out[k] = m.group(1).strip().strip('*"').strip()
    return out


def _fields(text: str, keys) -> dict:
    try:
        obj = json_object(text)
        if all(k in obj for k in keys):
            return obj
        missing = [k for k in keys if k not in obj]
        raise ParseError(f"the JSON object lacks {', '.join(missing)}")
    except ParseError as exc:
        lines = key_lines(text, keys)
        if all(k in lines for k in keys):
            return lines
        raise exc


def parse_qc(text: str) -> dict:
    """{"quality", "harmless"}; the default prompt asks for "harmful" (small models
    answered "harmless": "no" for ordinary posts), so either key is accepted and
    "harmful": "no" is recorded as harmless "yes"."""
    try:
        obj, key = _fields(text, ("quality", "harmful")), "harmful"
    except ParseError:
        obj, key = _fields(text, ("quality", "harmless")), "harmless"
    q = str(obj["quality"]).strip().lower()
    h = obj[key]
    h = ("yes" if h else "no") if isinstance(h, bool) else str(h).strip().lower()
    if q not in ("high", "medium", "low"):
        raise ParseError(f'quality must be "high", "medium" or "low", not {obj["quality"]!r}')
    if h not in ("yes", "no"):
        raise ParseError(f'{key} must be "yes" or "no", not {obj[key]!r}')
    if key == "harmful":
        h = "no" if h == "yes" else "yes"
    return {"quality": q, "harmless": h}


def parse_critic(text: str) -> dict:
    obj = _fields(text, CRITIC_KEYS)
    out = {}
    for k in CRITIC_KEYS:
        v = obj[k]
        if isinstance(v, bool):
            raise ParseError(f"{k} must be an integer from 1 to 10")
        if isinstance(v, str):
            m = re.fullmatch(r"\s*(\d+)(?:\s*/\s*10)?\s*", v)
            if not m:
                raise ParseError(f"{k} must be an integer from 1 to 10, not {v!r}")
            v = int(m.group(1))
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if not isinstance(v, int) or not 1 <= v <= 10:
            raise ParseError(f"{k} must be an integer from 1 to 10, not {v!r}")
        out[k] = v
    return out


def parse_clean(text: str, original: str, min_overlap: float = 0.8) -> str:
    m = re.search(r"<cleaned>(.*?)</cleaned>", text, re.DOTALL | re.IGNORECASE)
    if not m:
        raise ParseError("the reply must put the cleaned post between <cleaned> and </cleaned>")
    cleaned = m.group(1).strip()
    cw, ow = words(cleaned), set(words(original))
    if not cw:
        raise ParseError("the cleaned post is empty; give the whole post without markup")
    if len(cw) < 0.5 * len(words(original)):
        raise ParseError(
            "the cleaned post lost more than half of the post; only remove markup, "
            "URLs and non-English snippets"
        )
    if len(cw) > len(words(original)) + 5:
        raise ParseError("the cleaned post is longer than the post; only remove text")
    overlap = sum(w in ow for w in cw) / len(cw)
    if overlap < min_overlap:
        raise ParseError(
            f"only {overlap:.0%} of the cleaned words occur in the post; keep the "
            "author's own words"
        )
    return cleaned


_PERSONA = re.compile(
    r"PERSONA\s*:\s*(.*?)\s*(?=^\W*EVIDENCE\W*:|\Z)", re.DOTALL | re.IGNORECASE | re.MULTILINE
)
_EVIDENCE = re.compile(r"EVIDENCE\W*:(.*)\Z", re.DOTALL | re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s*(.+?)\s*$", re.MULTILINE)


def parse_persona(text: str, max_words: int = 100) -> dict:
    """{"persona": str | None, "evidence": [str]}; persona None means NULL (unsupported)."""
    m = _PERSONA.search(text)
    if not m:
        raise ParseError('the reply must start with "PERSONA:"')
    persona = m.group(1).strip().strip('"*_ ').strip()
    # a reply that also ends its paragraph with the next heading ("... EVIDENCE:")
    persona = re.sub(r"\s*\**EVIDENCE\W*$", "", persona, flags=re.IGNORECASE).strip()
    if re.fullmatch(r"\W*NULL\W*", persona, re.IGNORECASE):
        return {"persona": None, "evidence": []}
    if not persona:
        raise ParseError("the persona is empty (write NULL if the posts do not support one)")
    if persona.startswith("<") and persona.endswith(">"):
        raise ParseError("replace the placeholder <...> with the persona itself")
    persona, trimmed = trim_to_words(persona, max_words)
    if persona is None:
        raise ParseError(f"the persona has more than {max_words} words; the limit is {max_words}")
    if re.match(r"(i|my|we|our)\b", persona, re.IGNORECASE):
        raise ParseError("write the persona in the third person")
    ev = _EVIDENCE.search(text)
    quotes = []
    if ev:
        lines = _BULLET.findall(ev.group(1))
        for j, b in enumerate(lines):
            b = re.sub(r"\s*\((?:post|posts)\s*[\d, and]+\)\s*$", "", b.strip(), flags=re.I)
            opened = b[:1] in '"\u201c'
            closed = b[-1:] in '"\u201d'
            if j == len(lines) - 1 and opened and not closed and quotes:
                break  # the reply was cut off inside its last quote: drop that quote
            q = b.strip("\"\u201c\u201d'").strip()
            if re.search(r"\w", q) and not q.startswith("<"):
                quotes.append(" ".join(q.split()[:MAX_QUOTE_WORDS]))
    if not quotes:
        raise ParseError('give at least one evidence quote as a line - "quote" after EVIDENCE:')
    return {"persona": persona, "evidence": quotes, "trimmed": trimmed}


_SENTENCE_END = re.compile(r"[.!?][\"\u201d')]*(?=\s|$)")
MIN_TRIMMED_WORDS = 15  # a cut that leaves fewer words is a failure, not a persona


def trim_to_words(text: str, max_words: int) -> tuple[str | None, bool]:
    """(text, False) when it has at most ``max_words`` words; else the text cut after
    its last full sentence within the limit, (cut, True), or (None, False) when
    that leaves fewer than ``MIN_TRIMMED_WORDS`` words (small models run on past
    the limit, often repeating themselves, so the first sentences are the persona)."""
    if len(text.split()) <= max_words:
        return text, False
    best = None
    for m in _SENTENCE_END.finditer(text):
        head = text[: m.end()]
        if len(head.split()) > max_words:
            break
        best = head
    if best is None or len(best.split()) < min(MIN_TRIMMED_WORDS, max_words):
        return None, False
    return best.strip(), True


_NUMBER = re.compile(r"\d+")


def unsupported_numbers(persona: str, posts: list[str]) -> list[str]:
    """Numbers in ``persona`` that occur in none of ``posts`` (as whole numbers)."""
    return _absent(persona, _numbers(posts))


def _numbers(posts: list[str]) -> set[str]:
    return set(_NUMBER.findall(" ".join(posts)))  # maximal digit runs: whole numbers


def _absent(text: str, found: set[str]) -> list[str]:
    return sorted(set(_NUMBER.findall(text or "")) - found, key=int)


def drop_unsupported_sentences(persona: str, posts: list[str]) -> tuple[str | None, int]:
    """``persona`` without the sentences that state a number found in none of
    ``posts`` (small models invent ages and years: "She is a 30-year-old software
    developer."), and how many were dropped; (None, n) when fewer than
    ``MIN_TRIMMED_WORDS`` words remain."""
    found = _numbers(posts)
    if not _absent(persona, found):
        return persona, 0
    cuts = [0] + [m.end() for m in _SENTENCE_END.finditer(persona)]
    if cuts[-1] < len(persona.rstrip()):
        cuts.append(len(persona))
    kept, dropped = [], 0
    for a, b in zip(cuts, cuts[1:]):
        sentence = persona[a:b].strip()
        if not sentence:
            continue
        if _absent(sentence, found):
            dropped += 1
        else:
            kept.append(sentence)
    text = " ".join(kept)
    if len(text.split()) < MIN_TRIMMED_WORDS:
        return None, dropped
    return text, dropped


def parse_pii_names(text: str) -> list[str]:
    obj = json_object(text)
    names = obj.get("full_names", obj.get("names"))
    if not isinstance(names, list) or not all(isinstance(x, str) for x in names):
        raise ParseError('the reply must be {"full_names": [...]} with a list of strings')
    return [x.strip() for x in names if x.strip()]


def evidence_support(quotes: list[str], posts: list[str]) -> float:
    """Share of quotes found in the posts (exact after case/space folding, or 80% of
    their words in one post)."""
    if not quotes:
        return float("nan")
    folded = [" ".join(words(p)) for p in posts]
    sets = [set(f.split()) for f in folded]
    hits = 0
    for q in quotes:
        fq, wq = " ".join(words(q)), words(q)
        if fq and any(fq in f for f in folded):
            hits += 1
        elif wq and any(sum(w in s for w in wq) / len(wq) >= 0.8 for s in sets):
            hits += 1
    return hits / len(quotes)
