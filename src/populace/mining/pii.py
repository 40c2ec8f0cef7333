"""Stage 7, PII: detect full names, street addresses, emails, phone numbers and
card numbers in each kept persona and its evidence quotes, and rewrite only
those spans with fictitious values; every other character is left unchanged.

Detection: regular expressions for emails, phone numbers (North American and
``+``-international forms), card numbers (13-19 digits passing the Luhn check),
street addresses (house number + 1-3 capitalised words + a street suffix) and
names after a title or an introduction ("Mr. John Smith", "my name is Jane
Doe"); with ``pii_llm`` (default) the LLM also lists full names (prompt
``pii.txt``), and a listed name counts only if it occurs verbatim in the text
and looks like a name (2-4 capitalised words), so the model can add spans but
never rewrite other text. Replacements are fictitious and deterministic (the
same value gets the same stand-in): names from a list of invented names,
``@example.com`` emails, 555-01xx phone numbers, ``Example``-street
addresses and the 4111 1111 1111 1111 test card. The stored span records
give type, position and the stand-in, never the original value.
"""

from __future__ import annotations

import hashlib
import json
import re

import pandas as pd

from populace.mining import grammars
from populace.mining.config import MiningConfig
from populace.mining.llm import Item, StageCaller
from populace.mining.parse import parse_pii_names
from populace.mining.prompts import Templates, fence

EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
PHONE = re.compile(
    r"(?<![\w-])(?:\+\d{1,3}[\s.-]?\d{2,4}[\s.-]?\d{3,4}[\s.-]?\d{3,4}"
    r"|(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4})(?![\w-])"
)
CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_SUFFIX = (
    r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|"
    r"Way|Terrace|Circle|Highway|Hwy|Parkway|Pkwy"
)
ADDRESS = re.compile(rf"\b\d{{1,5}}\s+(?:[A-Z][A-Za-z]+\s+){{1,3}}(?:{_SUFFIX})\b\.?")
_NAME = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?"
TITLED = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+(?P<name>{_NAME}(?:\s+{_NAME})?)")
INTRO = re.compile(rf"\b(?:[Mm]y name is|[Nn]amed|[Cc]alled)\s+(?P<name>{_NAME}\s+{_NAME})")
NAME_SHAPE = re.compile(rf"{_NAME}(?:\s+(?:[A-Z]\.|{_NAME})){{1,3}}")

FAKE_NAMES = (
    "Alex Morgan",
    "Jamie Rivera",
    "Casey Brooks",
    "Taylor Quinn",
    "Jordan Ellis",
    "Riley Hart",
    "Morgan Blake",
    "Avery Lane",
    "Drew Collins",
    "Sam Whitfield",
)
FAKE_STREETS = ("Maple", "Cedar", "Juniper", "Willow", "Example")


def luhn_ok(digits: str) -> bool:
    d = [int(c) for c in digits][::-1]
    s = sum(d[0::2]) + sum(sum(divmod(2 * x, 10)) for x in d[1::2])
    return s % 10 == 0


def _pick(value: str, n: int) -> int:
    return int(hashlib.sha256(value.encode()).hexdigest(), 16) % n


def fake(kind: str, value: str) -> str:
    h = _pick(value, 10_000)
    if kind == "name":
        parts = value.split()
        fake_name = FAKE_NAMES[h % len(FAKE_NAMES)]
        return fake_name.split()[0] if len(parts) == 1 else fake_name
    if kind == "email":
        return f"person{h % 1000:03d}@example.com"
    if kind == "phone":
        return f"555-01{h % 100:02d}"
    if kind == "address":
        return f"{100 + h % 900} {FAKE_STREETS[h % len(FAKE_STREETS)]} Street"
    if kind == "card":
        return "4111 1111 1111 1111"
    raise ValueError(kind)


def detect(text: str, names: list[str] = ()) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, kind) spans, longest first on overlap."""
    spans = []
    for m in EMAIL.finditer(text):
        spans.append((m.start(), m.end(), "email"))
    for m in CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and luhn_ok(digits):
            spans.append((m.start(), m.end(), "card"))
    for m in PHONE.finditer(text):
        spans.append((m.start(), m.end(), "phone"))
    for m in ADDRESS.finditer(text):
        spans.append((m.start(), m.end(), "address"))
    for rx in (TITLED, INTRO):
        for m in rx.finditer(text):
            spans.append((m.start("name"), m.end("name"), "name"))
    for n in names:
        if NAME_SHAPE.fullmatch(n):
            for m in re.finditer(rf"(?<!\w){re.escape(n)}(?!\w)", text):
                spans.append((m.start(), m.end(), "name"))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out, end = [], -1
    for s in spans:
        if s[0] >= end:
            out.append(s)
            end = s[1]
    return out


def rewrite(text: str, names: list[str] = ()) -> tuple[str, list[dict]]:
    """``text`` with every detected span replaced; returns (new text, span records)."""
    spans = detect(text, names)
    parts, records, pos, shift = [], [], 0, 0
    for start, end, kind in spans:
        new = fake(kind, text[start:end])
        parts.append(text[pos:start])
        parts.append(new)
        records.append(
            {
                "type": kind,
                "start": start + shift,
                "end": start + shift + len(new),
                "replacement": new,
            }
        )
        shift += len(new) - (end - start)
        pos = end
    parts.append(text[pos:])
    return "".join(parts), records


def pii(
    crit: pd.DataFrame,
    pers: pd.DataFrame,
    caller: StageCaller | None,
    templates: Templates,
    cfg: MiningConfig,
    advance=lambda n: None,
) -> pd.DataFrame:
    kept = crit[crit["keep"].astype(bool)][["author_id"]].merge(
        pers[["author_id", "persona", "evidence"]], on="author_id", how="left"
    )
    kept = kept.reset_index(drop=True)
    joined = [p + "\n" + "\n".join(ev) for p, ev in zip(kept["persona"], kept["evidence"])]
    if cfg.pii_llm and caller is not None and len(kept):
        items = [
            Item(
                templates.messages("pii", text=fence(t)),
                parse_pii_names,
                cfg.pii_max_tokens,
                grammars.PII if cfg.grammar else None,
            )
            for t in joined
        ]
        res = caller.run(items, advance)
    else:
        res = []
        advance(len(kept))
    rows = []
    for i, (a, p, ev) in enumerate(zip(kept["author_id"], kept["persona"], kept["evidence"])):
        o = res[i] if res else None
        names = o.value if o is not None and o.status == "ok" else []
        new_p, rec = rewrite(p, names)
        new_ev, ev_rec = [], []
        for q in ev:
            nq, r = rewrite(q, names)
            new_ev.append(nq)
            ev_rec.extend(r)
        types = sorted({r["type"] for r in rec + ev_rec})
        rows.append(
            {
                "author_id": a,
                "persona": new_p,
                "evidence": new_ev,
                "pii_flag": bool(rec or ev_rec),
                "pii_types": ",".join(types),
                "pii_spans": json.dumps({"persona": rec, "evidence": ev_rec}),
                "pii_llm_status": None if o is None else o.status,
                "pii_llm_error": None if o is None else o.error,
            }
        )
    cols = [
        "author_id",
        "persona",
        "evidence",
        "pii_flag",
        "pii_types",
        "pii_spans",
        "pii_llm_status",
        "pii_llm_error",
    ]
    return pd.DataFrame(rows, columns=cols)
