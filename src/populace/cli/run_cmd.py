"""`populace run CONFIG.toml`: the whole pipeline, resumable (populace.pipeline)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from populace.cli._logging import echo_log
from populace.cli._options import QuietOpt


def stage_table(summary: list[dict]) -> Table:
    t = Table(title="populace run: stages")
    for c in ("stage", "status", "rows in", "rows out", "s"):
        t.add_column(c, justify="left" if c in ("stage", "status") else "right")
    for r in summary:
        status = "skipped (done earlier)" if r.get("resumed") else "ran"
        if r.get("status_note"):
            status += f"; {r['status_note']}"
        t.add_row(
            r["stage"],
            status,
            "" if r.get("rows_in") is None else str(r["rows_in"]),
            "" if r.get("rows_out") is None else str(r["rows_out"]),
            str(r.get("seconds", "")),
        )
    return t


def run(
    config: Path = typer.Argument(
        ..., help="run config (TOML; see docs/pipeline.md and examples/populace.toml)"
    ),
    check: bool = typer.Option(False, "--check", help="validate the config and stop"),
    quiet: bool = QuietOpt,
) -> None:
    """Mine, survey, align, (target), evaluate, report and export in one run directory.

    Rerunning the same config skips every finished stage; changing one stage's
    settings reruns that stage and those after it.
    """
    from populace.config import load_config
    from populace.pipeline import run_pipeline
    from populace.pipeline.stages import check as check_cfg

    console = Console(stderr=True)
    cfg = load_config(config)
    if check:
        check_cfg(cfg)
        if cfg.mine.personas:  # the personas are known now: do their prompts fit?
            from populace.pipeline.preflight import prompts_fit
            from populace.pipeline.runner import _Backend
            from populace.survey.personas import load_personas

            get_backend = _Backend(cfg)
            try:
                prompts_fit(
                    get_backend(),
                    load_personas(cfg.mine.personas),
                    cfg.survey.instruments,
                    cfg.survey.prompts,
                )
            finally:
                get_backend.close()
        console.print(
            f"{config}: valid (files, model, instruments, parameters"
            f"{', prompt lengths' if cfg.mine.personas else ''}); run directory "
            f"{cfg.dir}"
        )
        return
    with echo_log(console):
        res = run_pipeline(cfg, progress=not quiet)
    console.print(stage_table(res.summary))
    console.print(f"report: {res.report}")
