"""`populace run CONFIG.toml`: every stage in one run directory, resumably.

Stages, in order: ``mine -> survey -> align -> targets -> evaluate -> report -> export``.

Each stage's key is the hash of that stage's own settings (``RunConfig.stage_configs``),
the keys of the stages before it, and the stamps (path, size, mtime) of the
files it reads from outside the run. A stage whose key matches its record in
``manifest.json`` (status done, outputs present) is skipped; otherwise it runs,
and so does every stage after it (their keys include its key). Inside a stage
nothing is repeated either: mining resumes its own sub-stages, and every LLM
call of mining, survey, synth and the no-persona baselines is answered from
``cache.sqlite`` when it was made before. So rerunning the same config after a
kill continues where it stopped; changing ``[align]`` reruns align, targets,
evaluate, report and export only.

The manifest records the whole config (``config.run``) and its hash, package
versions, the model, the seeds, and rows in/out plus seconds per stage.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from populace.config import RunConfig
from populace.errors import PopulaceError
from populace.pipeline import stages as S
from populace.run import Run, config_hash

STAGES = ("mine", "survey", "align", "targets", "evaluate", "report", "export")
UPSTREAM = {
    "mine": (),
    "survey": ("mine",),
    "align": ("survey",),
    "targets": ("align",),
    "evaluate": ("align", "targets"),
    "report": ("evaluate",),
    "export": ("align", "survey"),
}
_STAGE_CFG = {"export": "report"}  # export has no settings of its own

logger = logging.getLogger(__name__)


@dataclass(repr=False)
class RunResult:
    """The run directory and one manifest record per stage (``summary``)."""

    run: Run
    summary: list[dict] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """One row per stage: ``stage``, ``status`` (ran / skipped), ``rows_in``,
        ``rows_out``, ``seconds``."""
        return pd.DataFrame(
            [
                {
                    "stage": s["stage"],
                    "status": "skipped" if s.get("resumed") else "ran",
                    "rows_in": s.get("rows_in"),
                    "rows_out": s.get("rows_out"),
                    "seconds": s.get("seconds"),
                }
                for s in self.summary
            ]
        )

    def __repr__(self) -> str:
        ran = self.ran
        skipped = [s["stage"] for s in self.summary if s.get("resumed")]
        return (
            f"<RunResult {self.run.path}: ran {', '.join(ran) or 'nothing'}"
            f"{'; skipped ' + ', '.join(skipped) if skipped else ''}>"
        )

    @property
    def ran(self) -> list[str]:
        return [s["stage"] for s in self.summary if not s.get("resumed")]

    @property
    def report(self) -> Path:
        return self.run.path / "report" / "report.html"


def _stamp(path: str | None):
    if not path or ":" in str(path).split("/")[0]:
        return path
    p = Path(path)
    if not p.exists():
        return [str(p), None]
    st = p.stat()
    return [str(p.resolve()), st.st_size, st.st_mtime_ns]


def _external_inputs(cfg: RunConfig, stage: str) -> list:
    if stage == "mine":
        return [_stamp(cfg.mine.corpus), _stamp(cfg.mine.personas)]
    if stage == "align":
        return [_stamp(cfg.align.reference.path)]
    if stage == "evaluate":
        return [_stamp(e.reference.path) for e in cfg.evaluate.instruments if e.reference] + [
            _stamp(x.path) for x in cfg.evaluate.external
        ]
    return []


def stage_keys(cfg: RunConfig) -> dict[str, str]:
    """The key of every stage (see the module doc)."""
    parts = cfg.stage_configs()
    keys: dict[str, str] = {}
    for name in STAGES:
        own = parts[_STAGE_CFG.get(name, name)]
        keys[name] = config_hash(
            {
                "stage": name,
                "cfg": own,
                "seed": cfg.seed,
                "inputs": _external_inputs(cfg, name),
                "up": [keys[u] for u in UPSTREAM[name]],
                "code": S.STAGE_VERSION,
            }
        )
    return keys


class _Backend:
    """Opens the model on first use only (a fully resumed run loads no model)."""

    def __init__(self, cfg: RunConfig):
        self.cfg, self.backend, self.info = cfg, None, None

    def __call__(self):
        if self.backend is None:
            from populace.llm import load_backend

            m = self.cfg.model
            kw = {}
            if m.backend == "llamacpp":
                kw = dict(n_threads=m.threads, n_ctx=m.n_ctx)
            else:
                kw = dict(api_key_env=m.api_key_env, concurrency=m.concurrency)
            self.backend, self.info = load_backend(
                m.name, backend=m.backend, base_urls=m.base_urls or None, **kw
            )
        return self.backend

    def close(self):
        if self.backend is not None:
            self.backend.close()


def run_pipeline(cfg: RunConfig, *, progress: bool = True, until: str | None = None) -> RunResult:
    """Run (or resume) every stage of ``cfg`` in ``cfg.dir``; see the module doc.

    One INFO message per stage (and the stages' own notes) goes to the
    ``populace.pipeline`` loggers; the CLI prints them. ``until``: stop after
    that stage (e.g. ``"mine"``, to look at the pool before surveying it); a
    later call without it resumes from there."""
    if until is not None and until not in STAGES:
        raise PopulaceError(f"unknown stage {until!r}; stages are {', '.join(STAGES)}")
    S.check(cfg)
    run = Run(cfg.dir)
    full = cfg.model_dump(mode="json")
    run.set_config(
        "run",
        full,
        seeds={
            "run": cfg.seed,
            "survey": cfg.survey.seed,
            "align": cfg.align.seed,
            "evaluate": cfg.evaluate.seed,
        },
    )
    keys = stage_keys(cfg)
    get_backend = _Backend(cfg)
    result = RunResult(run)
    outputs = S.OUTPUTS
    try:
        for name in STAGES:
            key = keys[name]
            rec = run.stage(name)
            done = run.is_done(name, key) and all(run.has(o) for o in outputs(cfg, name))
            if done:
                result.summary.append({"stage": name, "resumed": True, **rec})
                logger.info("%s: done earlier with the same settings, skipped", name)
                if name == until:
                    break
                continue
            logger.info("%s: running", name)
            t0 = time.perf_counter()
            out = S.RUNNERS[name](run, cfg, get_backend, progress=progress)
            # a stage may record its own sub-stages (mining does, through its own Run):
            # reread the manifest so recording this stage keeps them
            run.manifest = Run(run.path).manifest
            out.setdefault("rows_in", None)
            out.setdefault("rows_out", None)
            if get_backend.info:
                run.manifest.setdefault("models", {})["run"] = get_backend.info
            rec = run.record_stage(name, key=key, seconds=round(time.perf_counter() - t0, 2), **out)
            result.summary.append({"stage": name, "resumed": False, **rec})
            if name == until:
                break
    finally:
        get_backend.close()
    return result
