"""`populace evaluate`: distribution metrics of a synthetic table against humans."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from populace.cli import _options as O
from populace.cli._logging import echo_log
from populace.errors import PopulaceError
from populace.evaluate.compare import compare
from populace.reference import load_reference

METRIC_LABELS = {"amw": "AMW", "fd": "FD", "sw": "SW", "mmd": "MMD", "corr_mae": "corrMAE"}


def evaluate(
    run: Path | None = typer.Argument(
        None,
        help="run directory made by `populace run`: "
        "compare every persona set on every configured "
        "instrument against held-out humans",
    ),
    synthetic: str | None = typer.Option(
        None, "--synthetic", "-s", help="persona answers: persona_id + item columns (+ weight)"
    ),
    reference: str | None = typer.Option(None, "--reference", "-r", help="human reference file"),
    instrument: str = O.InstrumentOpt,
    space: str = typer.Option("traits", "--space", help="traits or items"),
    country: list[str] | None = O.CountryOpt,
    where: list[str] | None = O.WhereOpt,
    region: str | None = O.RegionOpt,
    missing_code: list[float] | None = O.MissingCodeOpt,
    noise_repeats: int = typer.Option(
        10,
        "--noise-repeats",
        min=1,
        max=10_000,
        help="pairs of human samples averaged for the noise floor",
    ),
    bootstrap: int = typer.Option(
        0,
        "--bootstrap",
        min=0,
        max=1_000_000,
        help="bootstrap replicates for confidence intervals (0 = none)",
    ),
    seed: int = typer.Option(0, "--seed", min=0),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
    config: Path | None = typer.Option(
        None,
        "--config",
        "-c",
        help="with RUN: evaluate with this config's [evaluate] section instead of the run's own",
    ),
    rerun_selection: bool | None = typer.Option(
        None,
        "--rerun-selection/--fixed-selection",
        help="with RUN: also give paired intervals with the aligner rerun on every bootstrap "
        "draw (--rerun-selection), or only with the selection held fixed "
        "(--fixed-selection); default: the config's evaluate.rerun_selection",
    ),
) -> None:
    """Compare a synthetic response table with a human reference.

    Filters (--country, --where) apply to the reference. Lower is better for
    every metric; the noise floor is the same metric between two disjoint human
    samples of the synthetic set's (effective) size.

    With a RUN directory: the harness (aligned, raw, random, no-persona,
    SyncP and external sets x instruments; docs/pipeline.md), written to
    RUN/evaluation/results.json, RUN/evaluation/metrics.csv and
    RUN/evaluation/differences.csv (aligned minus each other set, paired bootstrap).
    """
    if run is not None:
        if synthetic or reference:
            raise PopulaceError("give either a RUN directory or --synthetic/--reference")
        return _evaluate_run(run, config, as_json, rerun_selection)
    if rerun_selection is not None:
        raise PopulaceError(
            "--rerun-selection/--fixed-selection need a RUN directory: "
            "two tables have no selection to rerun"
        )
    if not synthetic or not reference:
        raise PopulaceError("give a RUN directory, or both --synthetic and --reference")
    syn = load_reference(synthetic, instrument, weight_column="auto")
    ref = O.load_cli_reference(
        reference,
        instrument,
        country=country,
        where=where,
        region=region,
        missing_code=missing_code,
    )
    result = compare(
        syn, ref, space=space, noise_repeats=noise_repeats, n_boot=bootstrap, seed=seed
    )
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
    console.print(
        f"n synthetic = {result.n_synthetic:,} (effective {result.n_synthetic_effective:,.0f}), "
        f"n reference = {result.n_reference:,}; noise floor from {noise_repeats} pairs "
        f"of {result.noise_floor_n:,} humans"
    )


def _evaluate_run(
    run: Path, config: Path | None, as_json: bool, rerun_selection: bool | None = None
) -> None:
    from populace.pipeline import config_of_run, evaluate_run

    cfg = config_of_run(run)
    if config is not None:
        from populace.config import load_config

        cfg = cfg.model_copy(update={"evaluate": load_config(config).evaluate})
    if rerun_selection is not None:
        cfg = cfg.model_copy(
            update={
                "evaluate": cfg.evaluate.model_copy(update={"rerun_selection": rerun_selection})
            }
        )
    console = Console(stderr=True)
    with echo_log(None if as_json else console):
        results, frame = evaluate_run(run, cfg, progress=not as_json)
    if as_json:
        print(json.dumps(frame.to_dict(orient="records"), indent=2))
        return
    out = Console()
    for ins, part in frame.groupby("instrument", sort=False):
        t = Table(title=f"{ins}: {results['instruments'][ins].get('reference') or 'no human data'}")
        metrics = list(dict.fromkeys(part["metric"]))
        t.add_column("set")
        for m in metrics[:10]:
            t.add_column(METRIC_LABELS.get(m, m), justify="right")
        for name, rows in part.groupby("set", sort=False):
            vals = dict(zip(rows["metric"], zip(rows["value"], rows["ci_low"], rows["ci_high"])))
            t.add_row(name, *[_cell(*vals[m]) if m in vals else "" for m in metrics[:10]])
        first = "aligned" if (part["set"] == "aligned").any() else part["set"].iloc[0]
        ref_rows = part[part["set"] == first]
        floors = dict(zip(ref_rows["metric"], ref_rows["floor"]))
        if any(v == v and v is not None for v in floors.values()):
            t.add_row(f"floor ({first})", *[_cell(floors.get(m)) for m in metrics[:10]])
        out.print(t)
        res = results["instruments"][ins]
        for key, how in (("paired", ""), ("paired_rerun", ", selection rerun per replicate")):
            paired = res.get(key) or {}
            if res.get(f"{key}_error"):
                out.print(f"{ins}: paired comparison{how} not computed: {res[f'{key}_error']}")
            if paired:
                p = Table(
                    title=f"{ins}: aligned minus baseline, paired bootstrap{how} "
                    "(negative = aligned closer)"
                )
                p.add_column("comparison")
                for m in metrics[:10]:
                    if m in next(iter(paired.values())):
                        p.add_column(METRIC_LABELS.get(m, m), justify="right")
                for comp, per in paired.items():
                    p.add_row(comp, *[_diff_cell(per[m]) for m in metrics[:10] if m in per])
                out.print(p)
    out.print(
        f"wrote {run / 'evaluation' / 'results.json'}, "
        f"{run / 'evaluation' / 'metrics.csv'} and {run / 'evaluation' / 'differences.csv'}"
    )


def _diff_cell(r: dict) -> str:
    """difference [CI] and the relative change."""
    cell = f"{r['difference']:+.4f}"
    if r.get("low") is not None:
        cell += f" [{r['low']:+.4f}, {r['high']:+.4f}]"
    if r.get("relative") is not None:
        cell += f" ({100 * r['relative']:+.1f}%)"
    return cell


def _cell(v, lo=None, hi=None) -> str:
    if v is None or v != v:
        return ""
    s = f"{v:.4f}"
    if lo is not None and lo == lo and hi is not None and hi == hi:
        s += f" [{lo:.3f}, {hi:.3f}]"
    return s
