"""Administer an instrument to personas (or to no persona) through an LLM backend.

Modes
-----
``sample``   (default) draw the answer from the option probabilities with a
             generator seeded by (seed, persona_id, item_id): keeps the
             model's spread, and the draw does not depend on run order.
``expected`` the probability-weighted mean code (a float).
``argmax``   the most probable option's code.
``generate`` generate text and parse the first number; an answer that is not
             an option is retried (new sample index, temperature at least 1)
             up to ``max_attempts`` times, then recorded as a failure.

``temperature`` T reshapes the option probabilities as p^(1/T) for ``sample``
and ``expected``, and is the decoding temperature in ``generate``.

``readout`` (optional; :mod:`populace.survey.readout`, e.g. ``centred-sample@0.1``)
reads the answers from the stored option probabilities in place of ``mode`` and
``temperature``: the long table keeps the model's probabilities, and the wide
table (and the long table's ``answer``) holds the readout's answers. A centred
readout centres each item on the personas surveyed together; the contrastive and
amplified readouts ask the model one no-persona request per item (cached).

Resume: every model call goes through the SQLite call cache, committed per
batch, and outputs are written atomically at the end. Running the same
command after a kill re-reads finished calls from the cache (no repeated
model call) and calls the model only for the rest; answers are a pure
function of the cached outputs and the seed, so they are identical.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from populace import __version__
from populace.errors import PopulaceError
from populace.instruments import load_instrument
from populace.instruments.model import Instrument
from populace.llm.base import Backend, GenerateRequest
from populace.llm.cache import CachedBackend, CallCache
from populace.survey.answers import MODES, answer_from_probs, cell_rng, parse_answer
from populace.survey.output import output_paths, write_outputs
from populace.survey.personas import load_personas, no_persona_frame
from populace.survey.progress import progress_bar
from populace.survey.prompts import Templates, build_messages, choice_request, option_keys
from populace.survey.readout import Readout, wide_answers


@dataclass(repr=False)
class SurveyResult:
    """Answers: ``wide`` (persona_id + one column per item), ``long`` (one row per
    persona and item, with the option probabilities) and ``meta`` (settings, model,
    counts)."""

    wide: pd.DataFrame
    long: pd.DataFrame
    meta: dict

    @property
    def failures(self) -> pd.DataFrame:
        return self.long[self.long["status"] != "ok"]

    def to_frame(self) -> pd.DataFrame:
        """The wide answer table."""
        return self.wide

    def __repr__(self) -> str:
        items = [c for c in self.wide.columns if c != "persona_id"]
        return (
            f"<SurveyResult {self.meta.get('instrument', '?')}: {len(self.wide):,} personas x "
            f"{len(items)} items, mode {self.meta.get('mode', '?')}, "
            f"{len(self.failures):,} failed answers>"
        )


def survey(
    personas: str | Path | pd.DataFrame | None,
    instrument: str | Instrument,
    *,
    backend: Backend,
    out: str | Path | None = None,
    mode: str = "sample",
    seed: int = 0,
    temperature: float = 1.0,
    no_persona: bool = False,
    n: int | None = None,
    cache: CallCache | str | Path | None = None,
    prompt_dir: str | Path | None = None,
    max_attempts: int = 3,
    max_tokens: int = 8,
    progress: bool = True,
    model_info: dict | None = None,
    chunk_personas: int | None = None,
    readout: str | Readout | None = None,
) -> SurveyResult:
    """Answer every item of ``instrument`` for every persona; see the module doc."""
    if mode not in MODES:
        raise PopulaceError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
    if isinstance(readout, str):
        readout = Readout.parse(readout)
    if readout is not None and mode == "generate":
        raise PopulaceError(
            f"readout {readout.name} reads option probabilities; --mode generate has none "
            "(use sample, expected or argmax)"
        )
    if temperature < 0:
        raise PopulaceError("--temperature must be >= 0")
    if max_attempts < 1:
        raise PopulaceError("max_attempts must be at least 1")
    ins = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    if no_persona:
        if personas is not None:
            raise PopulaceError("--no-persona takes no --personas")
        people = no_persona_frame(n if n is not None else 1)
    else:
        if n is not None:
            raise PopulaceError("-n only applies with --no-persona")
        if personas is None:
            raise PopulaceError(
                "give --personas (a table with persona_id and persona) or --no-persona"
            )
        people = load_personas(personas)
    templates = Templates.load(prompt_dir)
    paths = output_paths(out, ins.id) if out is not None else None
    own_cache = isinstance(cache, (str, Path))
    cache_obj = CallCache(cache) if own_cache else cache
    cb = CachedBackend(backend, cache_obj)
    items = list(ins.items)
    keys_codes = [option_keys(ins, it) for it in items]
    ids = people["persona_id"].tolist()
    texts = people["persona"].tolist()
    if chunk_personas is None:
        conc = int(getattr(backend, "concurrency", 0) or 0)
        chunk_personas = max(1, math.ceil(4 * conc / len(items))) if conc else 1
    records: list[dict] = []
    t0 = time.time()
    total = len(ids) * len(items)
    try:
        with progress_bar(total, f"survey {ins.id} ({mode})", enabled=progress) as advance:
            if no_persona and mode != "generate":
                shared = cb.choice_probs([choice_request(templates, ins, it, None) for it in items])
                for pid in ids:
                    for it, kc, res in zip(items, keys_codes, shared):
                        records.append(_choice_record(mode, pid, it.id, kc, res, seed, temperature))
                    advance(len(items))
            else:
                for start in range(0, len(ids), chunk_personas):
                    block = list(range(start, min(start + chunk_personas, len(ids))))
                    if mode == "generate":
                        recs = _generate_block(
                            cb,
                            templates,
                            ins,
                            items,
                            keys_codes,
                            block,
                            ids,
                            texts,
                            no_persona,
                            seed,
                            temperature,
                            max_tokens,
                            max_attempts,
                        )
                    else:
                        reqs = [
                            choice_request(templates, ins, it, texts[p])
                            for p in block
                            for it in items
                        ]
                        res = cb.choice_probs(reqs)
                        recs = [
                            _choice_record(
                                mode, ids[p], it.id, kc, res[k * len(items) + j], seed, temperature
                            )
                            for k, p in enumerate(block)
                            for j, (it, kc) in enumerate(zip(items, keys_codes))
                        ]
                    records.extend(recs)
                    advance(len(block) * len(items))
        long = pd.DataFrame.from_records(records, columns=_LONG_COLUMNS)
        if readout is not None:
            base = None
            if readout.contrastive:
                reqs = [choice_request(templates, ins, it, None) for it in items]
                base = {
                    it.id: np.asarray(r.probs, dtype=float)
                    for it, r in zip(items, cb.choice_probs(reqs))
                    if r.ok
                }
            read = wide_answers(
                long, readout, baseline=base, seed=seed, items=[it.id for it in items]
            ).set_index("persona_id")
            ok = long["status"] == "ok"
            long.loc[ok, "answer"] = [
                read.at[p, i] for p, i in zip(long.loc[ok, "persona_id"], long.loc[ok, "item_id"])
            ]
    finally:
        if own_cache and cache_obj is not None:
            cache_obj.close()
    elapsed = time.time() - t0
    wide = long.pivot(index="persona_id", columns="item_id", values="answer")
    wide = wide.reindex(index=ids, columns=[it.id for it in items]).reset_index()
    wide.columns.name = None
    n_failed = int((long["status"] != "ok").sum())
    # how much of the model's probability the answer options captured (choice modes)
    mass = long.loc[long["status"] == "ok", "mass"].astype(float).dropna()
    methods = long["method"].dropna().value_counts().to_dict()
    meta = {
        "populace_version": __version__,
        "created": datetime.now(UTC).isoformat(),
        "instrument": ins.id,
        "items": len(items),
        "personas": len(ids),
        "mode": mode,
        "seed": seed,
        "temperature": temperature,
        "readout": readout.name if readout is not None else None,
        "no_persona": no_persona,
        "n": len(ids) if no_persona else None,
        "model": backend.fingerprint,
        **(model_info or {}),
        "prompt_templates": templates.digest,
        "prompt_dir": str(prompt_dir) if prompt_dir else None,
        "max_attempts": max_attempts if mode == "generate" else None,
        "answers": len(long),
        "failures": n_failed,
        "option_mass": (
            {
                "median": round(float(mass.median()), 6),
                "min": round(float(mass.min()), 6),
                "below_0.5": int((mass < 0.5).sum()),
            }
            if len(mass)
            else None
        ),
        "scoring_methods": {str(k): int(v) for k, v in methods.items()},
        "model_calls": cb.misses,
        "cache_hits": cb.hits,
        "cache": str(cache_obj.path) if cache_obj is not None else None,
        "elapsed_s": round(elapsed, 3),
        "items_per_s": round(total / elapsed, 3) if elapsed > 0 else None,
    }
    if paths is not None:
        write_outputs(paths, wide, long, meta)
        meta["outputs"] = {
            "wide": str(paths.wide),
            "long": str(paths.long),
            "meta": str(paths.meta),
        }
    return SurveyResult(wide=wide, long=long, meta=meta)


_LONG_COLUMNS = [
    "persona_id",
    "item_id",
    "answer",
    "status",
    "mode",
    "codes",
    "probs",
    "mass",
    "method",
    "text",
    "attempts",
    "error",
]


def _choice_record(mode, pid, item_id, kc, res, seed, temperature) -> dict:
    keys, codes = kc
    if not res.ok:
        return {
            "persona_id": pid,
            "item_id": item_id,
            "answer": np.nan,
            "status": "failed",
            "mode": mode,
            "codes": list(codes),
            "probs": None,
            "mass": res.mass,
            "method": res.method or None,
            "text": None,
            "attempts": 1,
            "error": res.error,
        }
    rng = cell_rng(seed, pid, item_id) if mode == "sample" else None
    ans = answer_from_probs(mode, res.probs, codes, rng=rng, temperature=temperature)
    return {
        "persona_id": pid,
        "item_id": item_id,
        "answer": ans,
        "status": "ok",
        "mode": mode,
        "codes": list(codes),
        "probs": list(res.probs),
        "mass": res.mass,
        "method": res.method,
        "text": None,
        "attempts": 1,
        "error": None,
    }


def _generate_block(
    cb,
    templates,
    ins,
    items,
    keys_codes,
    block,
    ids,
    texts,
    no_persona,
    seed,
    temperature,
    max_tokens,
    max_attempts,
) -> list[dict]:
    cells = [(p, j) for p in block for j in range(len(items))]
    state = {c: {"text": None, "answer": None, "errors": [], "attempts": 0} for c in cells}
    todo = list(cells)
    for attempt in range(max_attempts):
        if not todo:
            break
        reqs = []
        for p, j in todo:
            persona = None if no_persona else texts[p]
            respondent = p if no_persona else 0
            reqs.append(
                GenerateRequest(
                    messages=build_messages(templates, ins, items[j], persona),
                    max_tokens=max_tokens,
                    temperature=temperature if attempt == 0 else max(temperature, 1.0),
                    seed=seed,
                    sample_index=respondent * 1000 + attempt,
                )
            )
        results = cb.generate(reqs)
        nxt = []
        for c, res in zip(todo, results):
            st = state[c]
            st["attempts"] += 1
            keys, codes = keys_codes[c[1]]
            if not res.ok:
                st["errors"].append(res.error)
                nxt.append(c)
                continue
            st["text"] = res.text
            k = parse_answer(res.text, keys)
            if k is None:
                st["errors"].append(f"no answer option in {res.text[:80]!r}")
                nxt.append(c)
            else:
                st["answer"] = codes[keys.index(k)]
        todo = nxt
    out = []
    for p, j in cells:
        st = state[(p, j)]
        ok = st["answer"] is not None
        out.append(
            {
                "persona_id": ids[p],
                "item_id": items[j].id,
                "answer": st["answer"] if ok else np.nan,
                "status": "ok" if ok else "failed",
                "mode": "generate",
                "codes": list(keys_codes[j][1]),
                "probs": None,
                "mass": np.nan,
                "method": "generate",
                "text": st["text"],
                "attempts": st["attempts"],
                "error": None
                if ok
                else f"after {st['attempts']} attempts: " + "; ".join(st["errors"][-3:]),
            }
        )
    return out
