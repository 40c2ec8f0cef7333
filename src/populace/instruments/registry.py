"""Load instruments: built-in ones by id, user ones from YAML files."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from populace.errors import PopulaceError
from populace.files import read_text
from populace.instruments.model import Instrument

_DATA = "populace.instruments.data"


def builtin_ids() -> list[str]:
    """Ids of the instruments shipped with populace, sorted."""
    files = resources.files(_DATA).iterdir()
    return sorted(f.name[:-5] for f in files if f.name.endswith(".yaml"))


def _format_validation(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"].removeprefix("Value error, ")
        if isinstance(e.get("input"), bool) and e["type"] == "string_type":
            msg += " (YAML reads unquoted yes/no/on/off as true/false: quote the text)"
        parts.append(f"{loc}: {msg}")
    return "; ".join(parts)


def parse_instrument(text: str, origin: str) -> Instrument:
    """Parse and validate instrument YAML text; errors name ``origin``."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PopulaceError(f"instrument file {origin}: not valid YAML{where}: {problem}") from None
    if not isinstance(raw, dict):
        raise PopulaceError(
            f"instrument file {origin}: expected a mapping with keys id, name, citation, "
            f"items (and usually scale, traits); got {type(raw).__name__}"
        )
    try:
        return Instrument.model_validate(raw)
    except ValidationError as exc:
        raise PopulaceError(f"instrument file {origin}: {_format_validation(exc)}") from None


@cache
def _load_builtin(instrument_id: str) -> Instrument:
    text = resources.files(_DATA).joinpath(f"{instrument_id}.yaml").read_text(encoding="utf-8")
    return parse_instrument(text, f"<built-in {instrument_id}>")


def load_instrument(spec: str | Path | Instrument) -> Instrument:
    """An instrument from a built-in id or a YAML file.

    Parameters
    ----------
    spec : str, Path or Instrument
        A built-in id (``ipip50``, ``bfi25``, ``cfcs12``, ``grit12``,
        ``fbps26``, ``yrbs2019``, ``wvs_e143``, ``wvs_f117``; see
        ``populace instruments``), a path to an instrument YAML file, or an
        Instrument (returned as is).

    Returns
    -------
    Instrument
        Items with their options, scale and keying; traits and their scoring.

    References
    ----------
    Each built-in instrument carries its own citation (``Instrument.citation``),
    e.g. Goldberg, L. R. (1992). The development of markers for the Big-Five
    factor structure. *Psychological Assessment* 4(1), 26-42 (IPIP-50).
    """
    if isinstance(spec, Instrument):
        return spec
    spec_str = str(spec)
    if spec_str in builtin_ids():
        return _load_builtin(spec_str)
    path = Path(spec_str)
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        return parse_instrument(read_text(path, "instrument file"), str(path))
    raise PopulaceError(
        f"unknown instrument {spec_str!r}: built-in instruments are "
        f"{', '.join(builtin_ids())}; or give the path to a YAML file"
    )
