"""Facts from the corpus: what the corpus says about an author (gender, age,
industry), told to the persona writer as known facts, and a rule check (no
LLM) of each persona against them.

The Blog Authorship Corpus names every file ``<id>.<gender>.<age>.<industry>.<sign>.xml``;
generic corpora map their columns to ``gender``, ``age`` and ``industry``
(``read_corpus(..., meta_columns=...)``). A deviation from Hu et al. (2025),
whose persona writer sees the text only: a 1.5B writer given text alone wrote
37% of male bloggers as "she" and stated ages up to 20 years off.

The check (:func:`check`) finds three kinds of contradiction:

``gender``      the persona's pronouns (he/him/his/himself vs she/her/hers/herself)
                are mostly of the other gender, its first word is the other
                gender's subject pronoun (the writer is told to begin with the
                author's pronoun; the e2e v2 run kept 29 of 472 personas that
                open "He is a woman ..." and go on as "she"), or it calls the
                author a gendered noun of the other gender ("a mother of two",
                "is a young man");
``age``         it states an age (``24-year-old``, ``aged 24``, ``in her
                early twenties``, ``teenager``, ``middle-aged``) more than
                ``AGE_TOLERANCE`` (3) years from the corpus's age;
``occupation``  it gives the author an occupation that the corpus's industry
                rules out (a professional job for a "Student", a lawyer in
                "Education"; see ``OCCUPATIONS``).

:func:`repair` fixes what it can: pronouns and gendered nouns are swapped to
the corpus's gender (only the opening word, where the rest is right), a
stated number of years is replaced by the corpus's age, and a sentence with
an age phrase or an occupation that cannot be fixed in place is dropped. A
persona that still contradicts, or is left with fewer than ``MIN_WORDS``
words, is dropped by the persona stage.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

AGE_TOLERANCE = 3
MIN_WORDS = 15
UNKNOWN = {"", "indunk", "unknown", "nan", "none", "na", "n/a"}

_GENDER_CODES = {
    "male": "male",
    "m": "male",
    "man": "male",
    "1": "male",
    "female": "female",
    "f": "female",
    "woman": "female",
    "2": "female",
}

PRONOUNS = {"male": ("he", "him", "his", "himself"), "female": ("she", "her", "hers", "herself")}
_SWAP_TO_MALE = {"she": "he", "hers": "his", "herself": "himself"}
_SWAP_TO_FEMALE = {"he": "she", "him": "her", "his": "her", "himself": "herself"}
NOUNS = {  # female: male
    "woman": "man",
    "girl": "boy",
    "lady": "gentleman",
    "mother": "father",
    "mom": "dad",
    "mum": "dad",
    "wife": "husband",
    "daughter": "son",
    "sister": "brother",
    "girlfriend": "boyfriend",
    "actress": "actor",
    "waitress": "waiter",
    "housewife": "househusband",
    "female": "male",
    "businesswoman": "businessman",
    "grandmother": "grandfather",
    "aunt": "uncle",
    "niece": "nephew",
    "widow": "widower",
}
_MALE_NOUNS = {m: f for f, m in NOUNS.items()}
_MALE_NOUNS.update({"guy": "woman", "dude": "woman"})

# occupation words and the corpus industries they fit; a persona that gives the
# author one of them contradicts an industry outside its set (any of them
# contradicts "Student", the industry of school and college bloggers)
_TECH = {
    "Technology",
    "Internet",
    "Engineering",
    "Telecommunications",
    "Consulting",
    "Science",
    "BusinessServices",
    "Biotech",
}
OCCUPATIONS: dict[str, set[str]] = {
    "teacher": {"Education"},
    "professor": {"Education", "Science"},
    "lecturer": {"Education"},
    "principal": {"Education"},
    "lawyer": {"Law"},
    "attorney": {"Law"},
    "paralegal": {"Law"},
    "software developer": _TECH,
    "software engineer": _TECH,
    "programmer": _TECH,
    "web developer": _TECH | {"Communications-Media", "Marketing", "Advertising"},
    "engineer": _TECH
    | {
        "Manufacturing",
        "Construction",
        "Automotive",
        "Chemicals",
        "Military",
        "Transportation",
        "Architecture",
    },
    "scientist": {"Science", "Biotech", "Chemicals", "Education", "Technology"},
    "accountant": {"Accounting", "Banking", "InvestmentBanking", "BusinessServices"},
    "banker": {"Banking", "InvestmentBanking"},
    "journalist": {"Communications-Media", "Publishing", "Internet"},
    "reporter": {"Communications-Media", "Publishing"},
    "editor": {"Communications-Media", "Publishing", "Internet", "Marketing", "Advertising"},
    "architect": {"Architecture", "Construction", "Engineering"},
    "police officer": {"LawEnforcement-Security", "Government"},
    "soldier": {"Military"},
    "pastor": {"Religion"},
    "priest": {"Religion"},
    "minister": {"Religion", "Government"},
    "nurse": set(),
    "doctor": set(),
    "physician": set(),
    "real estate agent": {"RealEstate"},
    "marketing manager": {"Marketing", "Advertising", "BusinessServices"},
    "consultant": {"Consulting", "BusinessServices", "Technology"},
    "librarian": {"Museums-Libraries", "Education"},
}
_INDUSTRY_WORDS = {
    "Communications-Media": "communications and media",
    "BusinessServices": "business services",
    "Non-Profit": "the non-profit sector",
    "Sports-Recreation": "sports and recreation",
    "LawEnforcement-Security": "law enforcement and security",
    "Museums-Libraries": "museums and libraries",
    "HumanResources": "human resources",
    "InvestmentBanking": "investment banking",
    "RealEstate": "real estate",
}

_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
_SENT = re.compile(r"(?<=[.!?])\s+")
_DECADES = {
    "teens": (13, 19),
    "twenties": (20, 29),
    "20s": (20, 29),
    "thirties": (30, 39),
    "30s": (30, 39),
    "forties": (40, 49),
    "40s": (40, 49),
    "fifties": (50, 59),
    "50s": (50, 59),
    "sixties": (60, 69),
    "60s": (60, 69),
    "seventies": (70, 79),
    "70s": (70, 79),
}
_AGE_NUM = re.compile(
    r"\b(\d{1,2})(?:[- ]years?[- ]old\b|\s*y/?o\b)|\b(?:aged?|age of)\s+(\d{1,2})\b", re.IGNORECASE
)
_AGE_DECADE = re.compile(
    r"\b(?:in|during)\s+(?:his|her|their|the)\s+(early|mid|mid-|late)?\s*-?"
    r"(teens|twenties|thirties|forties|fifties|sixties|seventies|"
    r"[2-7]0'?s)\b",
    re.IGNORECASE,
)
_AGE_WORDS = {
    "teenager": (13, 19),
    "teenaged": (13, 19),
    "teen": (13, 19),
    "adolescent": (12, 18),
    "middle-aged": (40, 65),
    "retiree": (60, 90),
    "retired": (58, 90),
    "elderly": (65, 100),
    "twenty-something": (20, 29),
    "thirty-something": (30, 39),
}
_AGE_WORD = re.compile(r"\b(" + "|".join(map(re.escape, _AGE_WORDS)) + r")s?\b", re.IGNORECASE)
#: where a noun names the author: at a sentence's start ("A devoted mother, he ...",
#: "As a mother of two, ..."), or after the persona's own pronoun and a copula ("She is
#: a caring man", "He works as a waitress"); not in a clause about someone else ("her
#: best friend, who was a guy"), which is no claim about the author
_SELF = (
    r"(?:(?:^|[.!?]\s+)(?:(?:as|being)\s+)?"
    r"|\b(?:he|she|they)\s+(?:is|was|are|were|works?\s+as|has\s+been|have\s+been)"
    r"\s+(?:also\s+|now\s+|still\s+)?)(?:an?|the)\s+(?:[\w-]+\s+){0,3}?"
)


@dataclass
class Facts:
    """What the corpus says about one author (None: not known)."""

    gender: str | None = None  # "male" | "female"
    age: int | None = None
    industry: str | None = None  # the corpus's label, e.g. "Student", "Technology"

    @property
    def known(self) -> bool:
        return any(v is not None for v in (self.gender, self.age, self.industry))


@dataclass
class Check:
    """Contradictions of one persona with its author's facts."""

    gender: list[str] = field(default_factory=list)
    age: list[str] = field(default_factory=list)
    occupation: list[str] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        return [k for k in ("gender", "age", "occupation") if getattr(self, k)]

    @property
    def ok(self) -> bool:
        return not self.kinds


def author_facts(meta: dict) -> Facts:
    """Normalise a row of author metadata (``gender``, ``age``, ``industry`` or the
    blog corpus's ``topic``) into :class:`Facts`; unknown or unreadable values are None."""
    g = str(meta.get("gender", "") or "").strip().lower()
    gender = _GENDER_CODES.get(g)
    age = meta.get("age")
    try:
        age = (
            int(float(age))
            if age is not None and not (isinstance(age, float) and math.isnan(age))
            else None
        )
    except (TypeError, ValueError):
        age = None
    if age is not None and not 5 <= age <= 110:
        age = None
    ind = meta.get("industry", meta.get("topic"))
    ind = None if ind is None or str(ind).strip().lower() in UNKNOWN else str(ind).strip()
    return Facts(gender=gender, age=age, industry=ind)


def industry_phrase(industry: str) -> str:
    if industry == "Student":
        return "is a student"
    words = (
        _INDUSTRY_WORDS.get(industry)
        or re.sub(r"(?<=[a-z])(?=[A-Z])", " ", industry).replace("-", " and ").lower()
    )
    return f"works in {words}"


def facts_text(f: Facts) -> str:
    """The known-facts lines of the persona prompt ('' when nothing is known)."""
    if not f.known:
        return ""
    parts = []
    if f.gender:
        parts.append("a man" if f.gender == "male" else "a woman")
    if f.age is not None:
        parts.append(f"{f.age} years old")
    if f.industry:
        parts.append(industry_phrase(f.industry))
    pron = {"male": "he/him/his", "female": "she/her/her"}.get(f.gender or "", "they/them/their")
    return (
        "Known facts about the author (certain; use them, do not contradict them): "
        + "; ".join(parts)
        + f".\nRefer to the author as {pron}."
    )


# ------------------------------------------------------------------ check
def _pronoun_counts(text: str) -> dict[str, int]:
    words = [w.lower() for w in _WORD.findall(text)]
    return {g: sum(w in ps for w in words) for g, ps in PRONOUNS.items()}


def _wrong_pronouns(text: str, gender: str) -> str | None:
    """Why the persona's pronouns contradict ``gender`` (most name the other one), or None."""
    other = "female" if gender == "male" else "male"
    counts = _pronoun_counts(text)
    if counts[other] > counts[gender]:
        return f"pronouns {other} {counts[other]} vs {gender} {counts[gender]}"
    return None


_SUBJECT = {"male": "he", "female": "she"}
# the first word, when it is a subject pronoun (a whole word as _WORD reads it: not "He's")
_OPENING = re.compile(r"\s*(he|she)(?![A-Za-z]|'[a-z])", re.IGNORECASE)


def _wrong_opening(text: str, gender: str) -> re.Match | None:
    """The persona's first word (group 1) when it is the other gender's subject pronoun."""
    m = _OPENING.match(text)
    return m if m and m.group(1).lower() != _SUBJECT[gender] else None


def _self_nouns(text: str, nouns) -> list[str]:
    pat = re.compile(
        _SELF + r"(" + "|".join(sorted(nouns, key=len, reverse=True)) + r")\b", re.IGNORECASE
    )
    return [m.group(1).lower() for m in pat.finditer(text)]


def _age_claims(text: str) -> list[tuple[str, int, int]]:
    """(phrase, low, high) of every age the text states."""
    out = []
    for m in _AGE_NUM.finditer(text):
        n = int(m.group(1) or m.group(2))
        out.append((m.group(0), n, n))
    for m in _AGE_DECADE.finditer(text):
        key = m.group(2).lower().replace("'", "")
        lo, hi = _DECADES[key]
        q = (m.group(1) or "").lower().rstrip("-")
        if q == "early":
            hi = lo + 3
        elif q == "mid":
            lo, hi = lo + 3, lo + 6
        elif q == "late":
            lo = lo + 6
        out.append((m.group(0), lo, hi))
    for m in _AGE_WORD.finditer(text):
        lo, hi = _AGE_WORDS[m.group(1).lower()]
        out.append((m.group(0), lo, hi))
    return out


def _occupations(text: str) -> list[str]:
    names = sorted(OCCUPATIONS, key=len, reverse=True)
    pat = re.compile(
        r"\b(?:works?|working|worked)\s+as\s+(?:an?\s+)?(?:[\w-]+\s+){0,2}?("
        + "|".join(map(re.escape, names))
        + r")s?\b|"
        + _SELF
        + r"("
        + "|".join(map(re.escape, names))
        + r")\b",
        re.IGNORECASE,
    )
    return [(m.group(1) or m.group(2)).lower() for m in pat.finditer(text)]


def _occupation_contradicts(occ: str, industry: str | None) -> bool:
    if industry is None:
        return False
    if industry == "Student":
        return True
    return industry not in OCCUPATIONS[occ]


def check(text: str, f: Facts) -> Check:
    """The contradictions of persona ``text`` with ``f`` (see the module doc)."""
    c = Check()
    if not text:
        return c
    if f.gender:
        wrong_pronouns = _wrong_pronouns(text, f.gender)
        if wrong_pronouns:
            c.gender.append(wrong_pronouns)
        elif opening := _wrong_opening(text, f.gender):
            c.gender.append(f"opens with {opening.group(1)!r}")
        wrong = _self_nouns(text, NOUNS if f.gender == "male" else _MALE_NOUNS)
        c.gender += [f"called a {w}" for w in wrong]
    if f.age is not None:
        for phrase, lo, hi in _age_claims(text):
            if f.age < lo - AGE_TOLERANCE or f.age > hi + AGE_TOLERANCE:
                c.age.append(f"{phrase!r} vs {f.age}")
    for occ in _occupations(text):
        if _occupation_contradicts(occ, f.industry):
            c.occupation.append(f"{occ!r} vs industry {f.industry}")
    return c


# ------------------------------------------------------------------ repair
def _case(src: str, dst: str) -> str:
    if src.isupper() and len(src) > 1:
        return dst.upper()
    return dst.capitalize() if src[:1].isupper() else dst


_OBJ_NEXT = {
    "to",
    "and",
    "or",
    "but",
    "with",
    "for",
    "in",
    "on",
    "at",
    "as",
    "that",
    "than",
    "when",
    "because",
    "so",
    "from",
    "by",
    "about",
    "into",
    "up",
    "down",
    "out",
    "off",
    "over",
    "back",
    "feel",
    "feels",
    "happy",
    "sad",
    "laugh",
    "smile",
    "think",
    "want",
    "apart",
    "again",
    "too",
    "most",
    "more",
    "well",
    "best",
    "through",
}


def _swap_pronouns(text: str, to: str) -> str:
    toks = re.split(r"(\W+)", text)
    out = list(toks)
    words = [(i, t) for i, t in enumerate(toks) if t and t[0].isalpha()]
    for n, (i, t) in enumerate(words):
        w = t.lower()
        if to == "female":
            new = _SWAP_TO_FEMALE.get(w)
        elif w == "her":
            nxt_i = i + 1
            sep = toks[nxt_i] if nxt_i < len(toks) else ""
            nxt = words[n + 1][1].lower() if n + 1 < len(words) else ""
            ends = bool(re.search(r"[.,;:!?)]", sep)) or not nxt
            new = "him" if ends or nxt in _OBJ_NEXT else "his"
        else:
            new = _SWAP_TO_MALE.get(w)
        if new:
            out[i] = _case(t, new)
    return "".join(out)


def _swap_nouns(text: str, to: str) -> str:
    table = NOUNS if to == "male" else _MALE_NOUNS
    pat = re.compile(
        _SELF + r"(" + "|".join(sorted(table, key=len, reverse=True)) + r")\b", re.IGNORECASE
    )

    def sub(m):
        s, e = m.span(1)
        w = m.group(1)
        return (
            m.group(0)[: s - m.start()] + _case(w, table[w.lower()]) + m.group(0)[e - m.start() :]
        )

    return pat.sub(sub, text)


def _drop_sentences(text: str, bad) -> tuple[str, int]:
    sents = _SENT.split(text.strip())
    keep = [s for s in sents if not bad(s)]
    return " ".join(keep), len(sents) - len(keep)


def repair(text: str, f: Facts) -> tuple[str | None, list[str]]:
    """(repaired text or None when it cannot be made consistent, changes made)."""
    changes: list[str] = []
    c = check(text, f)
    if c.ok:
        return text, changes
    if c.gender:
        # pronouns are swapped only where most of them name the other gender (the
        # persona's subject is wrong); a wrong self-noun alone leaves the pronouns,
        # which may be about other people ("he broke up with her"), as they are
        if _wrong_pronouns(text, f.gender):
            new = _swap_pronouns(text, f.gender)
        elif opening := _wrong_opening(text, f.gender):
            # "He is a woman ... She ...": only the opening subject is wrong
            at, end = opening.span(1)
            new = text[:at] + _case(opening.group(1), _SUBJECT[f.gender]) + text[end:]
        else:
            new = text
        new = _swap_nouns(new, f.gender)
        if new != text:
            changes.append(f"gender: rewritten as {f.gender}")
            text = new
    if c.age:

        def fix_num(m):
            n = int(m.group(1) or m.group(2))
            if abs(n - f.age) <= AGE_TOLERANCE:
                return m.group(0)
            return m.group(0).replace(str(n), str(f.age), 1)

        new = _AGE_NUM.sub(fix_num, text)
        if new != text:
            changes.append(f"age: stated age set to {f.age}")
            text = new
        text, n = _drop_sentences(text, lambda s: bool(check(s, Facts(age=f.age)).age))
        if n:
            changes.append(f"age: dropped {n} sentence(s)")
    if c.occupation:
        text, n = _drop_sentences(
            text, lambda s: bool(check(s, Facts(industry=f.industry)).occupation)
        )
        if n:
            changes.append(f"occupation: dropped {n} sentence(s)")
    if len(_WORD.findall(text)) < MIN_WORDS or not check(text, f).ok:
        return None, changes
    return text, changes
