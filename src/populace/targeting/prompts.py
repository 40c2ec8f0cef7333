"""Prompt templates of the targeting stages: package files, user-overridable.

Files in ``populace/targeting/prompts/``: ``system.txt`` (system message of every
call), ``revise.txt`` ({persona}, {query}, {max_words}: LLM revision of a
retrieved persona into the target group, only the facts membership needs: the
``minimal`` template), ``revise_youth.txt``, ``revise_region.txt`` and
``revise_generic.txt`` ({persona}, {query}, {max_words}, {context}: the
revision that adds the group's typical circumstances, behaviours and attitudes,
with other retrieved seeds as context; :mod:`populace.targeting.revision`),
``query_detailed.txt`` and
``query_broad.txt`` ({persona}: the two positives per persona for training the
embedder) and ``negative_check.txt`` ({query}, {persona}: the YES/NO check that
drops false negatives). A folder given as ``prompt_dir`` overrides any of them
by file name (``populace.templates``). Persona text and queries are fenced
data (``<<<DATA`` ... ``DATA>>>``), and every instruction comes after the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from populace.llm.base import Message
from populace.templates import fence, load_templates, template_digest

FIELDS = {
    "system": set(),
    "revise": {"persona", "query", "max_words"},
    "revise_youth": {"persona", "query", "max_words", "context"},
    "revise_region": {"persona", "query", "max_words", "context"},
    "revise_generic": {"persona", "query", "max_words", "context"},
    "query_detailed": {"persona"},
    "query_broad": {"persona"},
    "negative_check": {"query", "persona"},
}


@dataclass(frozen=True)
class Templates:
    texts: dict

    @classmethod
    def load(cls, prompt_dir: str | Path | None = None) -> Templates:
        return cls(load_templates("populace.targeting", FIELDS, prompt_dir))

    @property
    def digest(self) -> str:
        return template_digest(self.texts)

    def messages(self, name: str, **fields) -> tuple[Message, ...]:
        safe = {k: fence(v) if isinstance(v, str) else v for k, v in fields.items()}
        user = self.texts[name].format(**safe).strip()
        system = self.texts["system"].strip()
        return ((Message("system", system),) if system else ()) + (Message("user", user),)
