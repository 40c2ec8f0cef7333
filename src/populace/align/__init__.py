"""Global distribution alignment: pick the K personas whose answers look like humans'.

One aligner per module, registered in :data:`ALIGN_METHODS` (the style of
balance's ``BALANCE_WEIGHTING_METHODS``).  Every aligner takes a
:class:`~populace.align.result.Problem` (personas and humans in one numeric
space) plus its own keyword parameters and returns ``(indices, counts,
pool_weights)``.  :func:`align` does the rest: input checks, the space,
diagnostics (stage sizes and times, weight spread and effective sample size,
in-sample metrics before and after).  See docs/alignment.md.

Imports: numpy, scipy, POT, pandas and populace's instruments/reference/
evaluate only (never LLM, survey or CLI code).
"""

from __future__ import annotations

import inspect
import time
from types import MappingProxyType

import numpy as np

from populace.align import _inputs
from populace.align.diagnostics import load_average
from populace.align.herding import align_herding
from populace.align.matched import align_matched
from populace.align.paper import align_paper
from populace.align.params import check_params
from populace.align.random_sample import align_random
from populace.align.result import AlignResult, Problem
from populace.align.semi_ot import align_semi_ot
from populace.errors import PopulaceError

ALIGN_METHODS = MappingProxyType({
    "random": align_random,
    "paper": align_paper,
    "semi_ot": align_semi_ot,
    "matched": align_matched,
    "herding": align_herding,
})
"""Read-only registry: method name -> aligner function."""

DEFAULT_METHOD = "herding"
"""Chosen by benchmarks/align_recovery.py (docs/alignment.md has the figures)."""

METHOD_DEFAULTS = MappingProxyType({
    "random": {"space": "items", "duplicates": False},
    "paper": {"space": "items", "duplicates": False},
    "semi_ot": {"space": "items", "duplicates": False},
    "matched": {"space": "traits", "duplicates": False},
    "herding": {"space": "traits", "duplicates": True},
})
"""``space`` and ``duplicates`` used when ``align`` gets None for them: the paper's
items space for the paper's methods; for herding, trait space and repeats
allowed (a persona is taken again only when that lowers MMD), which measured
best (docs/alignment.md)."""

IN_SAMPLE_REFERENCE_ROWS = 20_000

__all__ = ["ALIGN_METHODS", "DEFAULT_METHOD", "METHOD_DEFAULTS", "AlignResult", "Problem", "align",
           "method_parameters"]


def method_parameters(method: str) -> dict:
    """The keyword parameters of ``method`` and their defaults."""
    fn = _method(method)
    return {p.name: p.default for p in list(inspect.signature(fn).parameters.values())[1:]}


def _method(method: str):
    if method not in ALIGN_METHODS:
        raise PopulaceError(f"unknown alignment method {method!r}; choose from "
                            f"{', '.join(ALIGN_METHODS)}")
    return ALIGN_METHODS[method]


def _in_sample(X, Y, wy, idx, counts, seed) -> dict:
    from populace.evaluate.metrics import compute_all
    from populace.align.reduce import reduce_reference

    U, w, _ = reduce_reference(Y, wy, IN_SAMPLE_REFERENCE_ROWS, seed)
    if X.shape[0] < 2 or idx.size < 2:
        return {}
    before = compute_all(X, U, None, w, seed=seed)
    after = compute_all(X[idx], U, counts.astype(float), w, seed=seed)
    return {"before": before, "after": after,
            "reference_rows": int(U.shape[0]),
            "note": "aligner's space, against the (capped) alignment reference itself: "
                    "not held-out"}


def align(responses, reference, instrument="ipip50", n: int = 1000,
          method: str = DEFAULT_METHOD, seed: int = 0, space: str | None = None,
          duplicates: bool | None = None, item_weights=None, in_sample: bool = True,
          **params) -> AlignResult:
    """Select ``n`` personas from ``responses`` whose answers match ``reference``.

    ``responses`` and ``reference`` are ResponseTables, DataFrames (item-id
    columns, optional ``persona_id`` / ``weight``) or arrays of answers in item
    order, on the instrument's scale.  ``space``: ``items`` ([0, 1]-scaled
    answers) or ``traits``; ``duplicates``: may a persona be selected more than
    once (its count is then its integer weight)?  None takes the method's
    default (:data:`METHOD_DEFAULTS`).  ``item_weights``: None (uniform), a sequence, a
    {column: weight} dict or a CSV file.  ``params`` go to the method (see
    :func:`method_parameters`).  Same inputs and seed give the same result.
    """
    fn = _method(method)
    allowed = method_parameters(method)
    params = check_params(method, params, allowed)
    space = METHOD_DEFAULTS[method]["space"] if space is None else space
    duplicates = METHOD_DEFAULTS[method]["duplicates"] if duplicates is None else duplicates
    t0 = time.perf_counter()
    personas, humans, ins = _inputs.prepare(responses, reference, instrument, space,
                                            item_weights)
    t_prep = time.perf_counter() - t0
    problem = Problem(personas.X, humans.X, humans.weights, int(n), int(seed), bool(duplicates))
    idx, counts, pool_w = fn(problem, **params)
    diag = problem.diagnostics
    diag["stages_seconds"] = {"prepare": t_prep, **problem.stages.seconds}
    diag["sizes"] = {**diag.get("sizes", {}), "pool": int(personas.X.shape[0]),
                     "reference_rows": int(humans.X.shape[0]), "selected_distinct": int(idx.size),
                     "k": int(counts.sum())}
    diag["output"] = {"ess": float(counts.sum() ** 2 / (counts @ counts)),
                      "max_count": int(counts.max())}
    if in_sample:
        t1 = time.perf_counter()
        diag["in_sample_metrics"] = _in_sample(personas.X, humans.X, humans.weights, idx,
                                               counts, seed)
        diag["stages_seconds"]["in_sample_metrics"] = time.perf_counter() - t1
    diag["seconds_total"] = time.perf_counter() - t0
    diag["load_average"] = load_average()
    used = {**allowed, **params}
    used = {k: (list(v) if isinstance(v, tuple) else v) for k, v in used.items()}
    return AlignResult(method, np.asarray(idx), personas.ids[idx], np.asarray(counts),
                       {"n": int(n), "seed": int(seed), "space": space,
                        "duplicates": bool(duplicates), "instrument": ins.id,
                        "item_weights": None if item_weights is None else str(item_weights)
                        if not isinstance(item_weights, (list, tuple, dict)) else item_weights,
                        **used},
                       diag, pool_w)
