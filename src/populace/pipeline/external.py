"""External persona files (CSV/TSV/JSONL/Parquet) and named column presets.

A preset names where the persona text is in a public persona set's published
layout; ``text_column`` overrides it. List-valued cells (PersonaChat's
``personality``: one sentence per element) are joined with spaces. Presets
(column names as on each data set's Hugging Face card / files):

============================  =================================================
preset                        text column(s), in the order tried
============================  =================================================
``tulu3``                     ``persona``, then ``prompt`` (allenai/tulu-3-sft-personas-*)
``personachat``               ``personality`` (list; bavard/personachat_truecased)
``synthetic_persona_chat``    ``user 1 personas``, ``user 2 personas`` (google/Synthetic-Persona-Chat CSV; one persona per column value)
``alignx``                    ``Demographic Information``, ``persona`` (JinaLeejnl/AlignX)
``nemotron``                  ``persona``, ``professional_persona`` (nvidia/Nemotron-Personas)
``personahub``                ``persona``, ``input persona`` (proj-persona/PersonaHub persona.jsonl)
============================  =================================================

Identical persona texts are kept once (PersonaChat repeats a persona in every
dialogue turn). ``persona_id`` comes from ``id_column`` (or the preset's id
column when present), else ``<set>-<row>``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from populace.errors import DataError, PopulaceError
from populace.reference.readers import read_table

PRESETS: dict[str, dict] = {
    "tulu3": {"text": ["persona", "prompt"], "id": ["id"]},
    "personachat": {"text": ["personality"], "id": ["conv_id"]},
    "synthetic_persona_chat": {"text": ["user 1 personas", "user 2 personas"], "id": [],
                               "all_text_columns": True},
    "alignx": {"text": ["Demographic Information", "persona"], "id": []},
    "nemotron": {"text": ["persona", "professional_persona"], "id": ["uuid"]},
    "personahub": {"text": ["persona", "input persona"], "id": []},
}


def _text(v) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (list, tuple, np.ndarray)):
        v = " ".join(str(x).strip() for x in v if str(x).strip())
    s = str(v).strip()
    return s or None


def load_external(path: str | Path, *, name: str = "external", preset: str | None = None,
                  text_column: str | None = None, id_column: str | None = None,
                  limit: int | None = None, seed: int = 0) -> pd.DataFrame:
    """persona_id + persona from an external persona file."""
    if preset is not None and preset not in PRESETS:
        raise PopulaceError(f"unknown persona preset {preset!r}; choose from "
                            f"{', '.join(PRESETS)}")
    p = Path(path)
    if not p.exists():
        raise PopulaceError(f"persona file {p} does not exist")
    frame, _ = read_table(p)
    cols = list(frame.columns)
    spec = PRESETS.get(preset or "", {"text": ["persona", "text"], "id": ["persona_id", "id"]})
    if text_column:
        wanted = [text_column]
    else:
        wanted = spec["text"]
    found = [c for c in wanted if c in cols]
    if not found:
        raise DataError(f"no persona text column: looked for {', '.join(map(repr, wanted))}"
                        f"{' (preset ' + preset + ')' if preset else ''}; columns found: "
                        f"{', '.join(map(str, cols[:15]))}; give text_column", path=str(p))
    use = found if spec.get("all_text_columns") and not text_column else found[:1]
    texts, ids = [], []
    idc = id_column or next((c for c in spec["id"] if c in cols), None)
    if id_column and id_column not in cols:
        raise DataError(f"id column {id_column!r} is not in the file", path=str(p))
    for i, row in enumerate(frame[use + ([idc] if idc and idc not in use else [])]
                            .itertuples(index=False)):
        vals = list(row)
        for j, c in enumerate(use):
            t = _text(vals[j])
            if t:
                texts.append(t)
                base = str(vals[-1]) if idc else f"{name}-{i}"
                ids.append(base if len(use) == 1 else f"{base}-{j + 1}")
    out = pd.DataFrame({"persona_id": ids, "persona": texts})
    out = out.drop_duplicates("persona").reset_index(drop=True)
    dup = out["persona_id"].duplicated()
    if dup.any():   # an id shared by distinct texts (e.g. one conversation, two personas)
        out.loc[dup, "persona_id"] = [f"{pid}-{k}" for k, pid in
                                      enumerate(out.loc[dup, "persona_id"], start=2)]
    if out.empty:
        raise DataError(f"column {use[0]!r} holds no persona text", path=str(p))
    if limit and len(out) > limit:
        idx = np.sort(np.random.default_rng([seed, 41]).choice(len(out), limit, replace=False))
        out = out.iloc[idx].reset_index(drop=True)
    out["persona_id"] = out["persona_id"].astype(str)
    return out
