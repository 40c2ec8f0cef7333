"""The populace command line: a thin Typer layer over the Python API.

Every user-facing problem is a ``PopulaceError`` and ends the command with one
``error: ...`` line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import sys

import typer

from populace.cli import (
    align_cmd,
    demo_cmd,
    evaluate_cmd,
    export_cmd,
    instruments_cmd,
    mine_cmd,
    models_cmd,
    reference_cmd,
    report_cmd,
    run_cmd,
    survey_cmd,
    synth_cmd,
    tables_cmd,
    target_cmd,
    train_embedder_cmd,
)
from populace.errors import PopulaceError

try:  # typer >= 0.22 vendors click as typer._click; older typer uses click itself
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError  # noqa: F401
except ImportError:  # pragma: no cover
    from click.exceptions import ClickException, NoArgsIsHelpError, UsageError
try:
    from typer._click.exceptions import Abort
except ImportError:
    from typer import Abort

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
    """Run the CLI; a PopulaceError or a usage error (unknown option, a value of the
    wrong type or out of its range) is one ``error: ...`` line on stderr, exit 2."""
    try:
        code = app(args=argv, prog_name="populace", standalone_mode=False)
    except PopulaceError as exc:
        print(f"error: {_one_line(str(exc))}", file=sys.stderr)
        sys.exit(2)
    except NoArgsIsHelpError as exc:
        print(exc.ctx.get_help() if exc.ctx else str(exc))
        sys.exit(0)
    except UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "populace"
        print(
            f"error: {where}: {_one_line(exc.format_message())} (see `{where} --help`)",
            file=sys.stderr,
        )
        sys.exit(2)
    except ClickException as exc:
        print(f"error: {_one_line(exc.format_message())}", file=sys.stderr)
        sys.exit(2)
    except Abort:
        print("error: aborted", file=sys.stderr)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


def _one_line(text: str) -> str:
    """Messages are one line: newlines (from a library's text) become spaces."""
    return " ".join(text.split())


if __name__ == "__main__":  # pragma: no cover
    main()
