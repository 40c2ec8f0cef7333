"""The whole pipeline as one resumable run (``populace run``), the evaluation
harness (``populace evaluate RUN``) and exports (``populace export``).

Modules: ``runner`` (stage order, keys, resume), ``stages`` (one adapter per
stage), ``harness`` (persona sets x instruments vs held-out humans), ``external``
(persona files and column presets), ``tables`` (run-directory files, reference
split), ``targets`` (the only coupling to group targeting), ``export``.
"""

from populace.pipeline.runner import STAGES, RunResult, run_pipeline, stage_keys

__all__ = ["STAGES", "RunResult", "run_pipeline", "stage_keys", "evaluate_run", "config_of_run"]


def config_of_run(run_dir):
    """The RunConfig a run directory was made with (from its manifest)."""
    from populace.config import parse_config
    from populace.errors import PopulaceError
    from populace.run import Run

    run = Run(run_dir, create=False)
    raw = (run.manifest.get("config") or {}).get("run")
    if not raw:
        raise PopulaceError(
            f"{run.path} was not made by `populace run` (no config.run in its "
            "manifest); use --synthetic/--reference instead"
        )
    return parse_config(raw, origin=f"{run.path}/manifest.json")


def _check_ready(run_dir) -> None:
    """The tables the harness reads exist and can be read (a run stopped before align,
    the usual state after an interrupted run, is said so, with the stages done)."""
    from populace.errors import PopulaceError
    from populace.pipeline import tables as T
    from populace.run import PERSONAS, Run, read_run_parquet

    run = Run(run_dir, create=False)
    need = [PERSONAS, T.ALIGNED, T.ALIGN_REF]
    absent = [n for n in need if not run.has(n)]
    if absent:
        done = [
            s
            for s, r in (run.manifest.get("stages") or {}).items()
            if isinstance(r, dict) and r.get("status") == "done"
        ]
        raise PopulaceError(
            f"{run.path} has no {', '.join(absent)}: the run stopped before "
            f"align (stages done: {', '.join(done) or 'none'}); rerun "
            "`populace run CONFIG` to finish it, then evaluate"
        )
    for name in need + sorted(
        str(p.relative_to(run.path)) for p in (run.path / "responses").glob("*.parquet")
    ):
        read_run_parquet(run.path / name)


def evaluate_run(run_dir, cfg=None, *, progress: bool = True):
    """Run the evaluation harness on a run directory; returns (results, tidy frame).

    Progress notes go to the ``populace.pipeline`` logger when ``progress``."""
    from pathlib import Path

    from populace.pipeline.harness import build_sets, evaluate_sets, write_results
    from populace.pipeline.runner import _Backend

    cfg = cfg or config_of_run(run_dir)
    _check_ready(Path(run_dir))
    get_backend = _Backend(cfg)
    try:
        failed: dict = {}
        sets = build_sets(Path(run_dir), cfg, get_backend, progress=progress, failed=failed)
        results = evaluate_sets(Path(run_dir), cfg, sets, failed=failed, progress=progress)
    finally:
        get_backend.close()
    return results, write_results(Path(run_dir), results)
