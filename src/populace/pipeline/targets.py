"""The one place the pipeline touches group targeting (populace.targeting).

The targets stage calls ``populace.targeting.target_run(run_dir, query, n=..., backend=...)``
for each configured query when that entry point exists; otherwise the stage is
recorded as ``skipped: targeting not installed``. Imported lazily so the
pipeline works (and stays importable) without it.
"""

from __future__ import annotations

import inspect

SKIPPED = "skipped: targeting not installed"


def target_entry():
    """``populace.targeting.target_run`` or None."""
    try:
        import populace.targeting as target_pkg
    except ImportError:
        return None
    return getattr(target_pkg, "target_run", None)


def run_targets(run_path, cfg, get_backend, *, progress: bool = True) -> dict:
    """Run every query; returns the stage record's extra fields."""
    fn = target_entry()
    if fn is None:
        return {"status_note": SKIPPED, "queries": list(cfg.targets.queries)}
    accepted = set(inspect.signature(fn).parameters)
    # every [targets] setting the entry point names (n always), the same for each query
    settings = {
        name: value
        for name, value in cfg.targets.model_dump().items()
        if name == "n" or (name in accepted and name not in ("enabled", "queries"))
    }
    outs = {}
    for q in cfg.targets.queries:
        kw = dict(settings)
        if "backend" in accepted:
            kw["backend"] = get_backend()
        if "progress" in accepted:
            kw["progress"] = progress
        res = fn(str(run_path), q, **kw)
        outs[q] = str(res) if res is not None else None
    return {"queries": list(cfg.targets.queries), "outputs": outs}
