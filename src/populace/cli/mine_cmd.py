"""`populace mine`: mine seed personas from a long-term first-person corpus."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

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


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [s.strip() for v in values for s in v.split(",") if s.strip()]


def summary_table(summary: list[dict]) -> Table:
    t = Table(title="mining: counts per stage (the paper's Table 10)")
    for c in (
        "stage",
        "in",
        "kept",
        "authors",
        "model calls",
        "cached",
        "prompt tok",
        "gen tok",
        "failures",
        "s",
    ):
        t.add_column(c, justify="left" if c == "stage" else "right")
    for r in summary:
        llm = r.get("llm") or {}

        def f(k, llm=llm):
            return "" if k not in llm else str(llm[k])

        t.add_row(
            r["stage"] + (" (resumed)" if r.get("resumed") else ""),
            "" if r.get("rows_in") is None else str(r["rows_in"]),
            str(r.get("rows_out", "")),
            str(r.get("authors_out", "") or ""),
            f("model_calls"),
            f("cache_hits"),
            f("prompt_tokens"),
            f("completion_tokens"),
            f("failures"),
            str(r.get("seconds", "")),
        )
    return t


def mine(
    corpus: Path | None = typer.Option(
        None,
        "--corpus",
        "-c",
        help="blog corpus folder (<id>.<gender>.<age>.<topic>."
        "<sign>.xml), blogtext.csv, or a CSV/TSV/JSONL/Parquet "
        "table of posts",
    ),
    out: Path = typer.Option(..., "--out", "-o", help="run directory (created; resumable)"),
    model: str | None = typer.Option(
        None,
        "--model",
        "-m",
        help="registry id, .gguf path or HF repo id; with "
        "--backend openai the server's model name "
        "[default: smollm2-135m]",
    ),
    critic_model: str | None = typer.Option(
        None, "--critic-model", help="model of the critic stage [default: --model]"
    ),
    limit_authors: int | None = typer.Option(
        None, "--limit-authors", min=1, help="read only the first N authors"
    ),
    stages: list[str] | None = typer.Option(
        None,
        "--stages",
        help="stages to run (comma-separated or repeated): "
        "read,preprocess,clean,qc,group,persona,critic,pii "
        "[default: all]",
    ),
    corpus_format: str = typer.Option("auto", "--format", help="auto | blogs | blogtext | table"),
    author_column: str | None = typer.Option(
        None, "--author-column", help="author column of a generic table"
    ),
    text_column: str | None = typer.Option(
        None, "--text-column", help="text column of a generic table"
    ),
    date_column: str | None = typer.Option(
        None, "--date-column", help="date column of a generic table"
    ),
    download: bool = typer.Option(
        False,
        "--download",
        help="download the Blog Authorship Corpus into --corpus first "
        "(needs internet; skipped when already there)",
    ),
    download_url: str | None = typer.Option(
        None, "--download-url", help="URL of blogs.zip (also file://)"
    ),
    max_posts_per_author: int | None = typer.Option(
        None,
        "--max-posts-per-author",
        min=1,
        help="posts per author sent to the LLM stages [paper: 40, cheap: 6]",
    ),
    max_post_words: int | None = typer.Option(
        None, "--max-post-words", min=1, help="cut posts to N words [paper: 300, cheap: 80]"
    ),
    min_posts: int | None = typer.Option(
        None, "--min-posts", min=1, help="kept posts an author needs [paper: 6, cheap: 4]"
    ),
    max_words: int | None = typer.Option(
        None, "--max-words", min=1, help="persona length limit in words [100]"
    ),
    clean_mode: str | None = typer.Option(
        None,
        "--clean",
        help="always | auto | never: when the "
        "LLM cleans a post (auto: only posts the rules "
        "find noisy; never: rules only) [paper: always, "
        "cheap: never]",
    ),
    qc_method: str | None = typer.Option(
        None,
        "--qc-method",
        help="generate (JSON answer) | probs (next-token "
        "probabilities, no decoding) [paper: generate, "
        "cheap: probs]",
    ),
    keep_quality: list[str] | None = typer.Option(
        None, "--keep-quality", help="QC qualities kept [paper: high, cheap: high,medium]"
    ),
    overall_min: int | None = typer.Option(
        None, "--critic-overall-min", min=0, max=10, help="critic: overall >= N [8]"
    ),
    other_min: int | None = typer.Option(
        None, "--critic-other-min", min=0, max=10, help="critic: other scores >= N [7]"
    ),
    no_pii_llm: bool = typer.Option(False, "--no-pii-llm", help="PII: regex rules only"),
    max_attempts: int | None = typer.Option(
        None, "--max-attempts", min=1, help="attempts per LLM item before a recorded failure [2]"
    ),
    seed: int = typer.Option(0, "--seed", min=0, help="decoding seed"),
    batch_size: int | None = typer.Option(
        None, "--batch-size", min=1, help="requests per model batch and cache commit [4]"
    ),
    prompts: Path | None = PromptsOpt,
    backend: str = BackendOpt,
    base_url: list[str] | None = BaseUrlOpt,
    api_key_env: str = ApiKeyEnvOpt,
    threads: int | None = ThreadsOpt,
    n_ctx: int | None = typer.Option(
        None,
        "--n-ctx",
        min=512,
        help="context length; also the persona prompt's token budget [paper: 4096, cheap: 2048]",
    ),
    profile: str = typer.Option(
        "paper",
        "--profile",
        help="named settings: paper (the paper's rules, default) | "
        "cheap (a 1.5B model on a laptop); options given override it",
    ),
    quiet: bool = QuietOpt,
) -> None:
    """Mine seed personas: preprocess, clean, QC, group, persona, critic, PII (resumable)."""
    from populace.mining import STAGES, MiningConfig
    from populace.mining import mine as run_mine
    from populace.mining.pipeline import LLM_STAGES

    console = Console(stderr=True)
    if download:
        from populace.corpus import BLOG_CORPUS_URL, download_blog_corpus

        if corpus is None:
            raise PopulaceError("--download needs --corpus, the folder to download into")
        corpus = download_blog_corpus(corpus, download_url or BLOG_CORPUS_URL, progress=not quiet)
        console.print(f"corpus in {corpus}")
    todo = _split(stages) or list(STAGES)
    given = dict(
        max_posts_per_author=max_posts_per_author,
        max_post_words=max_post_words,
        min_posts=min_posts,
        max_words=max_words,
        clean_mode=clean_mode,
        qc_method=qc_method,
        qc_keep_quality=tuple(_split(keep_quality) or ()) or None,
        critic_overall_min=overall_min,
        critic_other_min=other_min,
        max_attempts=max_attempts,
        batch_size=batch_size,
        context_tokens=n_ctx,
    )
    over = {k: v for k, v in given.items() if v is not None}
    if no_pii_llm:
        over["pii_llm"] = False
    cfg = MiningConfig.from_profile(profile, seed=seed, **over)
    n_ctx = cfg.context_tokens
    kw = backend_kwargs(backend, base_url, api_key_env, threads, n_ctx=n_ctx)
    b = cb = info = cinfo = None
    if "read" in todo:  # the corpus and prompts before the model loads
        from populace.files import check_file
        from populace.mining.prompts import Templates

        if corpus is None:
            raise PopulaceError("give --corpus (a blog folder, blogtext.csv or a table of posts)")
        if not corpus.is_dir():
            check_file(corpus, "corpus")
        Templates.load(prompts)
    if any(s in LLM_STAGES for s in todo):
        from populace.llm import load_backend

        b, info = load_backend(model, backend=backend, base_urls=base_url, **kw)
        if critic_model and critic_model != model and "critic" in todo:
            cb, cinfo = load_backend(critic_model, backend=backend, base_urls=base_url, **kw)
    try:
        with echo_log(None if quiet else console):
            res = run_mine(
                corpus,
                out,
                backend=b,
                critic_backend=cb,
                config=cfg,
                stages=todo,
                corpus_format=corpus_format,
                author_column=author_column,
                text_column=text_column,
                date_column=date_column,
                limit_authors=limit_authors,
                prompt_dir=prompts,
                progress=not quiet,
                model_info=info,
                critic_model_info=cinfo,
            )
    finally:
        for x in (b, cb):
            if x is not None:
                x.close()
    console.print(summary_table(res.summary))
    n = len(res.personas)
    console.print(
        f"{n} personas in {res.run.path / 'personas.parquet'}"
        if n or res.run.has("personas.parquet")
        else f"stages done; tables in {res.run.path}"
    )
