"""`populace export RUN`: the final persona set as JSONL, CSV or Parquet."""

from __future__ import annotations

from pathlib import Path

import typer


def export(
    run: Path = typer.Argument(..., help="run directory with aligned.parquet"),
    fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl | csv | parquet"),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="output file [default: RUN/exports/personas.FMT]"
    ),
) -> None:
    """persona_id, text, weight, count, trait scores and provenance per persona."""
    from populace.pipeline.export import export_run

    print(f"wrote {export_run(run, fmt, out)}")
