"""Named regions (lists of countries) for filtering reference data by country."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

from populace.errors import PopulaceError


@lru_cache(maxsize=1)
def regions() -> dict[str, list[str]]:
    text = resources.files("populace.reference.data").joinpath("regions.yaml").read_text()
    return {k: list(v) for k, v in yaml.safe_load(text).items()}


def region_countries(name: str) -> list[str]:
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    table = regions()
    if key not in table:
        raise PopulaceError(f"unknown region {name!r}; known regions: {', '.join(table)}")
    return table[key]


def region_condition(name: str, column: str = "country") -> str:
    """A ``--where`` condition that keeps the region's countries."""
    return f"{column} in {','.join(region_countries(name))}"
