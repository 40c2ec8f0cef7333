"""The populace command line: a thin Typer layer over the Python API.

Every user-facing problem is a ``PopulaceError`` and ends the command with one
``error: ...`` line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import sys

import typer

from populace.cli import (align_cmd, demo_cmd, evaluate_cmd, instruments_cmd, mine_cmd,
                          models_cmd, reference_cmd, survey_cmd, target_cmd,
                          train_embedder_cmd)
from populace.cli import export_cmd, report_cmd, run_cmd, synth_cmd, tables_cmd
from populace.errors import PopulaceError

app = typer.Typer(
    name="populace",
    help="Population-aligned persona sets for LLM-based social simulation "
    "(Hu et al., arXiv:2509.10127).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("instruments")(instruments_cmd.instruments)
app.command("evaluate")(evaluate_cmd.evaluate)
app.command("align")(align_cmd.align)
app.command("demo")(demo_cmd.demo)
app.command("models")(models_cmd.models)
app.command("survey")(survey_cmd.survey)
app.command("mine")(mine_cmd.mine)
app.command("target")(target_cmd.target)
app.command("train-embedder")(train_embedder_cmd.train_embedder)
app.command("run")(run_cmd.run)
app.command("report")(report_cmd.report)
app.command("export")(export_cmd.export)
app.command("synth")(synth_cmd.synth)
app.command("tables")(tables_cmd.tables)
app.add_typer(reference_cmd.app, name="reference")


def main(argv: list[str] | None = None) -> None:
    try:
        app(args=argv, prog_name="populace")
    except PopulaceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
