"""The evaluation harness: several persona sets x several instruments, each against
human data that was not used for alignment, with the noise floor and bootstrap CIs.

Persona sets (``evaluate.sets`` plus ``evaluate.external``):

``aligned``         the K personas the aligner chose, weighted by their counts
``raw``             the whole mined pool, uniform weights
``random``          K personas drawn uniformly from the pool (seeded; distinct)
``no_persona``      the LLM answering as itself, N respondents, at each temperature in
                    ``no_persona_temperatures`` (one set per temperature, e.g. ``no_persona_t0.7``)
``syncp``           N personas the LLM wrote from scratch at temperature 1 (populace.synth)
external sets       persona files from elsewhere (populace.persona_sets), surveyed here

Every set but ``aligned``/``raw``/``random`` is surveyed by the harness into
``evaluation/sets/<set>/`` through the run's call cache (resumable); persona sets
(``syncp``, external) persona by persona when that saves decoding (``survey_set``).

Human data: for the align instrument, by default the held-out split written by
the align stage (``reference/holdout.parquet``); any instrument may name its own
reference file. An instrument without one (the 26-item FBPS survey here) gets
the synthetic distributions only (per-column mean and SD of each set).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from populace.errors import PopulaceError
from populace.evaluate.compare import compare
from populace.pipeline import tables as T

SETS_DIR = "evaluation/sets"

logger = logging.getLogger(__name__)


def _survey(
    run_path: Path,
    personas,
    name: str,
    instrument: str,
    cfg,
    backend,
    *,
    no_persona=False,
    n=None,
    temperature=None,
    progress=True,
) -> Path:
    from populace.survey import survey

    path = run_path / SETS_DIR / name / f"{instrument}.parquet"
    survey(
        None if no_persona else personas,
        instrument,
        backend=backend,
        out=path,
        mode=cfg.survey.mode,
        seed=cfg.survey.seed,
        temperature=cfg.survey.temperature if temperature is None else temperature,
        no_persona=no_persona,
        n=n,
        cache=run_path / "cache.sqlite",
        prompt_dir=cfg.survey.prompts,
        progress=progress,
        # the no-persona sets keep their temperatures; a centred readout would leave
        # them as they are anyway (their respondents share one request per item)
        readout=None if no_persona else cfg.survey.effective_readout,
    )
    return path


def survey_set(
    run_path: Path, personas, name: str, instruments: list[str], cfg, backend, *, progress=True
) -> dict[str, Path]:
    """Survey one persona set on every instrument: {instrument: responses file}.

    With several instruments, a log-probability mode and a local backend, the
    items are first scored persona by persona into the run's call cache
    (:mod:`populace.survey.prefetch`), so each persona's prompt prefix is decoded
    once for all instruments; the surveys then read the cache (same requests,
    same answers)."""
    from populace.survey.prefetch import prefetch_choices, worth_prefetching

    if worth_prefetching(backend, cfg.survey.mode, instruments):
        prefetch_choices(
            personas,
            instruments,
            backend=backend,
            cache=run_path / "cache.sqlite",
            prompt_dir=cfg.survey.prompts,
            progress=progress,
        )
    return {
        i: _survey(run_path, personas, name, i, cfg, backend, progress=progress)
        for i in instruments
    }


def random_ids(pool_ids: list[str], k: int, seed: int) -> list[str]:
    """The ``random`` set: min(k, pool) distinct pool personas, seeded by evaluate.seed,
    in pool order."""
    pick = np.random.default_rng([seed, 53]).choice(
        len(pool_ids), min(k, len(pool_ids)), replace=False
    )
    return [pool_ids[i] for i in np.sort(pick)]


def build_sets(
    run_path: Path, cfg, get_backend, *, progress: bool = True, failed: dict | None = None
) -> dict[str, dict]:
    """{set name: {"kind", "personas" (persona_id, weight) or None, "paths": {ins: file}}};
    a set that could not be built is in ``failed`` (name -> reason) instead."""
    ev, ins_ids = cfg.evaluate, _instrument_ids(cfg)
    if failed is None:
        failed = {}
    aligned = pd.read_parquet(run_path / T.ALIGNED)
    k = int(aligned["count"].sum()) if "count" in aligned else len(aligned)
    pool_ids = T.complete_ids(run_path, cfg.align.instrument)
    sets: dict[str, dict] = {}
    main = {i: T.responses_path(run_path, i) for i in ins_ids}
    for kind in ev.sets:
        if kind == "aligned":
            w = aligned.assign(weight=aligned.get("count", aligned["weight"]))
            sets["aligned"] = {"kind": kind, "personas": w[["persona_id", "weight"]], "paths": main}
        elif kind == "raw":
            sets["raw"] = {
                "kind": kind,
                "personas": pd.DataFrame({"persona_id": pool_ids, "weight": 1.0}),
                "paths": main,
            }
        elif kind == "random":
            sets["random"] = {
                "kind": kind,
                "personas": pd.DataFrame(
                    {"persona_id": random_ids(pool_ids, k, ev.seed), "weight": 1.0}
                ),
                "paths": main,
            }
        elif kind == "no_persona":
            n = ev.no_persona_n or k
            for t in ev.no_persona_temperatures:
                name = f"no_persona_t{t:g}"
                paths = {
                    i: _survey(
                        run_path,
                        None,
                        name,
                        i,
                        cfg,
                        get_backend(),
                        no_persona=True,
                        n=n,
                        temperature=t,
                        progress=progress,
                    )
                    for i in ins_ids
                }
                sets[name] = {
                    "kind": kind,
                    "personas": None,
                    "paths": paths,
                    "temperature": t,
                    "n": n,
                }
        elif kind == "syncp":
            from populace.synth import SYNTH_PERSONAS, synthesize

            n = ev.syncp_n or k
            frame = synthesize(
                n,
                backend=get_backend(),
                out=run_path / SYNTH_PERSONAS,
                seed=cfg.seed,
                cache=run_path / "cache.sqlite",
                max_tokens=ev.syncp_max_tokens,
                progress=progress,
            )
            ok = frame[frame["status"] == "ok"][["persona_id", "persona"]]
            if ok.empty:  # a baseline the model cannot produce is recorded, not fatal
                failed["syncp"] = (
                    f"the model wrote no usable persona for any of {n} "
                    f"(see {run_path / SYNTH_PERSONAS})"
                )
                continue
            paths = survey_set(
                run_path, ok, "syncp", ins_ids, cfg, get_backend(), progress=progress
            )
            sets["syncp"] = {
                "kind": kind,
                "personas": None,
                "paths": paths,
                "n": len(ok),
                "failed": int((frame["status"] != "ok").sum()),
            }
    for x in ev.external:
        from populace.persona_sets import load_external

        frame = load_external(
            x.path,
            name=x.name,
            preset=x.preset,
            text_column=x.text_column,
            id_column=x.id_column,
            limit=x.limit,
            seed=ev.seed,
        )
        profiles = frame.attrs.get("profiles", len(frame))
        T.write_json(
            run_path / SETS_DIR / x.name / "source.json",
            {"path": x.path, "preset": x.preset, "rows": len(frame), "profiles": profiles},
        )
        paths = survey_set(run_path, frame, x.name, ins_ids, cfg, get_backend(), progress=progress)
        sets[x.name] = {
            "kind": "external",
            "personas": None,
            "paths": paths,
            "n": len(frame),
            "profiles": profiles,
            "preset": x.preset,
        }
    return sets


def _instrument_ids(cfg) -> list[str]:
    return [e.instrument for e in eval_instruments(cfg)]


def eval_instruments(cfg):
    """The instruments evaluated (default: the align instrument on its held-out split)."""
    from populace.config import EvalInstrument

    return cfg.evaluate.instruments or [EvalInstrument(instrument=cfg.align.instrument)]


def reference_for(run_path: Path, cfg, entry):
    """(ResponseTable or None, description) of the human data for one instrument."""
    if entry.reference is not None:
        return T.load_ref(entry.reference, entry.instrument, seed=cfg.seed), entry.reference.path
    if entry.instrument == cfg.align.instrument:
        if cfg.align.holdout <= 0:
            raise PopulaceError(
                "align.holdout is 0, so no human rows are left for evaluation; "
                "set align.holdout > 0 or give the instrument a reference"
            )
        return (
            T.read_ref_file(run_path, T.HOLDOUT_REF, entry.instrument),
            f"held-out {cfg.align.holdout:.0%} of {cfg.align.reference.path}",
        )
    return None, None


def _summary(table, space):
    x, w, cols = table.matrix(space)
    w = np.ones(len(x)) if w is None else w
    mean = np.average(x, axis=0, weights=w)
    sd = np.sqrt(np.average((x - mean) ** 2, axis=0, weights=w))
    return {
        "columns": cols,
        "mean": dict(zip(cols, mean)),
        "sd": dict(zip(cols, sd)),
        "n": int(len(x)),
    }


def evaluate_sets(
    run_path: Path,
    cfg,
    sets: dict[str, dict],
    *,
    failed: dict | None = None,
    progress: bool = False,
) -> dict:
    """Every comparison; returns the results dict (written by :func:`write_results`)."""
    ev = cfg.evaluate
    out = {
        "sets": {},
        "instruments": {},
        "config": ev.model_dump(mode="json"),
        "align_instrument": cfg.align.instrument,
        "failed_sets": dict(failed or {}),
    }
    resel = None
    if ev.rerun_selection and ev.bootstrap >= 2 and "aligned" in sets:
        from populace.pipeline.reselect import reselect

        pool_sets = [n for n, s in sets.items() if s["kind"] in ("aligned", "raw", "random")]
        if progress:
            logger.info(f"evaluate: rerunning the selection on {ev.bootstrap} bootstrap draws")
        resel = reselect(run_path, cfg, pool_sets, ev.bootstrap, seed=ev.seed, progress=progress)
        out["rerun_selection"] = {
            "replicates": ev.bootstrap,
            "pool": int(len(resel.ids)),
            "seconds": resel.seconds,
        }
    for name, s in sets.items():
        out["sets"][name] = {k: v for k, v in s.items() if k not in ("personas", "paths")}
        out["sets"][name]["paths"] = {i: str(p) for i, p in s["paths"].items()}
        if s["personas"] is not None:
            out["sets"][name]["size"] = int(len(s["personas"]))
            out["sets"][name]["k"] = float(s["personas"]["weight"].sum())
            members = run_path / SETS_DIR / name / "members.parquet"
            members.parent.mkdir(parents=True, exist_ok=True)
            s["personas"].to_parquet(members, index=False)
            out["sets"][name]["members"] = str(members)
    for entry in eval_instruments(cfg):
        ref, desc = reference_for(run_path, cfg, entry)
        res = {"reference": desc, "space": entry.space, "sets": {}}
        if ref is not None:
            res["n_reference"] = len(ref)
            res["human"] = _summary(ref, entry.space)
        tables = {}
        for name, s in sets.items():
            syn = tables[name] = T.persona_responses(
                run_path, entry.instrument, s["personas"], path=s["paths"][entry.instrument]
            )
            if progress:
                logger.info(f"evaluate {name} on {entry.instrument} ({len(syn)} rows)")
            r = {"summary": _summary(syn, entry.space), "n": len(syn)}
            if ref is not None:
                if len(syn) < 2:
                    r["error"] = "fewer than 2 complete rows"
                else:
                    c = compare(
                        syn,
                        ref,
                        space=entry.space,
                        noise_repeats=ev.noise_repeats,
                        n_boot=ev.bootstrap,
                        seed=ev.seed,
                    )
                    r.update(c.to_dict())
            res["sets"][name] = r
        if ref is not None:
            paired, why = paired_differences(run_path, entry, ref, sets, ev, tables)
            if paired:
                res["paired"] = paired
            elif why:
                res["paired_error"] = why
            if resel is not None:
                paired, why = paired_differences(run_path, entry, ref, sets, ev, tables, resel)
                if paired:
                    res["paired_rerun"] = paired
                elif why:
                    res["paired_rerun_error"] = why
        out["instruments"][entry.instrument] = res
    return out


def paired_differences(
    run_path: Path,
    entry,
    ref,
    sets: dict[str, dict],
    ev,
    tables: dict | None = None,
    reselection=None,
) -> tuple[dict | None, str | None]:
    """aligned vs every other set, by paired bootstrap (:mod:`populace.evaluate.paired`):
    the pool's sets (raw, random) share the pool's draw, the others (no-persona,
    SyncP, external) are drawn on their own; all share the humans' draw.

    ``tables``: the sets' response tables on this instrument where the caller
    already holds them (the out-of-pool sets' rows are taken from there).
    ``reselection``: a :class:`~populace.pipeline.reselect.Reselection`; the
    pool sets then take its per-replicate weights (the selection rerun in each
    replicate) instead of their fixed weights.
    Returns (comparisons, None); (None, None) without an aligned set, another
    set or bootstrap replicates, or when the pool's sets are not rows of one
    surveyed pool; (None, reason) when a set is too small to compare.
    """
    from populace.evaluate.paired import paired_bootstrap

    pool = {n: s for n, s in sets.items() if s["personas"] is not None}
    if "aligned" not in pool or len(sets) < 2 or ev.bootstrap < 2:
        return None, None
    paths = {str(s["paths"][entry.instrument]) for s in pool.values()}
    if len(paths) != 1:  # the sets must be rows of one surveyed pool
        return None, None
    others = {}
    for n, s in sets.items():
        if s["personas"] is None:
            table = (tables or {}).get(n)
            if table is None:
                table = T.persona_responses(
                    run_path, entry.instrument, path=s["paths"][entry.instrument]
                )
            x, w, _ = table.matrix(entry.space)
            if len(x) >= 2:
                others[n] = (x, w)
    ids = (
        pd.concat(
            [s["personas"]["persona_id"] for s in pool.values()]
            + ([pd.Series(reselection.ids)] if reselection is not None else [])
        )
        .astype(str)
        .unique()
    )
    table = T.persona_responses(
        run_path,
        entry.instrument,
        pd.DataFrame({"persona_id": ids, "weight": 1.0}),
        path=Path(paths.pop()),
    )
    full, keep, _ = table.masked_matrix(entry.space)
    X = full[keep]
    rows = table.meta["persona_id"].astype(str).to_numpy()[keep]
    weights = {}
    for n, s in pool.items():
        w = s["personas"].assign(persona_id=s["personas"]["persona_id"].astype(str))
        w = w.groupby("persona_id")["weight"].sum()
        weights[n] = pd.Series(rows).map(w).fillna(0.0).to_numpy(float)
        if (weights[n] > 0).sum() < 2:
            return None, f"set {n!r} has fewer than 2 complete rows"
    Y, wy, _ = ref.matrix(entry.space)
    pairs = [("aligned", n) for n in sets if n != "aligned" and (n in pool or n in others)]
    if not pairs:
        return None, None
    reps = None
    if reselection is not None:
        reps = {n: r for n, r in reselection.for_rows(rows).items() if n in weights}
    return paired_bootstrap(
        X,
        Y,
        weights,
        pairs,
        wy=wy,
        others=others,
        n_boot=ev.bootstrap,
        seed=ev.seed,
        replicate_weights=reps,
    ), None


def tidy(results: dict) -> pd.DataFrame:
    """One row per set x instrument x metric: value, ci_low, ci_high, floor."""
    rows = []
    for ins, res in results["instruments"].items():
        for name, r in res["sets"].items():
            if "metrics" in r:
                for m, v in r["metrics"].items():
                    ci = (r.get("ci") or {}).get(m, {})
                    rows.append(
                        {
                            "set": name,
                            "instrument": ins,
                            "metric": m,
                            "value": v,
                            "ci_low": ci.get("low"),
                            "ci_high": ci.get("high"),
                            "floor": r["noise_floor"].get(m),
                        }
                    )
            else:
                s = r["summary"]
                for c in s["columns"]:
                    for stat in ("mean", "sd"):
                        rows.append(
                            {
                                "set": name,
                                "instrument": ins,
                                "metric": f"{stat}[{c}]",
                                "value": s[stat][c],
                                "ci_low": None,
                                "ci_high": None,
                                "floor": None,
                            }
                        )
    return pd.DataFrame(
        rows, columns=["set", "instrument", "metric", "value", "ci_low", "ci_high", "floor"]
    )


DIFFERENCE_COLUMNS = [
    "instrument",
    "comparison",
    "selection",
    "metric",
    "a",
    "b",
    "difference",
    "low",
    "high",
    "relative",
    "relative_low",
    "relative_high",
    "share_better",
    "n_boot",
]


def tidy_differences(results: dict) -> pd.DataFrame:
    """One row per instrument x paired comparison x selection x metric (``paired``
    of results: selection ``fixed``; ``paired_rerun``: selection ``rerun``)."""
    rows = []
    for ins, res in results["instruments"].items():
        for key, selection in (("paired", "fixed"), ("paired_rerun", "rerun")):
            for comp, per in (res.get(key) or {}).items():
                for m, r in per.items():
                    rows.append(
                        {
                            "instrument": ins,
                            "comparison": comp,
                            "selection": selection,
                            "metric": m,
                            **{c: r.get(c) for c in DIFFERENCE_COLUMNS[4:]},
                        }
                    )
    return pd.DataFrame(rows, columns=DIFFERENCE_COLUMNS)


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_csv(tmp, index=False)
    tmp.replace(path)


def write_results(run_path: Path, results: dict) -> pd.DataFrame:
    """results.json, metrics.csv, differences.csv and the paper's Tables 1-3
    (``evaluation/table*.csv``, :mod:`populace.pipeline.paper_tables`)."""
    from populace.pipeline.paper_tables import from_results, paper_tables, write_tables

    T.write_json(run_path / T.RESULTS, results)
    frame = tidy(results)
    _write_csv(run_path / T.METRICS_CSV, frame)
    _write_csv(run_path / T.DIFFERENCES_CSV, tidy_differences(results))
    write_tables(paper_tables([from_results(results)]), run_path / T.EVAL_DIR)
    return frame


def load_set(run_path: Path, results: dict, name: str, instrument: str):
    """A set's ResponseTable for one instrument, as the harness compared it."""
    s = results["sets"][name]
    members = pd.read_parquet(s["members"]) if s.get("members") else None
    return T.persona_responses(run_path, instrument, members, path=Path(s["paths"][instrument]))
