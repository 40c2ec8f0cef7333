"""Prompt templates shipped as package files and overridable from a folder.

A stage keeps its templates in ``<package>/prompts/<name>.txt``. A user folder
(``prompt_dir``) overrides any of them by file name; every template is checked
for placeholders the stage does not fill, so a typo fails at start, not mid-run.
"""

from __future__ import annotations

import hashlib
import re
import string
from importlib import resources
from pathlib import Path

from populace.errors import PopulaceError
from populace.files import read_text

_OPEN, _CLOSE = re.compile(r"<{3,}"), re.compile(r">{3,}")


def fence(text: str) -> str:
    """Text made safe to place between the ``<<<DATA`` / ``DATA>>>`` markers."""
    return _CLOSE.sub(">>", _OPEN.sub("<<", str(text)))


def template_digest(texts: dict[str, str]) -> str:
    """A short hash of a set of templates (name and text), recorded with outputs."""
    h = hashlib.sha256()
    for n in sorted(texts):
        h.update(n.encode() + b"\0" + texts[n].encode() + b"\0")
    return h.hexdigest()[:16]


def load_templates(
    package: str, allowed: dict[str, set[str]], prompt_dir: str | Path | None = None
) -> dict[str, str]:
    """Template texts by name: the package's, overridden from ``prompt_dir``.

    ``allowed`` maps each template name to the placeholders it may use.
    """
    texts = {
        n: resources.files(package).joinpath("prompts", f"{n}.txt").read_text("utf-8")
        for n in allowed
    }
    if prompt_dir is not None:
        d = Path(prompt_dir)
        if not d.is_dir():
            raise PopulaceError(f"prompt folder {d} does not exist")
        found = [n for n in allowed if (d / f"{n}.txt").exists()]
        if not found:
            raise PopulaceError(
                f"prompt folder {d} has none of {', '.join(n + '.txt' for n in allowed)}"
            )
        for n in found:
            texts[n] = read_text(d / f"{n}.txt", "prompt template")
    for n, t in texts.items():
        try:
            names = {f for _, f, _, _ in string.Formatter().parse(t) if f is not None}
        except ValueError as exc:
            raise PopulaceError(
                f"prompt template {n}.txt: {exc} (write literal braces as {{{{ }}}})"
            ) from None
        bad = names - allowed[n]
        if bad:
            raise PopulaceError(
                f"prompt template {n}.txt uses unknown placeholders "
                f"{', '.join(sorted(bad))}; allowed: "
                f"{', '.join(sorted(allowed[n])) or 'none'}"
            )
    return texts
