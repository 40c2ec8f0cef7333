"""The Instrument model: items, response options, traits and scoring.

An instrument is data (a YAML file): a list of items, each with an id, a text,
the trait it measures (if any), whether it is reverse-keyed, an item type and
the answer options it offers. Items without their own options use the
instrument's response ``scale``. Trait scores are the mean (or sum) of an
item's keyed values: a reverse-keyed answer ``x`` on a scale ``lo..hi`` counts
as ``lo + hi - x``.

Item types
----------
``likert``         ordered options with integer codes (the default).
``single_choice``  unordered options; the code identifies the option.
``numeric``        a number answered freely and binned into options by
                   ``bins`` (right-open intervals ``[edge_i, edge_{i+1})``).

Multi-select items (several options at once) are not modelled yet.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ItemType = Literal["likert", "single_choice", "numeric"]


class Option(BaseModel):
    """One answer option: the code stored in data and the label shown."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: float
    label: str

    @field_validator("label")
    @classmethod
    def _label_not_empty(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("option label must not be empty")
        return v


class Scale(BaseModel):
    """An ordered integer response scale ``min..max`` with a label per point."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    min: int
    max: int
    labels: dict[int, str]
    source_labels: dict[int, str] | None = Field(
        default=None,
        description="labels as the published instrument gives them, where they "
        "label fewer points than `labels` (populace fills the others in)",
    )

    @model_validator(mode="after")
    def _check(self) -> Scale:
        if self.max <= self.min:
            raise ValueError(f"scale max ({self.max}) must be greater than min ({self.min})")
        expected = set(range(self.min, self.max + 1))
        if set(self.labels) != expected:
            raise ValueError(
                f"scale labels must cover every point {self.min}..{self.max}; "
                f"got {sorted(self.labels)}"
            )
        return self

    @property
    def options(self) -> tuple[Option, ...]:
        return tuple(Option(code=k, label=self.labels[k]) for k in range(self.min, self.max + 1))


class Item(BaseModel):
    """One question of an instrument."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    text: str
    trait: str | None = None
    reverse: bool = False
    type: ItemType = "likert"
    options: tuple[Option, ...] | None = None
    bins: tuple[float, ...] | None = None
    aliases: tuple[str, ...] = ()

    @field_validator("id")
    @classmethod
    def _id_ok(cls, v: str) -> str:
        if not v or not v.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"item id {v!r} must be letters, digits, '_' or '-'")
        return v

    @model_validator(mode="after")
    def _check(self) -> Item:
        if self.type == "numeric":
            if not self.bins or self.options is None:
                raise ValueError(f"numeric item {self.id} needs `bins` and `options`")
            if len(self.options) != len(self.bins) - 1:
                raise ValueError(
                    f"numeric item {self.id}: {len(self.bins)} bin edges make "
                    f"{len(self.bins) - 1} bins but {len(self.options)} options are given"
                )
            if list(self.bins) != sorted(self.bins):
                raise ValueError(f"numeric item {self.id}: bin edges must increase")
        elif self.bins is not None:
            raise ValueError(f"item {self.id}: `bins` only applies to numeric items")
        if self.type == "single_choice" and not self.options:
            raise ValueError(f"{self.type} item {self.id} needs its own `options`")
        if self.options is not None:
            codes = [o.code for o in self.options]
            if len(set(codes)) != len(codes):
                raise ValueError(f"item {self.id}: option codes repeat")
        if self.reverse and self.type not in ("likert",):
            raise ValueError(f"item {self.id}: only likert items can be reverse-keyed")
        return self

    def bin_value(self, x: np.ndarray) -> np.ndarray:
        """Map raw numeric answers to option codes (NaN outside every bin)."""
        if self.type != "numeric":
            raise TypeError(f"item {self.id} is not numeric")
        x = np.asarray(x, dtype=float)
        edges = np.asarray(self.bins, dtype=float)
        idx = np.searchsorted(edges, x, side="right") - 1
        codes = np.array([o.code for o in self.options], dtype=float)
        ok = (idx >= 0) & (idx < len(codes)) & ~np.isnan(x)
        out = np.full(x.shape, np.nan)
        out[ok] = codes[idx[ok]]
        return out


class Trait(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    name: str
    description: str | None = None


class Instrument(BaseModel):
    """A psychometric inventory or survey questionnaire."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    name: str
    citation: str
    source: str | None = None
    instructions: str | None = None
    scale: Scale | None = None
    traits: tuple[Trait, ...] = ()
    scoring: Literal["mean", "sum"] = "mean"
    answer_keys: Literal["numbers", "letters"] = "numbers"  # how options are keyed in prompts
    #: how a Likert item is put to the model: "describes" ("How well does the statement
    #: describe them?", for self-description scales) or "instructions" (the instrument's
    #: instructions lead the item, for scales that rate something else, e.g. WVS F117's
    #: justifiability of an action)
    likert_prompt: Literal["describes", "instructions"] = "describes"
    items: tuple[Item, ...]
    notes: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Instrument:
        if not self.items:
            raise ValueError("an instrument needs at least one item")
        if self.likert_prompt == "instructions" and not (self.instructions or "").strip():
            raise ValueError("likert_prompt: instructions needs the instrument's instructions")
        seen: dict[str, str] = {}
        for it in self.items:
            for name in (it.id, *it.aliases):
                if name == it.id and seen.get(name) == it.id:
                    raise ValueError(f"item id {name!r} is listed more than once")
                if name in seen:
                    raise ValueError(
                        f"column name {name!r} is used by items {seen[name]} and {it.id}"
                    )
                seen[name] = it.id
        trait_ids = {t.id for t in self.traits}
        if len(trait_ids) != len(self.traits):
            dup = sorted({t.id for t in self.traits if [u.id for u in self.traits].count(t.id) > 1})
            raise ValueError(f"trait id(s) {', '.join(dup)} are listed more than once")
        for it in self.items:
            if it.trait is not None and it.trait not in trait_ids:
                raise ValueError(
                    f"item {it.id} names trait {it.trait!r}, which is not among the "
                    f"instrument's traits {sorted(trait_ids)}"
                )
            if it.type == "likert" and it.options is None and self.scale is None:
                raise ValueError(f"item {it.id} has no options and the instrument has no scale")
        for t in self.traits:
            if not any(it.trait == t.id for it in self.items):
                raise ValueError(f"trait {t.id} has no items")
        return self

    # ----------------------------------------------------------------- access
    @property
    def item_ids(self) -> list[str]:
        return [it.id for it in self.items]

    @property
    def trait_ids(self) -> list[str]:
        return [t.id for t in self.traits]

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def options(self, item: Item | str) -> tuple[Option, ...]:
        """The answer options of an item (its own, else the instrument scale's)."""
        it = self.item(item) if isinstance(item, str) else item
        if it.options is not None:
            return it.options
        assert self.scale is not None
        return self.scale.options

    def valid_range(self, item: Item | str) -> tuple[float, float]:
        codes = [o.code for o in self.options(item)]
        return min(codes), max(codes)

    def column_lookup(self) -> dict[str, str]:
        """Map every accepted column name (id or alias) to the item id."""
        out: dict[str, str] = {}
        for it in self.items:
            out[it.id] = it.id
            for a in it.aliases:
                out[a] = it.id
        return out

    # ---------------------------------------------------------------- scoring
    def keyed(self, responses: np.ndarray) -> np.ndarray:
        """Reverse-key the columns of an (n, n_items) array of answers."""
        x = np.array(responses, dtype=float, copy=True)
        if x.ndim != 2 or x.shape[1] != len(self.items):
            raise ValueError(
                f"expected an array with {len(self.items)} item columns, got shape {x.shape}"
            )
        for j, it in enumerate(self.items):
            if it.reverse:
                lo, hi = self.valid_range(it)
                x[:, j] = lo + hi - x[:, j]
        return x

    def score(self, responses: np.ndarray) -> np.ndarray:
        """Trait scores (n, n_traits) from item answers in ``item_ids`` order.

        Missing answers (NaN) are skipped: a trait score is the mean of the
        answered items of that trait (``scoring: sum`` rescales that mean to
        the full item count). A respondent with no answered item of a trait
        gets NaN for it.
        """
        if not self.traits:
            raise ValueError(
                f"instrument {self.id} has no trait key, so it has no trait scores; "
                "use item space instead"
            )
        x = self.keyed(responses)
        out = np.empty((x.shape[0], len(self.traits)))
        for k, t in enumerate(self.traits):
            cols = [j for j, it in enumerate(self.items) if it.trait == t.id]
            block = x[:, cols]
            answered = (~np.isnan(block)).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = np.nansum(block, axis=1) / answered
            mean[answered == 0] = np.nan
            out[:, k] = mean * len(cols) if self.scoring == "sum" else mean
        return out
