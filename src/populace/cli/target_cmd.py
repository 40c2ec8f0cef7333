"""`populace target`: a persona set for a group described in plain language."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

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
    from populace.targeting.pool import load_pool
    from populace.targeting.revise import check_sizes

    console = Console(stderr=True)
    if not query.strip():
        raise PopulaceError(
            'the query is empty: describe the target group, e.g. "US high-school students"'
        )
    if out is not None:
        from populace.files import check_output

        check_output(out, "--out")
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
        )
    finally:
        if b is not None:
            b.close()
    i = res.info
    console.print(
        f"{i['written']} personas for {i['query']!r} from the top {i['top_k']} of "
        f"{i['pool']} ({i['pool_source']}) -> {res.out}"
    )
    if i["failures"]:
        console.print(
            f"{i['failures']} revisions failed after the retry; see "
            f"{res.out.with_name(res.out.stem + '.failures.parquet')}"
        )
