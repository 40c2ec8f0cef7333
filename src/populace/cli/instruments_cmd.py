"""`populace instruments [ID]`: list the instruments or show one."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from populace.instruments import builtin_ids, load_instrument


def instruments(
    instrument: str | None = typer.Argument(None, help="an id or YAML path to show in full"),
) -> None:
    """List the built-in instruments, or show one with its items and keys."""
    console = Console()
    if instrument is None:
        table = Table(title="Built-in instruments")
        for col in ("id", "name", "items", "traits", "scale"):
            table.add_column(col)
        for iid in builtin_ids():
            ins = load_instrument(iid)
            scale = f"{ins.scale.min}-{ins.scale.max}" if ins.scale else "per item"
            table.add_row(
                iid, ins.name, str(len(ins.items)), ", ".join(ins.trait_ids) or "(no key)", scale
            )
        console.print(table)
        console.print("Show one with: populace instruments ID")
        return
    ins = load_instrument(instrument)
    console.print(f"[bold]{ins.id}[/bold]: {ins.name}")
    console.print(f"Citation: {ins.citation}")
    if ins.source:
        console.print(f"Source: {ins.source}")
    if ins.scale:
        labels = ", ".join(f"{k} = {v}" for k, v in ins.scale.labels.items())
        console.print(f"Scale: {labels}")
    if ins.traits:
        console.print(
            "Traits: "
            + ", ".join(f"{t.id} ({t.name})" for t in ins.traits)
            + f"; scored as the {ins.scoring} of keyed items"
        )
    table = Table()
    for col in ("id", "text", "trait", "keyed", "aliases"):
        table.add_column(col)
    for it in ins.items:
        table.add_row(
            it.id, it.text, it.trait or "", "-" if it.reverse else "+", ", ".join(it.aliases)
        )
    console.print(table)
    if ins.notes:
        console.print(f"Notes: {ins.notes}")
