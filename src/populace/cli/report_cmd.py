"""`populace report RUN`: the self-contained HTML report of a run."""

from __future__ import annotations

from pathlib import Path

import typer


def report(
    run: Path = typer.Argument(..., help="run directory (after `populace run` or evaluate)"),
    traits: str | None = typer.Option(
        None,
        "--traits",
        help="two traits for the scatter, e.g. EXT,AGR "
        "[default: report.scatter_traits or the first two]",
    ),
    samples: int | None = typer.Option(None, "--samples", min=0, help="sample personas shown"),
) -> None:
    """Write RUN/report/report.html (figures embedded) and RUN/report/*.png."""
    from populace.pipeline.report import build_report

    pick = [t.strip() for t in traits.split(",")] if traits else None
    path = build_report(run, scatter_traits=pick, sample_personas=samples)
    print(f"wrote {path}")
