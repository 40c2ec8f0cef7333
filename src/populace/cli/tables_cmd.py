"""`populace tables RUN [RUN...]`: the paper's Tables 1-3, several runs side by side."""

from __future__ import annotations

from pathlib import Path

import typer


def tables(
    runs: list[Path] = typer.Argument(
        ...,
        help="run directories (after evaluation) or tidy "
        "metrics CSV files (evaluation/metrics.csv layout)",
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        "-o",
        help="folder for table1_in_domain.csv, "
        "table2_out_of_domain.csv, table3_correlation.csv and "
        "tables.html [default: RUN/evaluation with one run "
        "directory, else print only]",
    ),
    labels: str | None = typer.Option(
        None,
        "--labels",
        help="comma-separated block labels, one per run [default: folder name and model]",
    ),
    in_domain: str | None = typer.Option(
        None,
        "--in-domain",
        help="the alignment instrument of metrics CSV files [default: a run's own; a CSV's first]",
    ),
) -> None:
    """Print Tables 1-3 (value [95% interval]) with each run as a block of columns,
    as the paper puts its LLMs side by side; write them as CSV and HTML."""
    from populace.errors import PopulaceError
    from populace.pipeline.paper_tables import load_source, paper_tables, write_tables

    names = [x.strip() for x in labels.split(",")] if labels else [None] * len(runs)
    if len(names) != len(runs):
        raise PopulaceError(f"--labels gives {len(names)} labels for {len(runs)} runs")
    sources = [load_source(r, label=n, in_domain=in_domain) for r, n in zip(runs, names)]
    if len({s.label for s in sources}) < len(sources):
        raise PopulaceError("two runs have the same label; give --labels")
    built = paper_tables(sources)
    for t in built:
        if t.groups:
            print(t.text() + "\n")
    if out is None and len(runs) == 1 and runs[0].is_dir():
        out = runs[0] / "evaluation"
    if out is not None:
        from populace.pipeline.report_tables import tables_page

        paths = write_tables(built, out)
        page = out / "tables.html"
        page.write_text(tables_page(built), encoding="utf-8")
        for p in paths + [page]:
            print(f"wrote {p}")
