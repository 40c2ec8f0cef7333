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
import warnings
from types import MappingProxyType

import numpy as np

from populace.align import _inputs, demographics
from populace.align.diagnostics import load_average
from populace.align.herding import align_herding
from populace.align.matched import align_matched
from populace.align.paper import align_paper
from populace.align.params import check_params
from populace.align.quotas import quota_table
from populace.align.random_sample import align_random
from populace.align.result import AlignResult, Problem
from populace.align.semi_ot import align_semi_ot
from populace.errors import PopulaceError
from populace.weighted import kish_ess

ALIGN_METHODS = MappingProxyType(
    {
        "random": align_random,
        "paper": align_paper,
        "semi_ot": align_semi_ot,
        "matched": align_matched,
        "herding": align_herding,
    }
)
"""Read-only registry: method name -> aligner function."""

DEFAULT_METHOD = "herding"
"""Chosen by benchmarks/align_recovery.py (docs/alignment.md has the figures)."""

METHOD_DEFAULTS = MappingProxyType(
    {
        "random": {"space": "items", "duplicates": False},
        "paper": {"space": "items", "duplicates": False},
        "semi_ot": {"space": "items", "duplicates": False},
        "matched": {"space": "traits", "duplicates": False},
        "herding": {"space": "traits", "duplicates": True},
    }
)
"""``space`` and ``duplicates`` used when ``align`` gets None for them: the paper's
items space for the paper's methods; for herding, trait space and repeats
allowed (a persona is taken again only when that lowers MMD), which measured
best (docs/alignment.md)."""

IN_SAMPLE_REFERENCE_ROWS = 20_000

QUOTA_METHODS = ("herding", "paper")
"""Aligners that fill the demographic cells of a joint alignment (``match``) by quota."""

__all__ = [
    "ALIGN_METHODS",
    "DEFAULT_METHOD",
    "METHOD_DEFAULTS",
    "AlignResult",
    "Problem",
    "align",
    "method_parameters",
]


def method_parameters(method: str) -> dict:
    """The keyword parameters of ``method`` and their defaults."""
    fn = _method(method)
    return {p.name: p.default for p in list(inspect.signature(fn).parameters.values())[1:]}


def _method(method: str):
    if method not in ALIGN_METHODS:
        raise PopulaceError(
            f"unknown alignment method {method!r}; choose from {', '.join(ALIGN_METHODS)}"
        )
    return ALIGN_METHODS[method]


def _in_sample(X, Y, wy, idx, counts, seed) -> dict:
    from populace.align.reduce import reduce_reference
    from populace.evaluate.metrics import compute_all

    U, w, _ = reduce_reference(Y, wy, IN_SAMPLE_REFERENCE_ROWS, seed)
    if X.shape[0] < 2 or idx.size < 2:
        return {}
    before = compute_all(X, U, None, w, seed=seed)
    after = compute_all(X[idx], U, counts.astype(float), w, seed=seed)
    return {
        "before": before,
        "after": after,
        "reference_rows": int(U.shape[0]),
        "note": "aligner's space, against the (capped) alignment reference itself: not held-out",
    }


def _demographics(spec, responses, reference, persona_meta, personas, humans):
    """The demographic blocks (demographics.build) for the prepared sides."""
    import pandas as pd

    from populace.reference.codebooks import codebook_for

    notes = []
    if persona_meta is not None:
        pm = pd.DataFrame(persona_meta)
        if "persona_id" in pm.columns:
            pm = pm.assign(persona_id=pm["persona_id"].astype(str))
            if pm["persona_id"].duplicated().any():
                raise PopulaceError("persona_meta has duplicate persona_id values")
            absent = int((~pd.Index(personas.ids).isin(pm["persona_id"])).sum())
            pm = pm.set_index("persona_id").reindex(personas.ids).reset_index(drop=True)
            if absent:
                notes.append(
                    f"{absent} of {len(personas.ids)} personas are not in the "
                    "personas table: their demographics count as missing"
                )
        elif len(pm) != len(personas.ids):
            raise PopulaceError(
                f"persona_meta has {len(pm)} rows and no persona_id column; "
                f"give one row per persona ({len(personas.ids)})"
            )
    else:
        pm = demographics.meta_of(responses)
    rm = demographics.meta_of(reference)
    if rm is not None:
        rm = rm.iloc[humans.rows].reset_index(drop=True)
    book = codebook_for(getattr(reference, "log", None), getattr(reference, "source", None))
    demo = demographics.build(
        spec, None if pm is None else pm.reset_index(drop=True), rm, humans.weights, humans.X, book
    )
    demo.warnings[:0] = notes
    return demo


def align(
    responses,
    reference,
    instrument="ipip50",
    n: int = 1000,
    method: str = DEFAULT_METHOD,
    seed: int = 0,
    space: str | None = None,
    duplicates: bool | None = None,
    item_weights=None,
    in_sample: bool = True,
    match=None,
    match_weight=None,
    match_age: str | None = None,
    match_codes=None,
    match_quota: bool | None = None,
    persona_meta=None,
    **params,
) -> AlignResult:
    """Select ``n`` personas whose answers match the human reference as a distribution.

    The default method, kernel herding (Chen, Welling & Smola 2010), picks
    personas greedily so that the maximum mean discrepancy (MMD; Gretton et
    al. 2012) between the selection and the reference keeps falling, with
    optional swap passes on the correlation error.  ``paper`` is Hu et al.'s
    KDE importance sampling followed by entropic optimal transport solved with
    Sinkhorn iterations (Cuturi 2013); ``semi_ot`` relaxes the persona
    marginal; ``matched`` matches each reference row to its nearest persona;
    ``random`` is the baseline (docs/alignment.md compares them).

    Parameters
    ----------
    responses : ResponseTable, DataFrame or ndarray
        The persona pool's answers: a table from :func:`populace.load_reference`
        or ``populace.survey(...).wide``, a DataFrame with one column per item
        id (optional ``persona_id`` and ``weight``), or an (n, items) array in
        item order, on the instrument's scale.  Every answer must be present.
    reference : ResponseTable, DataFrame or ndarray
        The human answers, in the same forms; a ``weight`` column is honoured.
    instrument : str or Instrument, default "ipip50"
    n : int, default 1000
        K, the number of personas selected (counting repeats).
    method : str, default "herding"
        A key of :data:`ALIGN_METHODS`.
    seed : int, default 0
        Same inputs and seed give the same result.
    space : {"items", "traits"}, optional
        ``items``: [0, 1]-scaled answers; ``traits``: trait scores on [0, 1].
        None takes the method's default (:data:`METHOD_DEFAULTS`).
    duplicates : bool, optional
        May a persona be selected more than once (its count is then its
        integer weight)?  None takes the method's default.
    item_weights : sequence, dict or path, optional
        Column weights in the squared distances: a sequence, a
        ``{column: weight}`` dict or a two-column CSV file; None is uniform.
    in_sample : bool, default True
        Also compute the metrics before and after against the alignment
        reference itself (``diagnostics["in_sample_metrics"]``; not held out).
    match : str, list or MatchSpec, optional
        Joint demographic matching (``demographics.py``; docs/alignment.md): columns
        (``"age,gender"``, ``"gender=sex"`` for a differently named human column)
        that the personas (``responses``' other columns, or ``persona_meta``: a
        frame with ``persona_id``) and the humans (``reference``'s other columns)
        both carry. ``match_weight`` (a number or {column: number}) weighs each
        column against the whole trait/item block (default 0.5); ``match_age``
        ``bands`` or ``scaled``; ``match_codes`` ({column: {raw: label}}) recodes
        the human side; ``match_quota`` (default True) fills each demographic
        cell's share of the K slots (herding and paper). Problems with the match
        (missing values, categories on one side only) are warnings
        (``MatchWarning``) and lines in ``diagnostics["demographics"]["warnings"]``.
    **params
        The method's own parameters (see :func:`method_parameters`).

    Returns
    -------
    AlignResult
        ``indices`` into the pool, ``persona_ids``, ``counts`` (weights =
        counts / K), ``diagnostics`` (stage sizes and times, weight spread,
        Kish effective sample size); ``to_frame()`` gives ``persona_id`` and
        ``weight``, ``select(responses)`` the chosen rows.

    References
    ----------
    Chen, Y., Welling, M. & Smola, A. (2010). Super-samples from kernel
    herding. *UAI*.
    Gretton, A., Borgwardt, K. M., Rasch, M. J., Schölkopf, B. & Smola, A.
    (2012). A kernel two-sample test. *JMLR* 13, 723-773.
    Cuturi, M. (2013). Sinkhorn distances: lightspeed computation of optimal
    transport. *NeurIPS*.
    Hu et al. (2025). Population-Aligned Persona Generation for LLM-based
    Social Simulation. arXiv:2509.10127.
    """
    fn = _method(method)
    allowed = method_parameters(method)
    params = check_params(method, params, allowed)
    space = METHOD_DEFAULTS[method]["space"] if space is None else space
    duplicates = METHOD_DEFAULTS[method]["duplicates"] if duplicates is None else duplicates
    t0 = time.perf_counter()
    spec = demographics.parse_match(match, match_weight, match_age, None, match_codes, match_quota)
    personas, humans, ins = _inputs.prepare(responses, reference, instrument, space, item_weights)
    X, Y, wy, demo = personas.X, humans.X, humans.weights, None
    if spec is not None:
        demo = _demographics(spec, responses, reference, persona_meta, personas, humans)
        keep = demo.ref_keep
        X, Y = np.hstack([X, demo.Xd]), np.hstack([Y[keep], demo.Yd])
        wy = None if wy is None else wy[keep]
        for line in demo.warnings:
            warnings.warn(line, demographics.MatchWarning, stacklevel=2)
    t_prep = time.perf_counter() - t0
    core = personas.X.shape[1]
    problem = Problem(
        X,
        Y,
        wy,
        int(n),
        int(seed),
        bool(duplicates),
        core_columns=core if demo is not None else None,
        strata=None if demo is None or method not in QUOTA_METHODS else demo.strata,
    )
    idx, counts, pool_w = fn(problem, **params)
    diag = problem.diagnostics
    diag["stages_seconds"] = {"prepare": t_prep, **problem.stages.seconds}
    diag["sizes"] = {
        **diag.get("sizes", {}),
        "pool": int(personas.X.shape[0]),
        "reference_rows": int(humans.X.shape[0]),
        "selected_distinct": int(idx.size),
        "k": int(counts.sum()),
    }
    diag["output"] = {"ess": kish_ess(counts), "max_count": int(counts.max())}
    if in_sample:
        t1 = time.perf_counter()
        diag["in_sample_metrics"] = _in_sample(X[:, :core], Y[:, :core], wy, idx, counts, seed)
        diag["stages_seconds"]["in_sample_metrics"] = time.perf_counter() - t1
    if demo is not None:
        q = diag.pop("quota", None)
        diag["demographics"] = {
            "columns": demo.marginals(idx, counts, wy),
            "warnings": list(demo.warnings),
            "reference_rows_left_out": int((~demo.ref_keep).sum()),
            "quota": None
            if q is None
            else {
                "columns": demo.strata_columns,
                "slots_moved": q["slots_moved"],
                "cells": quota_table(demo, q["quota"], q["capacity"], idx, counts),
            },
            "quota_note": (
                "cell quotas"
                if q is not None
                else "no cell quotas"
                + ("" if demo.strata is None else f" (method {method} does not take them)")
            ),
        }
    diag["seconds_total"] = time.perf_counter() - t0
    diag["load_average"] = load_average()
    used = {**allowed, **params}
    used = {k: (list(v) if isinstance(v, tuple) else v) for k, v in used.items()}
    return AlignResult(
        method,
        np.asarray(idx),
        personas.ids[idx],
        np.asarray(counts),
        {
            "n": int(n),
            "seed": int(seed),
            "space": space,
            "duplicates": bool(duplicates),
            "instrument": ins.id,
            "item_weights": None
            if item_weights is None
            else str(item_weights)
            if not isinstance(item_weights, (list, tuple, dict))
            else item_weights,
            **(
                {}
                if spec is None
                else {
                    "match": list(spec.columns),
                    "match_weight": spec.weight,
                    "match_age": spec.age,
                    "match_age_bands": list(spec.age_bands),
                    "match_quota": spec.quota,
                    "match_reference_columns": dict(spec.reference_columns),
                }
            ),
            **used,
        },
        diag,
        pool_w,
    )
