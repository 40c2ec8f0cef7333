"""Prompt templates for administering an instrument (package files, user-overridable).

Files in ``populace/survey/prompts/``:

``system.txt``               the system message (empty file: no system message)
``persona.txt``              user message for Likert items, with a persona
``no_persona.txt``           user message for Likert items, no persona
``persona_choice.txt``       user message for other item types, with a persona
``no_persona_choice.txt``    user message for other item types, no persona
``persona_instructed.txt``   user message for Likert items of an instrument with
                             ``likert_prompt: instructions`` (its instructions lead
                             the item: a scale that rates something other than the
                             respondent, e.g. WVS F117 "can always be justified ...
                             never be justified"), with a persona
``no_persona_instructed.txt`` the same, no persona

Placeholders: ``{persona}``, ``{item}`` (the item text), ``{options}`` (one
line per option, ``"1 = Disagree"``), ``{instructions}`` (the instrument's
instructions, may be empty), ``{key}`` ("number", or "letter" for an instrument
with ``answer_keys: letters``, whose options are keyed A, B, C, ... as on
CDC's YRBS questionnaire; numbered keys beside numeric labels such as
"1 = 0 days" invite confusion). The persona goes in the user message, before the
item, so every item of a persona shares one prompt prefix. A folder given as
``prompt_dir`` overrides any of these files by name.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from populace.errors import PopulaceError
from populace.instruments.model import Instrument, Item
from populace.llm.base import ChoiceRequest, Message
from populace.templates import load_templates

TEMPLATE_NAMES = (
    "system",
    "persona",
    "no_persona",
    "persona_choice",
    "no_persona_choice",
    "persona_instructed",
    "no_persona_instructed",
)
_FIELDS = {"persona", "item", "options", "instructions", "key"}


def default_template(name: str) -> str:
    return resources.files("populace.survey").joinpath("prompts", f"{name}.txt").read_text("utf-8")


@dataclass(frozen=True)
class Templates:
    texts: dict

    @classmethod
    def load(cls, prompt_dir: str | Path | None = None) -> Templates:
        texts = load_templates("populace.survey", {n: _FIELDS for n in TEMPLATE_NAMES}, prompt_dir)
        for n, t in texts.items():
            if n != "system" and "{item}" not in t:
                raise PopulaceError(f"prompt template {n}.txt must contain {{item}}")
            if n.startswith("persona") and "{persona}" not in t:
                raise PopulaceError(f"prompt template {n}.txt must contain {{persona}}")
            if n.endswith("_instructed") and "{instructions}" not in t:
                raise PopulaceError(f"prompt template {n}.txt must contain {{instructions}}")
        return cls(texts)

    @property
    def digest(self) -> str:
        blob = "\x00".join(self.texts[n] for n in TEMPLATE_NAMES)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def option_keys(instrument: Instrument, item: Item) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Answer keys shown to the model ("1".."K", or "A".. with ``answer_keys: letters``,
    by option position) and their codes."""
    opts = instrument.options(item)
    return _keys(instrument, len(opts)), tuple(float(o.code) for o in opts)


def _keys(instrument: Instrument, n: int) -> tuple[str, ...]:
    if instrument.answer_keys == "letters":
        return tuple(chr(ord("A") + i) for i in range(n))
    return tuple(str(i) for i in range(1, n + 1))


def key_word(instrument: Instrument) -> str:
    return "letter" if instrument.answer_keys == "letters" else "number"


def build_messages(
    t: Templates, instrument: Instrument, item: Item, persona: str | None
) -> tuple[Message, ...]:
    opts = instrument.options(item)
    options = "\n".join(f"{k} = {o.label}" for k, o in zip(_keys(instrument, len(opts)), opts))
    if item.type != "likert":
        kind = "_choice"
    else:
        kind = "_instructed" if instrument.likert_prompt == "instructions" else ""
    name = ("persona" if persona is not None else "no_persona") + kind
    user = t.texts[name].format(
        persona=(persona or "").strip(),
        item=item.text,
        options=options,
        instructions=instrument.instructions or "",
        key=key_word(instrument),
    )
    system = t.texts["system"].strip().replace("{key}", key_word(instrument))
    msgs = ((Message("system", system),) if system else ()) + (Message("user", user.strip()),)
    return msgs


def choice_request(
    t: Templates, instrument: Instrument, item: Item, persona: str | None
) -> ChoiceRequest:
    """The log-probability request for one item (what ``survey`` and
    ``prefetch_choices`` send: the prompt and the option keys)."""
    return ChoiceRequest(
        build_messages(t, instrument, item, persona), option_keys(instrument, item)[0]
    )
