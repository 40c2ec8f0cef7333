"""`populace evaluate`: distribution metrics of a synthetic table against humans."""

from __future__ import annotations

import json
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from populace.cli import _options as O
from populace.evaluate.compare import compare
from populace.reference import load_reference

METRIC_LABELS = {"amw": "AMW", "fd": "FD", "sw": "SW", "mmd": "MMD", "corr_mae": "corrMAE"}


def evaluate(
    synthetic: str = typer.Option(..., "--synthetic", "-s",
                                  help="persona answers: persona_id + item columns (+ weight)"),
    reference: str = typer.Option(..., "--reference", "-r", help="human reference file"),
    instrument: str = O.InstrumentOpt,
    space: str = typer.Option("traits", "--space", help="traits or items"),
    country: Optional[list[str]] = O.CountryOpt,
    where: Optional[list[str]] = O.WhereOpt,
    region: Optional[str] = O.RegionOpt,
    missing_code: Optional[list[float]] = O.MissingCodeOpt,
    noise_repeats: int = typer.Option(10, "--noise-repeats",
                                      help="pairs of human samples averaged for the noise floor"),
    bootstrap: int = typer.Option(0, "--bootstrap",
                                  help="bootstrap replicates for confidence intervals (0 = none)"),
    seed: int = typer.Option(0, "--seed"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Compare a synthetic response table with a human reference.

    Filters (--country, --where) apply to the reference. Lower is better for
    every metric; the noise floor is the same metric between two disjoint human
    samples of the synthetic set's (effective) size.
    """
    syn = load_reference(synthetic, instrument, weight_column="auto")
    ref = O.load_cli_reference(reference, instrument, country=country, where=where, region=region,
                               missing_code=missing_code)
    result = compare(syn, ref, space=space, noise_repeats=noise_repeats, n_boot=bootstrap,
                     seed=seed)
    if as_json:
        print(json.dumps(result.to_dict(), indent=2))
        return
    console = Console()
    table = Table(title=f"{syn.source} vs {ref.source} ({result.space} space)")
    table.add_column("metric")
    table.add_column("synthetic", justify="right")
    if result.ci is not None:
        table.add_column(f"{100 * 0.95:.0f}% CI", justify="right")
    table.add_column("noise floor", justify="right")
    table.add_column("x floor", justify="right")
    for m, v in result.metrics.items():
        floor = result.noise_floor[m]
        row = [METRIC_LABELS[m], f"{v:.4f}"]
        if result.ci is not None:
            row.append(f"[{result.ci[m]['low']:.4f}, {result.ci[m]['high']:.4f}]")
        ratio = f"{v / floor:.2f}" if floor > 0 else "n/a"
        row += [f"{floor:.4f} ± {result.noise_floor_sd[m]:.4f}", ratio]
        table.add_row(*row)
    console.print(table)
    console.print(f"n synthetic = {result.n_synthetic:,} (effective {result.n_synthetic_effective:,.0f}), "
                  f"n reference = {result.n_reference:,}; noise floor from {noise_repeats} pairs "
                  f"of {result.noise_floor_n:,} humans")
