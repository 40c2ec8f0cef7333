"""Instruments as data: the model and the loader of built-in and user YAML files."""

from populace.instruments.model import Instrument, Item, Option, Scale, Trait
from populace.instruments.registry import builtin_ids, load_instrument, parse_instrument

__all__ = [
    "Instrument",
    "Item",
    "Option",
    "Scale",
    "Trait",
    "builtin_ids",
    "load_instrument",
    "parse_instrument",
]
