"""Read and check a personas table (``persona_id`` + ``persona`` text)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from populace.errors import DataError, PopulaceError
from populace.reference.readers import read_table


def load_personas(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """A frame with string columns ``persona_id`` (unique) and ``persona`` (non-empty)."""
    if isinstance(source, pd.DataFrame):
        frame, path = source, None
    else:
        frame, _ = read_table(source)
        path = str(source)
    missing = [c for c in ("persona_id", "persona") if c not in frame.columns]
    if missing:
        raise DataError(
            f"needs columns persona_id and persona; missing {', '.join(missing)} "
            f"(columns found: {', '.join(map(str, frame.columns[:12]))})",
            path=path,
        )
    if frame.empty:
        raise DataError("has no personas", path=path)
    out = pd.DataFrame({"persona_id": frame["persona_id"], "persona": frame["persona"]})
    for i, (pid, text) in enumerate(zip(out["persona_id"], out["persona"])):
        if pd.isna(pid) or str(pid).strip() == "":
            raise DataError("persona_id is empty", path=path, column="persona_id", row=i + 1)
        if pd.isna(text) or not str(text).strip():
            raise DataError("persona text is empty", path=path, column="persona", row=i + 1)
    out["persona_id"] = out["persona_id"].astype(str)
    out["persona"] = out["persona"].astype(str)
    dup = out["persona_id"][out["persona_id"].duplicated()]
    if len(dup):
        raise DataError(
            f"persona_id {dup.iloc[0]!r} appears more than once", path=path, column="persona_id"
        )
    return out.reset_index(drop=True)


def no_persona_frame(n: int) -> pd.DataFrame:
    if n < 1:
        raise PopulaceError("-n must be at least 1")
    width = max(4, len(str(n)))
    return pd.DataFrame(
        {"persona_id": [f"nopersona-{i:0{width}d}" for i in range(n)], "persona": [None] * n}
    )
