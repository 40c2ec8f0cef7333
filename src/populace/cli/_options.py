"""Options shared by several commands and the code that turns them into loader calls."""

from __future__ import annotations

from pathlib import Path

import typer

from populace.errors import PopulaceError
from populace.reference import ResponseTable, load_reference
from populace.reference.regions import region_condition

InstrumentOpt = typer.Option(
    "ipip50", "--instrument", "-i", help="built-in instrument id or a YAML file"
)
CountryOpt = typer.Option(
    None, "--country", help="keep respondents from these ISO country codes (repeatable)"
)
RegionOpt = typer.Option(
    None,
    "--region",
    help="keep respondents from a named region's countries "
    "(east_asia, north_america, western_europe; see docs/data.md)",
)
WhereOpt = typer.Option(
    None, "--where", help="keep rows matching COLUMN OP VALUE, e.g. 'age>=18' (repeatable)"
)
MissingOpt = typer.Option(
    "drop",
    "--missing",
    help="drop: only respondents who answered every item; "
    "keep: allow up to --max-missing unanswered",
)
MaxMissingOpt = typer.Option(
    0.2,
    "--max-missing",
    min=0.0,
    max=0.999999,
    help="share of items that may be unanswered with --missing keep",
)
MissingCodeOpt = typer.Option(
    None, "--missing-code", help="an answer code that means 'no answer' (repeatable)"
)
ColumnMapOpt = typer.Option(
    None, "--map", help="FILECOLUMN=ITEMID for columns not named by item id (repeatable)"
)

BackendOpt = typer.Option("llamacpp", "--backend", help="llamacpp (in process) | openai")
BaseUrlOpt = typer.Option(None, "--base-url", help="OpenAI-compatible server URL (repeatable)")
ApiKeyEnvOpt = typer.Option(
    "OPENAI_API_KEY", "--api-key-env", help="environment variable holding the API key"
)
ThreadsOpt = typer.Option(None, "--threads", min=1, max=512, help="CPU threads (llamacpp)")
PromptsOpt = typer.Option(None, "--prompts", help="folder overriding prompt templates by file name")
QuietOpt = typer.Option(False, "--quiet", "-q", help="no progress bars")


def backend_kwargs(backend: str, base_url, api_key_env: str, threads, **llamacpp) -> dict:
    """``load_backend`` keyword arguments from the backend options above (``llamacpp``:
    extra keyword arguments such as ``n_ctx``); an unknown backend gets none and
    ``load_backend`` names it."""
    if backend == "openai":
        return {"api_key_env": api_key_env}
    if backend == "llamacpp":
        if base_url:
            raise PopulaceError("--base-url needs --backend openai")
        return {"n_threads": threads, **llamacpp}
    return {}


def parse_column_map(pairs: list[str] | None) -> dict[str, str] | None:
    if not pairs:
        return None
    out = {}
    for p in pairs:
        if "=" not in p:
            raise PopulaceError(f"--map {p!r}: write FILECOLUMN=ITEMID")
        src, dst = p.split("=", 1)
        out[src.strip()] = dst.strip()
    return out


def load_cli_reference(
    path: str | Path,
    instrument: str,
    *,
    country=None,
    where=None,
    region=None,
    missing="drop",
    max_missing=0.2,
    missing_code=None,
    column_map=None,
    weight_column=None,
) -> ResponseTable:
    where = list(where or [])
    if region:
        where.append(region_condition(region))
    return load_reference(
        str(path),
        instrument,
        country=country or None,
        where=where or None,
        missing=missing,
        max_missing=max_missing,
        missing_codes=tuple(missing_code or ()),
        column_map=parse_column_map(column_map),
        weight_column=weight_column,
    )
