"""`populace train-embedder`: contrastive fine-tuning of the retrieval embedder."""

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


def train_embedder(
    run: Path = typer.Argument(..., help="run directory with personas.parquet"),
    out: Path = typer.Option(
        ..., "--out", "-o", help="folder for the fine-tuned model (load it with --embedder DIR)"
    ),
    model: str | None = typer.Option(
        None,
        "--model",
        "-m",
        help="LLM writing queries and checking negatives [default: smollm2-135m]",
    ),
    base: str = typer.Option("minilm", "--base", help="embedder to fine-tune (name or folder)"),
    hard: int = typer.Option(
        5, "--hard", min=0, help="most similar personas per query as negatives"
    ),
    random: int = typer.Option(3, "--random", min=0, help="random personas per query as negatives"),
    check: str = typer.Option(
        "relative",
        "--check",
        help="false-negative rule: relative (drop "
        "a negative the LLM finds as matching as the positive) | absolute "
        "(drop P(YES) >= 0.5)",
    ),
    recipe: str = typer.Option(
        "quick",
        "--recipe",
        help="training settings: quick (1 epoch, batch 8, lr 2e-5) or paper (Table 8: "
        "2 epochs, batch 32 as 8 x 4 accumulated, lr 6e-6); the options below override",
    ),
    epochs: int | None = typer.Option(
        None, "--epochs", min=1, help="passes over the training pairs [default: the recipe's]"
    ),
    batch_size: int | None = typer.Option(
        None, "--batch-size", min=1, help="queries per micro-batch [default: the recipe's]"
    ),
    grad_accum: int | None = typer.Option(
        None,
        "--grad-accum",
        min=1,
        help="micro-batches per optimiser step (gradient accumulation) [default: the recipe's]",
    ),
    lr: float | None = typer.Option(
        None, "--lr", min=0.0, help="AdamW learning rate [default: the recipe's]"
    ),
    temperature: float = typer.Option(
        0.05, "--temperature", min=0.001, help="softmax temperature of the contrastive loss"
    ),
    val_fraction: float = typer.Option(
        0.0,
        "--val-fraction",
        min=0.0,
        max=0.9,
        help="share of personas held "
        "out; the epoch (0 = the base) with the best held-out "
        "MRR is saved [default: 0, train on all]",
    ),
    seed: int = typer.Option(
        0, "--seed", min=0, help="seed of decoding, random negatives, training"
    ),
    prompts: Path | None = PromptsOpt,
    backend: str = BackendOpt,
    base_url: list[str] | None = BaseUrlOpt,
    api_key_env: str = ApiKeyEnvOpt,
    threads: int | None = ThreadsOpt,
    quiet: bool = QuietOpt,
) -> None:
    """LLM queries per persona as positives, checked hard + random negatives, InfoNCE
    fine-tuning of the base embedder (LLM steps resumable through RUN/cache.sqlite)."""
    from populace.llm import load_backend
    from populace.run import Run
    from populace.targeting.embedder import resolve_embedder
    from populace.targeting.fine_tune import recipe_settings
    from populace.targeting.train import train_embedder as run_train

    console = Console(stderr=True)
    r = Run(run, create=False)
    resolve_embedder(base)  # unknown names fail before the LLM loads
    recipe_settings(recipe)
    kw = backend_kwargs(backend, base_url, api_key_env, threads)
    b, info = load_backend(model, backend=backend, base_urls=base_url, **kw)
    try:
        with echo_log(None if quiet else console):  # progress lines without a terminal
            rec = run_train(
                r,
                out,
                backend=b,
                base=base,
                hard=hard,
                random=random,
                check=check,
                epochs=epochs,
                val_fraction=val_fraction,
                batch_size=batch_size,
                grad_accum=grad_accum,
                recipe=recipe,
                lr=lr,
                temperature=temperature,
                seed=seed,
                prompt_dir=prompts,
                progress=not quiet,
                model_info=info,
            )
    finally:
        b.close()
    console.print(
        f"{rec['examples']} training queries ({rec['query_failures']} query failures), "
        f"{rec['negatives_kept']} of {rec['negatives_checked']} negatives kept; "
        f"loss per epoch {', '.join(f'{x:.3f}' for x in rec['losses'])}"
    )
    v = rec.get("validation")
    if v:
        console.print(
            f"held-out MRR by epoch ({v['queries']} queries of {v['personas']} "
            f"personas): {', '.join(f'{x:.3f}' for x in v['mrr_by_epoch'])}; saved "
            f"epoch {v['selected_epoch']}"
            + (" (the base model)" if v["selected_epoch"] == 0 else "")
        )
    console.print(f"fine-tuned model in {out} (use --embedder {out})")
