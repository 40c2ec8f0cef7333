"""External persona files (CSV/TSV/JSON/JSONL/Parquet) and named presets for the
public persona sets the paper compares against (Hu et al., arXiv:2509.10127,
Tables 1-2).

A preset says where the persona text is in a data set's published files and how
a profile is split into sentences; ``text_column`` overrides it. Presets, with
the files they were checked on (``../shared/data/persona_sets``, README there):

==========================  ====================================================
preset                      persona text
==========================  ====================================================
``personahub``              ``persona`` (persona.jsonl of the 200K release) or
                            ``input persona`` (the task subsets: tool.jsonl, ...)
``synthetic_persona_chat``  ``user 1 personas`` and ``user 2 personas``: two
                            profiles per row, sentences one per line
``personachat``             ``persona`` (ConvAI2 JSON: a list of sentences) or
                            ``personality`` (bavard/personachat_truecased)
``nemotron``                ``persona``, then ``professional_persona``
``alignx``                  ``Demographic Information``, then ``persona``
``tulu3``                   ``persona`` only: the Tulu-3 persona SFT sets store
                            the prompts written *from* a PersonaHub persona, not
                            the persona, so a file without ``persona`` is an
                            error (``text_column = "prompt"`` takes the prompts)
==========================  ====================================================

A profile is the set of its sentences: list cells give one sentence per
element, ``lines`` presets one per line, anything else is one sentence. Profiles
are deduplicated by their sorted, normalised sentence set (whitespace collapsed,
lower case), since the dialogue sets repeat a profile in every dialogue; the
text is the sentences joined by spaces in their first order. ``persona_id``
comes from ``id_column`` (or the preset's id column when present), else
``<set>-<row>`` (``-1``/``-2`` for the two users of a Synthetic-Persona-Chat row).
``limit`` keeps that many profiles drawn at random (seeded) from the distinct ones.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from populace.errors import DataError, PopulaceError
from populace.reference.readers import read_table

PRESETS: dict[str, dict] = {
    "personahub": {"text": ["persona", "input persona"], "id": []},
    "synthetic_persona_chat": {
        "text": ["user 1 personas", "user 2 personas"],
        "id": [],
        "all_text_columns": True,
        "lines": True,
    },
    "personachat": {"text": ["persona", "personality"], "id": ["conv_id"]},
    "nemotron": {"text": ["persona", "professional_persona"], "id": ["uuid"]},
    "alignx": {"text": ["Demographic Information", "persona"], "id": []},
    "tulu3": {
        "text": ["persona"],
        "id": ["id"],
        "missing": "the Tulu-3 persona SFT sets store the prompts written from a "
        "persona, not the persona itself (the personas are PersonaHub's: "
        "preset personahub), so no persona can be read from this file; "
        'text_column = "prompt" uses the prompts as they are',
    },
}

_WS = re.compile(r"\s+")


def sentences(value, *, lines: bool = False) -> list[str]:
    """The sentences of one persona cell (empty list when the cell is empty)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, (list, tuple, np.ndarray)):
        parts = [str(x) for x in value]
    elif lines:
        parts = str(value).splitlines()
    else:
        parts = [str(value)]
    return [p for p in (_WS.sub(" ", x).strip() for x in parts) if p]


def profile_key(sents: list[str]) -> tuple[str, ...]:
    """What two profiles share when they are the same: the sorted, normalised sentence set."""
    return tuple(sorted({s.lower() for s in sents}))


def _columns(
    frame: pd.DataFrame, p: Path, preset: str | None, spec: dict, text_column: str | None
) -> list[str]:
    cols = [str(c) for c in frame.columns]
    wanted = [text_column] if text_column else spec["text"]
    found = [c for c in wanted if c in cols]
    if found:
        return found if spec.get("all_text_columns") and not text_column else found[:1]
    why = (spec.get("missing") + "; ") if spec.get("missing") and not text_column else ""
    shown = ", ".join(map(repr, cols[:15])) + (
        f" (+{len(cols) - 15} more)" if len(cols) > 15 else ""
    )
    raise DataError(
        f"no persona text column{' for preset ' + preset if preset else ''}: "
        f"looked for {', '.join(map(repr, wanted))}; {why}the file has "
        f"{shown or 'no fields'}; give text_column",
        path=str(p),
    )


def load_external(
    path: str | Path,
    *,
    name: str = "external",
    preset: str | None = None,
    text_column: str | None = None,
    id_column: str | None = None,
    limit: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """persona_id + persona (one row per distinct profile) from an external persona file."""
    if preset is not None and preset not in PRESETS:
        raise PopulaceError(f"unknown persona preset {preset!r}; choose from {', '.join(PRESETS)}")
    p = Path(path)
    if not p.exists():
        raise PopulaceError(f"persona file {p} does not exist")
    frame, _ = read_table(p)
    spec = PRESETS.get(preset or "", {"text": ["persona", "text"], "id": ["persona_id", "id"]})
    use = _columns(frame, p, preset, spec, text_column)
    if id_column and id_column not in frame.columns:
        raise DataError(f"id column {id_column!r} is not in the file", path=str(p))
    idc = id_column or next((c for c in spec["id"] if c in frame.columns), None)
    ids = frame[idc].astype(str).tolist() if idc else [f"{name}-{i}" for i in range(len(frame))]
    lines = bool(spec.get("lines")) and not text_column
    seen: dict[tuple, int] = {}
    out_ids, texts = [], []
    for i, row in enumerate(zip(*(frame[c].tolist() for c in use))):
        for j, v in enumerate(row):
            s = sentences(v, lines=lines)
            key = profile_key(s)
            if not s or key in seen:
                continue
            seen[key] = len(texts)
            texts.append(" ".join(s))
            out_ids.append(ids[i] if len(use) == 1 else f"{ids[i]}-{j + 1}")
    if not texts:
        raise DataError(f"column(s) {', '.join(map(repr, use))} hold no persona text", path=str(p))
    out = pd.DataFrame({"persona_id": out_ids, "persona": texts})
    dup = out["persona_id"].duplicated()
    if dup.any():  # an id shared by distinct profiles
        out.loc[dup, "persona_id"] = [
            f"{pid}-{k}" for k, pid in enumerate(out.loc[dup, "persona_id"], start=2)
        ]
    profiles = len(out)
    if limit and len(out) > limit:
        idx = np.sort(np.random.default_rng([seed, 41]).choice(len(out), limit, replace=False))
        out = out.iloc[idx].reset_index(drop=True)
    out.attrs["profiles"] = profiles  # distinct profiles in the file, before ``limit``
    return out
