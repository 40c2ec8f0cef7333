"""The pipeline's stages: each adapts one landed API to the run directory.

Every runner takes ``(run, cfg, get_backend, progress)`` and returns the
extra fields of its manifest record (``rows_in``, ``rows_out`` and counts);
notes go to this module's logger.
"""

from __future__ import annotations

import logging
import warnings

import pandas as pd

from populace.errors import PopulaceError
from populace.pipeline import tables as T
from populace.run import PERSONAS, POSTS, Run

logger = logging.getLogger(__name__)

STAGE_VERSION = 1  # bump when a stage's outputs change meaning (invalidates old keys)


def mining_config(cfg):
    """populace.mining.MiningConfig: profile ``[mine] profile`` with ``[mine.settings]``
    over it (unknown keys are errors)."""
    from populace.mining import MiningConfig
    from populace.mining.config import PROFILES

    known = set(MiningConfig.model_fields)
    bad = sorted(set(cfg.mine.settings) - known)
    if bad:
        raise PopulaceError(
            f"mine.settings: unknown setting(s) {', '.join(bad)}; known: "
            f"{', '.join(sorted(known))} (docs/mining.md)"
        )
    if cfg.mine.profile not in PROFILES:
        raise PopulaceError(
            f"mine.profile: unknown profile {cfg.mine.profile!r}; profiles are "
            f"{', '.join(PROFILES)}"
        )
    fields = MiningConfig.model_fields
    for key, value in cfg.mine.settings.items():
        _check_setting_type(key, value, fields[key].default)
    settings = {
        "context_tokens": cfg.model.n_ctx,
        **PROFILES[cfg.mine.profile],
        **cfg.mine.settings,
    }
    try:
        return MiningConfig.from_profile(cfg.mine.profile, **settings)
    except (TypeError, PopulaceError) as exc:
        raise PopulaceError(f"mine.settings: {exc}") from None


def _check_setting_type(key: str, value, default) -> None:
    """A [mine.settings] value has the type of the setting's default (TOML gives
    int, float, bool, str and lists)."""
    kinds = (
        (bool, "true or false", lambda v: isinstance(v, bool)),
        (int, "a whole number", lambda v: isinstance(v, int) and not isinstance(v, bool)),
        (float, "a number", lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)),
        (str, "a string", lambda v: isinstance(v, str)),
        (tuple, "a list", lambda v: isinstance(v, (list, tuple))),
    )
    for typ, what, ok in kinds:
        if isinstance(default, typ):
            if not ok(value):
                raise PopulaceError(f"mine.settings.{key}: must be {what}; got {value!r}")
            return


def check(cfg) -> None:
    """Fail before any work on what can be checked up front."""
    from populace.align import ALIGN_METHODS, method_parameters
    from populace.align.params import check_params
    from populace.instruments import load_instrument

    if cfg.mine.corpus is not None:
        mining_config(cfg)
    for i in cfg.survey.instruments:
        load_instrument(i)
    if cfg.align.method not in ALIGN_METHODS:
        raise PopulaceError(
            f"align.method {cfg.align.method!r} is not one of {', '.join(ALIGN_METHODS)}"
        )
    try:
        check_params(cfg.align.method, cfg.align.params, method_parameters(cfg.align.method))
    except PopulaceError as exc:
        raise PopulaceError(f"align.params: {exc}") from None
    match_spec(cfg.align)  # bad weights, duplicate columns, age bands: fail now
    ins = load_instrument(cfg.align.instrument)
    for t in cfg.report.scatter_traits:
        if ins.traits and t not in ins.trait_ids:
            raise PopulaceError(
                f"report.scatter_traits: {t!r} is not a trait of {ins.id} "
                f"({', '.join(ins.trait_ids)})"
            )
    from populace.pipeline.preflight import check_inputs

    check_inputs(cfg)


def OUTPUTS(cfg, name: str) -> list[str]:
    """Files a done stage must have left (a missing one reruns the stage)."""
    return {
        "mine": [PERSONAS],
        "survey": [f"responses/{i}.parquet" for i in cfg.survey.instruments],
        "align": [T.ALIGNED, T.ALIGN_DIAG, T.ALIGN_REF],
        "targets": [],
        "evaluate": [T.RESULTS, T.METRICS_CSV, T.DIFFERENCES_CSV],
        "report": [T.REPORT_HTML],
        "export": [f"{T.EXPORT_DIR}/personas.{f}" for f in ("jsonl", "csv", "parquet")],
    }[name]


# ---------------------------------------------------------------------------- mine
def run_mine(run: Run, cfg, get_backend, *, progress=True) -> dict:
    if cfg.mine.personas is not None:
        from populace.survey.personas import load_personas

        people = load_personas(cfg.mine.personas)
        run.write_table(PERSONAS, people)
        return {"rows_in": len(people), "rows_out": len(people), "source": cfg.mine.personas}
    from populace.mining import mine

    mc = mining_config(cfg)
    res = mine(
        cfg.mine.corpus,
        run.path,
        backend=get_backend(),
        config=mc,
        corpus_format=cfg.mine.format,
        author_column=cfg.mine.author_column,
        text_column=cfg.mine.text_column,
        date_column=cfg.mine.date_column,
        limit_authors=cfg.mine.limit_authors,
        prompt_dir=cfg.mine.prompts,
        progress=progress,
        model_info=get_backend.info,
    )
    n = len(res.personas)
    counts = {s["stage"]: [s.get("rows_in"), s.get("rows_out")] for s in res.summary}
    extra = {"persona_source": "mined", "mined_personas": n}
    if n < 2:
        if cfg.mine.fallback != "profiles":
            raise PopulaceError(
                f"mining kept {n} persona(s) in {run.path}; alignment needs at "
                "least 2. Mine more authors, relax [mine.settings] "
                '(docs/mining.md) or set mine.fallback = "profiles"; counts '
                f"per sub-stage: {counts}"
            )
        people = profile_personas(run)
        if len(people) < 2:
            raise PopulaceError(
                f"mining kept {n} persona(s) and only {len(people)} author(s) "
                "have a post that passes the rules; read more authors"
            )
        run.write_table(PERSONAS, people)
        extra = {"persona_source": "profiles", "mined_personas": n}
        logger.info(
            "mine: the model kept %d persona(s); using %d profile personas "
            "(mine.fallback = profiles)",
            n,
            len(people),
        )
        n = len(people)
    return {
        "rows_in": counts.get("read", [None, None])[1],
        "rows_out": n,
        "substages": counts,
        **extra,
    }


def profile_personas(run: Run, words: int = 60) -> pd.DataFrame:
    """Rule-based personas (no LLM) for ``mine.fallback = "profiles"``: each author's
    metadata from the corpus (age, gender, topic) and the opening words of their
    longest post that passed the preprocessing rules, quoted as their own words."""
    posts = run.read_table(POSTS)
    pre = run.read_table("mining/preprocess.parquet")
    kept = pre[pre["keep"].astype(bool)]
    if kept.empty:
        return pd.DataFrame(columns=["persona_id", "author_id", "persona"])
    best = (
        kept.assign(n=kept["text"].str.split().str.len())
        .sort_values(["author_id", "n"], ascending=[True, False])
        .drop_duplicates("author_id")
    )
    meta = posts.drop_duplicates("author_id").set_index("author_id")
    rows = []
    for a, text in zip(best["author_id"], best["text"]):
        m = meta.loc[a] if a in meta.index else {}
        who = " ".join(
            str(x)
            for x in (
                f"{m['age']}-year-old" if "age" in m and pd.notna(m["age"]) else None,
                m.get("gender") if hasattr(m, "get") else None,
            )
            if x and str(x) != "nan"
        )
        topic = m.get("topic") if hasattr(m, "get") else None
        about = (
            f" who lists their field as {topic}"
            if topic and str(topic) not in ("nan", "indUnk")
            else ""
        )
        quote = " ".join(str(text).split()[:words])
        rows.append(
            {
                "persona_id": f"p-{a}",
                "author_id": str(a),
                "persona": f"A {who + ' ' if who else ''}blogger{about}. In their own "
                f'words: "{quote}"',
                **{
                    k: m.get(k)
                    for k in ("gender", "age", "topic", "sign")
                    if hasattr(m, "get") and k in m
                },
            }
        )
    return pd.DataFrame(rows)


# -------------------------------------------------------------------------- survey
def run_survey(run: Run, cfg, get_backend, *, progress=True) -> dict:
    from populace.pipeline.preflight import prompts_fit
    from populace.survey import survey
    from populace.survey.prefetch import prefetch_choices, worth_prefetching

    people = run.read_table(PERSONAS)
    prompts_fit(get_backend(), people, cfg.survey.instruments, cfg.survey.prompts)
    per = {}
    extra = {}
    if worth_prefetching(get_backend(), cfg.survey.mode, cfg.survey.instruments):
        # persona by persona: each persona's prompt prefix is decoded once for
        # all instruments; the survey calls below then read the cache
        extra["prefetch"] = prefetch_choices(
            people,
            cfg.survey.instruments,
            backend=get_backend(),
            cache=run.cache_path,
            prompt_dir=cfg.survey.prompts,
            progress=progress,
        )
    for ins in cfg.survey.instruments:
        res = survey(
            people,
            ins,
            backend=get_backend(),
            out=run.path / "responses",
            mode=cfg.survey.mode,
            seed=cfg.survey.seed,
            temperature=cfg.survey.temperature,
            cache=run.cache_path,
            prompt_dir=cfg.survey.prompts,
            progress=progress,
            model_info=get_backend.info,
            readout=cfg.survey.effective_readout,
        )
        m = res.meta
        per[ins] = {
            "answers": m["answers"],
            "failures": m["failures"],
            "model_calls": m["model_calls"],
            "cache_hits": m["cache_hits"],
        }
    return {"rows_in": len(people), "rows_out": len(people), "instruments": per, **extra}


# --------------------------------------------------------------------------- align
def match_spec(a):
    """The align section's [align.match] as a MatchSpec (None without columns)."""
    from populace.align.demographics import parse_match

    m = a.match
    if not m.columns:
        return None
    return parse_match(list(m.columns), m.weight, m.age, m.age_bands, m.codes, m.quota)


def run_align(run: Run, cfg, get_backend, *, progress=True) -> dict:
    from populace.align import align
    from populace.align.demographics import MatchWarning

    a = cfg.align
    spec = match_spec(a)
    ref = T.load_ref(a.reference, a.instrument, seed=cfg.seed)
    part, hold = T.split_reference(ref, a.holdout, a.seed)
    run.write_table(T.ALIGN_REF, T.table_frame(part, spec))
    if hold is not None:
        run.write_table(T.HOLDOUT_REF, T.table_frame(hold, spec))
    elif run.has(T.HOLDOUT_REF):
        (run.path / T.HOLDOUT_REF).unlink()
    ids = T.complete_ids(run.path, a.instrument)
    wide = pd.read_parquet(T.responses_path(run.path, a.instrument))
    pool = wide[wide["persona_id"].astype(str).isin(ids)].reset_index(drop=True)
    if len(pool) < 2:
        raise PopulaceError(
            f"only {len(pool)} persona(s) answered every {a.instrument} item; "
            "alignment needs at least 2"
        )
    k = a.k
    dup = a.duplicates
    kw = {}
    if spec is not None:
        kw = {"match": spec, "persona_meta": run.read_table(PERSONAS)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MatchWarning)
        res = align(
            pool,
            part,
            a.instrument,
            n=k,
            method=a.method,
            seed=a.seed,
            space=a.space,
            duplicates=dup,
            **kw,
            **a.params,
        )
    for w in caught:
        if issubclass(w.category, MatchWarning):
            logger.warning("align: warning: %s", w.message)
    frame = res.to_frame(with_counts=True)
    run.write_table(T.ALIGNED, frame)
    T.write_json(
        run.path / T.ALIGN_DIAG,
        {
            "method": res.method,
            "params": res.params,
            **res.diagnostics,
            "pool_weights": res.pool_weights,
            "pool_ids": pool["persona_id"].astype(str).tolist(),
        },
    )
    return {
        "rows_in": len(pool),
        "rows_out": len(frame),
        "k": res.k,
        "reference_rows": {"align": len(part), "holdout": 0 if hold is None else len(hold)},
        "ess": res.diagnostics.get("output", {}).get("ess"),
        **(
            {}
            if spec is None
            else {
                "match": list(spec.columns),
                "match_tv": {
                    c: round(d["tv_selected"], 4)
                    for c, d in res.diagnostics["demographics"]["columns"].items()
                },
            }
        ),
        "dropped_incomplete": int(len(wide) - len(pool)),
    }


# ------------------------------------------------------------------------- targets
def run_targets(run: Run, cfg, get_backend, *, progress=True) -> dict:
    if not cfg.targets.enabled:
        return {"status_note": "skipped: targets.enabled is false"}
    from populace.pipeline.targets import run_targets as go

    out = go(run.path, cfg, get_backend, progress=progress)
    if out.get("status_note"):
        logger.info("targets: %s", out["status_note"])
    return out


# ------------------------------------------------------------------------ evaluate
def run_evaluate(run: Run, cfg, get_backend, *, progress=True) -> dict:
    from populace.pipeline.harness import build_sets, evaluate_sets, write_results

    failed: dict = {}
    sets = build_sets(run.path, cfg, get_backend, progress=progress, failed=failed)
    results = evaluate_sets(run.path, cfg, sets, failed=failed, progress=progress)
    frame = write_results(run.path, results)
    for name, why in failed.items():
        logger.info("evaluate: set %s left out: %s", name, why)
    return {
        "rows_in": len(sets),
        "rows_out": len(frame),
        "sets": list(sets),
        "failed_sets": failed,
        "instruments": list(results["instruments"]),
    }


# -------------------------------------------------------------------------- report
def run_report(run: Run, cfg, get_backend, *, progress=True) -> dict:
    from populace.pipeline.report import build_report

    path = build_report(run.path)
    figs = sorted(p.name for p in (run.path / T.REPORT_DIR).glob("*.png"))
    return {"rows_in": None, "rows_out": len(figs), "figures": figs, "html": str(path)}


def run_export(run: Run, cfg, get_backend, *, progress=True) -> dict:
    from populace.pipeline.export import FORMATS, export_run

    paths = [str(export_run(run.path, f)) for f in FORMATS]
    n = len(run.read_table(T.ALIGNED))
    return {"rows_in": n, "rows_out": n, "files": paths}


RUNNERS = {
    "mine": run_mine,
    "survey": run_survey,
    "align": run_align,
    "targets": run_targets,
    "evaluate": run_evaluate,
    "report": run_report,
    "export": run_export,
}
