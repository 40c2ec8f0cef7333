"""`populace survey`: administer an instrument to personas through an LLM."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from populace.cli._logging import echo_log
from populace.cli._options import PromptsOpt
from populace.errors import PopulaceError


def survey(
    run: Path | None = typer.Argument(
        None,
        help="run directory: reads personas.parquet, "
        "writes responses/<instrument>.parquet and cache.sqlite",
    ),
    personas: Path | None = typer.Option(
        None, "--personas", "-p", help="table (CSV/TSV/JSONL/Parquet) with persona_id and persona"
    ),
    instrument: str = typer.Option(
        "ipip50", "--instrument", "-i", help="built-in instrument id or a YAML file"
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        "-o",
        help="wide table O (.parquet/.csv/.tsv/.jsonl) or a "
        "folder; also writes O.long.parquet and O.meta.json",
    ),
    model: str | None = typer.Option(
        None,
        "--model",
        "-m",
        help="registry id (see `populace models`), .gguf path, "
        "HF repo id; with --backend openai the server's model "
        "name [default: smollm2-135m]",
    ),
    mode: str = typer.Option("sample", "--mode", help="sample | expected | argmax | generate"),
    seed: int = typer.Option(0, "--seed", min=0, help="seed of sample-mode draws and generation"),
    temperature: float = typer.Option(
        1.0,
        "--temperature",
        "-t",
        min=0.0,
        help="reshape option probabilities p^(1/T) (sample, "
        "expected); decoding temperature (generate)",
    ),
    readout: str | None = typer.Option(
        None,
        "--readout",
        help="read the answers from the option probabilities this way instead of "
        "--mode/--temperature, e.g. centred-sample@0.1 (each persona's difference from "
        "the personas surveyed together, amplified 10x); see docs/llm.md, Readouts",
    ),
    no_persona: bool = typer.Option(
        False, "--no-persona", help="no persona: the model answers as itself (-n respondents)"
    ),
    n: int | None = typer.Option(
        None, "-n", min=1, help="respondents with --no-persona [default: 1]"
    ),
    backend: str = typer.Option("llamacpp", "--backend", help="llamacpp (in process) | openai"),
    base_url: list[str] | None = typer.Option(
        None,
        "--base-url",
        help="OpenAI-compatible server URL, e.g. http://127.0.0.1:8000/v1 (repeat for replicas)",
    ),
    api_key_env: str = typer.Option(
        "OPENAI_API_KEY", "--api-key-env", help="environment variable holding the API key"
    ),
    concurrency: int = typer.Option(8, "--concurrency", min=1, help="requests in flight (openai)"),
    timeout: float = typer.Option(
        120.0, "--timeout", min=0.001, help="seconds per request (openai)"
    ),
    retries: int = typer.Option(5, "--retries", min=0, help="retries on 429/5xx/timeouts (openai)"),
    chat_template: Path | None = typer.Option(
        None,
        "--chat-template",
        help="the model's Jinja chat template (openai): multi-token "
        "answer keys are then scored exactly through the completions endpoint",
    ),
    threads: int | None = typer.Option(
        None, "--threads", min=1, max=512, help="CPU threads (llamacpp)"
    ),
    n_ctx: int = typer.Option(4096, "--n-ctx", min=512, help="context length (llamacpp)"),
    n_seq: int = typer.Option(
        64,
        "--n-seq",
        min=1,
        max=255,
        help="item suffixes decoded together beside the "
        "persona prefix (llamacpp); 1 = one at a time: slower, closer to "
        "each full prompt alone (docs/llm.md)",
    ),
    cache: Path | None = typer.Option(
        None,
        "--cache",
        help="SQLite call cache [default: cache.sqlite in the run directory, else beside --out]",
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="no call cache (no resume)"),
    prompts: Path | None = PromptsOpt,
    max_attempts: int = typer.Option(
        3, "--max-attempts", min=1, help="generate mode: attempts per item before a failure"
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
) -> None:
    """Administer an instrument to every persona; resumable through the call cache."""
    from populace.llm import load_backend
    from populace.survey import survey as run_survey

    if run is not None:
        if not run.is_dir():
            raise PopulaceError(f"run directory {run} does not exist")
        if personas is None and not no_persona:
            personas = run / "personas.parquet"
            if not personas.exists():
                raise PopulaceError(
                    f"{personas} does not exist; run `populace mine` first or give --personas"
                )
        out = out or run / "responses"
        cache = cache or run / "cache.sqlite"
    if out is None:
        raise PopulaceError("give --out (or a run directory)")
    if not no_persona and personas is None:
        raise PopulaceError("give --personas (or --no-persona)")
    if cache is None and not no_cache:
        base = out if (out.is_dir() or out.suffix == "") else out.parent
        cache = base / "cache.sqlite"
    kw: dict = {}
    if backend == "openai":
        kw = dict(
            api_key_env=api_key_env, concurrency=concurrency, timeout=timeout, max_retries=retries
        )
        if chat_template is not None:
            from populace.files import read_text

            kw["chat_template"] = read_text(chat_template, "chat template")
    elif backend == "llamacpp":
        if base_url:
            raise PopulaceError("--base-url needs --backend openai")
        if chat_template is not None:
            raise PopulaceError(
                "--chat-template is for --backend openai (llamacpp reads the "
                "template from the GGUF file)"
            )
        if n_seq < 1:
            raise PopulaceError(f"--n-seq must be at least 1; got {n_seq}")
        kw = dict(n_threads=threads, n_ctx=n_ctx, n_seq=n_seq)
    console = Console(stderr=True)
    # the inputs first: a bad personas file, instrument or prompt folder is found
    # before the model loads
    from populace.instruments import load_instrument
    from populace.survey.personas import load_personas
    from populace.survey.prompts import Templates

    if readout is not None:
        from populace.survey.readout import Readout

        Readout.parse(readout)  # a bad spec is found before the model loads
        if mode == "generate":
            raise PopulaceError("--readout reads option probabilities; --mode generate has none")
    people = None if no_persona else load_personas(personas)
    load_instrument(instrument)
    Templates.load(prompts)
    b, info = load_backend(model, backend=backend, base_urls=base_url, **kw)
    if backend == "llamacpp":
        info = {**info, "n_seq": n_seq}
    try:
        if people is not None:
            from populace.pipeline.preflight import prompts_fit

            prompts_fit(b, people, [instrument], prompts)
        with echo_log(None if quiet else console):  # progress lines without a terminal
            res = run_survey(
                None if no_persona else personas,
                instrument,
                backend=b,
                out=out,
                mode=mode,
                seed=seed,
                temperature=temperature,
                no_persona=no_persona,
                n=n,
                cache=None if no_cache else cache,
                prompt_dir=prompts,
                max_attempts=max_attempts,
                progress=not quiet,
                model_info=info,
                readout=readout,
            )
    finally:
        b.close()
    m = res.meta
    console.print(
        f"{m['answers']} answers ({m['personas']} personas x {m['items']} items), "
        f"mode {m['mode']}"
        + (f", readout {m['readout']}" if m.get("readout") else "")
        + f", model {m['model']}: {m['model_calls']} model calls, "
        f"{m['cache_hits']} from cache, {m['items_per_s']} items/s"
    )
    if m["failures"]:
        console.print(
            f"[yellow]{m['failures']} answers failed; see status/error in "
            f"{m['outputs']['long']}[/yellow]"
        )
    console.print(f"wrote {m['outputs']['wide']}, {m['outputs']['long']}, {m['outputs']['meta']}")
