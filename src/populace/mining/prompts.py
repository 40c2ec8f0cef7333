"""Prompt templates of the LLM stages: package files, user-overridable.

Files in ``populace/mining/prompts/``: ``system.txt`` (every stage's system
message), ``clean.txt`` ({post}), ``qc.txt`` ({post}), ``qc_quality.txt`` and ``qc_harmful.txt`` ({post}; the
``probs`` QC method), ``persona.txt``
({posts}, {max_words}), ``critic.txt`` ({posts}, {persona}), ``pii.txt``
({text}). A folder given as ``prompt_dir`` overrides any of them by name.

Corpus text is data, never instructions: :func:`fence` neutralises the data
markers inside the text (``<<<`` / ``>>>`` runs become ``<<`` / ``>>``), so a
post can never close its own data block, and every template puts its format
instruction after the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from populace.llm.base import Message
from populace.templates import fence, load_templates, template_digest

FIELDS = {
    "system": set(),
    "clean": {"post"},
    "qc": {"post"},
    "qc_quality": {"post"},
    "qc_harmful": {"post"},
    "qc_context": {"posts", "facts", "max_words", "number", "question"},
    "persona": {"posts", "facts", "max_words"},
    "critic": {"posts", "persona"},
    "critic_probs": {"posts", "facts", "max_words", "persona", "question"},
    "pii": {"text"},
}


def default_template(name: str) -> str:
    return resources.files("populace.mining").joinpath("prompts", f"{name}.txt").read_text("utf-8")


def format_posts(texts, dates=None) -> str:
    """The posts block of the persona and critic prompts: one fenced block per post."""
    dates = dates if dates is not None else [""] * len(texts)
    parts = []
    for i, (t, d) in enumerate(zip(texts, dates), start=1):
        head = f"Post {i}" + (f" ({d})" if d else "")
        parts.append(f"{head}:\n<<<DATA\n{fence(t)}\nDATA>>>")
    return "\n\n".join(parts)


@dataclass(frozen=True)
class Templates:
    texts: dict

    @classmethod
    def load(cls, prompt_dir: str | Path | None = None) -> Templates:
        return cls(load_templates("populace.mining", FIELDS, prompt_dir))

    @property
    def digest(self) -> str:
        return template_digest(self.texts)

    def messages(self, name: str, **fields) -> tuple[Message, ...]:
        """System + user messages of a stage; data fields must already be fenced. An
        optional field not given (``facts`` where nothing is known) is empty."""
        user = (
            self.texts[name].format(**{**{f: "" for f in FIELDS.get(name, ())}, **fields}).strip()
        )
        system = self.texts["system"].strip()
        return ((Message("system", system),) if system else ()) + (Message("user", user),)
