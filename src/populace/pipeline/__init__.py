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
        raise PopulaceError(f"{run.path} was not made by `populace run` (no config.run in its "
                            "manifest); use --synthetic/--reference instead")
    return parse_config(raw, origin=f"{run.path}/manifest.json")


def evaluate_run(run_dir, cfg=None, *, progress: bool = True):
    """Run the evaluation harness on a run directory; returns (results, tidy frame).

    Progress notes go to the ``populace.pipeline`` logger when ``progress``."""
    import logging
    from pathlib import Path

    from populace.pipeline.harness import build_sets, evaluate_sets, write_results
    from populace.pipeline.runner import _Backend

    cfg = cfg or config_of_run(run_dir)
    get_backend = _Backend(cfg)
    try:
        failed: dict = {}
        sets = build_sets(Path(run_dir), cfg, get_backend, progress=progress, failed=failed)
        log = logging.getLogger("populace.pipeline.harness").info if progress else None
        results = evaluate_sets(Path(run_dir), cfg, sets, log=log, failed=failed,
                                progress=progress)
    finally:
        get_backend.close()
    return results, write_results(Path(run_dir), results)
