"""`populace target`: a persona set for a group described in plain language."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from populace.cli._logging import echo_log
from populace.cli._options import (
    ApiKeyEnvOpt,
    BackendOpt,
    BaseUrlOpt,
    PromptsOpt,
    QuietOpt,
    ThreadsOpt,
    backend_kwargs,
)
from populace.errors import PopulaceError


def target(
    run: Path = typer.Argument(
        ...,
        help="run directory (personas.parquet; aligned.parquet is used as the pool where present)",
    ),
    query: str = typer.Argument(..., help='the target group, e.g. "US high-school students"'),
    n: int = typer.Option(
        ..., "-n", min=1, help="number of personas to produce (at most 20 x top-k)"
    ),
    top_k: int | None = typer.Option(
        None,
        "--top-k",
        "-k",
        min=1,
        help="personas retrieved as seeds [default: min(n, pool size)]",
    ),
    model: str | None = typer.Option(
        None,
        "--model",
        "-m",
        help="LLM for the revision: registry id, .gguf path or HF repo id [default: smollm2-135m]",
    ),
    embedder: str = typer.Option(
        "minilm",
        "--embedder",
        "-e",
        help="minilm (offline default), qwen3-embedding-0.6b, a model "
        "folder (e.g. from train-embedder) or an HF repo id",
    ),
    seed: int = typer.Option(0, "--seed", min=0, help="decoding seed"),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="output Parquet [default: RUN/targets/<slug>.parquet]"
    ),
    no_revise: bool = typer.Option(
        False, "--no-revise", help="retrieval only: output the seed personas unrevised"
    ),
    max_words: int = typer.Option(
        120, "--max-words", min=8, help="length limit of a revised persona"
    ),
    index: str = typer.Option(
        "auto",
        "--index",
        help="exact search backend: auto (faiss for pools of >= 50,000 "
        "personas when installed, else numpy), numpy or faiss",
    ),
    template: str = typer.Option(
        "auto",
        "--template",
        help="revision prompt: auto (chosen from the query), youth, region, generic, "
        "or minimal (the earlier prompt: only the facts membership needs)",
    ),
    context_seeds: int = typer.Option(
        2, "--context-seeds", min=0, help="other retrieved seeds shown as context per revision"
    ),
    pool_file: Path | None = typer.Option(
        None,
        "--pool",
        help="retrieve from this persona file (or another run directory) instead of RUN's "
        "own personas; RUN keeps the cache, embeddings and output",
    ),
    preset: str | None = typer.Option(
        None,
        "--preset",
        help="layout of the --pool file: personahub, synthetic_persona_chat, personachat, "
        "nemotron, alignx, tulu3 [default: columns persona_id, persona]",
    ),
    text_column: str | None = typer.Option(
        None, "--text-column", help="persona text column of the --pool file"
    ),
    prompts: Path | None = PromptsOpt,
    backend: str = BackendOpt,
    base_url: list[str] | None = BaseUrlOpt,
    api_key_env: str = ApiKeyEnvOpt,
    threads: int | None = ThreadsOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Retrieve the personas closest to QUERY and have the LLM revise them into N
    members of that group (resumable through RUN/cache.sqlite)."""
    from populace.run import Run
    from populace.targeting import target as run_target
    from populace.targeting.index import resolve_backend
    from populace.targeting.plan import check_sizes
    from populace.targeting.pool import load_pool, load_pool_file
    from populace.targeting.revision import resolve_template

    console = Console(stderr=True)
    if not query.strip():
        raise PopulaceError(
            'the query is empty: describe the target group, e.g. "US high-school students"'
        )
    if out is not None:
        from populace.files import check_output

        check_output(out, "--out")
    resolve_template(template, query)
    if pool_file is None and (preset or text_column):
        raise PopulaceError("--preset and --text-column describe a --pool file; give --pool")
    if pool_file is not None:
        pool = load_pool_file(pool_file, preset=preset, text_column=text_column, seed=seed)
        r = Run(run)
    else:
        r = Run(run, create=False)
        pool = load_pool(r)
    pool_size = len(pool)
    check_sizes(n, top_k, pool_size)  # fail before loading any model
    resolve_backend(index, pool_size)
    b = info = None
    if not no_revise:
        from populace.llm import load_backend

        kw = backend_kwargs(backend, base_url, api_key_env, threads)
        b, info = load_backend(model, backend=backend, base_urls=base_url, **kw)
    try:
        with echo_log(None if quiet else console):  # progress lines without a terminal
            res = run_target(
                r,
                query,
                n,
                top_k=top_k,
                backend=b,
                embedder=embedder,
                seed=seed,
                out=out,
                revise=not no_revise,
                prompt_dir=prompts,
                max_words=max_words,
                progress=not quiet,
                model_info=info,
                index=index,
                pool=pool,
                template=template,
                context_seeds=context_seeds,
            )
    finally:
        if b is not None:
            b.close()
    i = res.info
    console.print(
        f"{i['written']} personas for {i['query']!r} from the top {i['top_k']} of "
        f"{i['pool']} ({i['pool_source']})"
        + (f", template {i['template']}" if i.get("template") else "")
        + f" -> {res.out}"
    )
    if i["failures"]:
        console.print(
            f"{i['failures']} revisions failed after the retry; see "
            f"{res.out.with_name(res.out.stem + '.failures.parquet')}"
        )
