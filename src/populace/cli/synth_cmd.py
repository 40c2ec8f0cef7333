"""`populace synth -n N`: the SyncP baseline, personas the LLM writes from scratch."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console


def synth(
    n: int = typer.Option(..., "-n", min=1, help="personas to write"),
    out: Path = typer.Option(
        ...,
        "--out",
        "-o",
        help="personas table (.parquet); the call cache goes beside it unless --cache",
    ),
    model: str | None = typer.Option(
        None, "--model", "-m", help="registry id, .gguf path or HF id [default: smollm2-135m]"
    ),
    temperature: float = typer.Option(
        1.0, "--temperature", "-t", min=0.0, help="decoding temperature"
    ),
    seed: int = typer.Option(0, "--seed", min=0),
    max_words: int = typer.Option(100, "--max-words", min=1, help="persona length limit"),
    max_attempts: int = typer.Option(3, "--max-attempts", min=1, help="tries per persona"),
    prompts: Path | None = typer.Option(
        None, "--prompts", help="folder overriding synth.txt / system.txt"
    ),
    cache: Path | None = typer.Option(None, "--cache", help="SQLite call cache"),
    backend: str = typer.Option("llamacpp", "--backend", help="llamacpp | openai"),
    base_url: list[str] | None = typer.Option(None, "--base-url", help="server URL (openai)"),
    threads: int | None = typer.Option(
        None, "--threads", min=1, max=512, help="CPU threads (llamacpp)"
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Write N personas from scratch at temperature 1 (cached; resumable)."""
    from populace.errors import PopulaceError
    from populace.files import check_output
    from populace.llm import load_backend
    from populace.synth import synthesize

    check_output(out, "--out")
    if out.suffix.lower() != ".parquet":
        raise PopulaceError(f"--out must end in .parquet; got {out.name}")
    kw = dict(n_threads=threads) if backend == "llamacpp" else {}
    b, _ = load_backend(model, backend=backend, base_urls=base_url, **kw)
    try:
        frame = synthesize(
            n,
            backend=b,
            out=out,
            seed=seed,
            temperature=temperature,
            max_words=max_words,
            max_attempts=max_attempts,
            cache=cache or out.with_name("cache.sqlite"),
            prompt_dir=prompts,
            progress=not quiet,
        )
    finally:
        b.close()
    ok = int((frame["status"] == "ok").sum())
    Console(stderr=True).print(
        f"{ok} of {n} personas written to {out}"
        + (f"; {n - ok} failed (see status/error)" if ok < n else "")
    )
