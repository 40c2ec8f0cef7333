"""Groups, items and human references of benchmarks/target_table4.py (paper Table 4).

Groups (../shared/data):
- "US high-school students": YRBS 2019 national file (13,677 students, CDC's
  survey weight), every item a persona can answer: Q1-Q99 without Q5 (race:
  multi-select, not in the instrument), Q6 (height) and Q7 (weight), which are
  body measurements in metres and kilograms that no persona text states, so an
  answer would be the LLM's guess of a body, not the persona's: 96 items.
- "residents of East Asia" / "North America" / "Europe": WVS E143 (immigration
  policy, 4 options) and F117 (justifiability of a bribe, 1-10) of the paper's
  regions as the data holds them (populace/reference/data/regions.yaml,
  ``paper_*``): North America with Mexico; Europe = Germany, the Netherlands and
  Great Britain (E143: Germany only, the only one of the three asked it in the
  extract's waves). Every wave in the data, unweighted.

Nominal items (codes without order: TV only) are listed in ``YRBS_NOMINAL``
with the reason; the others are ordinal (TV, W1, FD, MMD). Two-option items
(yes/no) count as ordinal: there W1 equals TV.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"

#: items a persona cannot answer, with the reason (printed in the results)
YRBS_EXCLUDED = {
    "Q6": "height in metres: a body measurement no persona states",
    "Q7": "weight in kilograms: a body measurement no persona states",
}
#: unordered option sets: sex, grade with "ungraded", Hispanic, "did not X / yes / no",
#: sources and methods, "never" before ages of first use, partners' sex, identity,
#: weight goal, "not sure" answers, time since a dentist visit with "never"/"not sure"
YRBS_NOMINAL = {
    "Q2",
    "Q3",
    "Q4",
    "Q29",
    "Q31",
    "Q36",
    "Q39",
    "Q40",
    "Q44",
    "Q46",
    "Q59",
    "Q62",
    "Q63",
    "Q64",
    "Q65",
    "Q66",
    "Q68",
    "Q84",
    "Q85",
    "Q86",
    "Q87",
    "Q89",
    "Q94",
}
WVS_NOMINAL: set[str] = set()

#: (key, query, kind, region)
GROUPS = [
    ("yrbs", "US high-school students", "yrbs", None),
    ("east_asia", "residents of East Asia", "wvs", "paper_east_asia"),
    ("north_america", "residents of North America", "wvs", "paper_north_america"),
    ("europe", "residents of Europe", "wvs", "paper_europe"),
]


def instruments_of(kind: str, limit: int | None = None):
    """The group's instruments: YRBS without the excluded items (the first ``limit``
    items only, for smoke runs), or WVS E143 and F117."""
    from populace.instruments import load_instrument

    if kind == "yrbs":
        ins = load_instrument("yrbs2019")
        items = tuple(it for it in ins.items if it.id not in YRBS_EXCLUDED)[:limit]
        return [ins.model_copy(update={"id": "yrbs_persona", "items": items})]
    return [load_instrument("wvs_e143"), load_instrument("wvs_f117")]


def option_codes(ins, it) -> list:
    from populace.survey.prompts import option_keys

    return list(option_keys(ins, it)[1])


def references(kind: str, region: str | None, instruments) -> tuple[dict, dict]:
    """({item: (codes, human shares, answers without blanks, weights)}, rows per
    instrument); blanks are dropped per item."""
    from populace.reference import load_reference
    from populace.reference.regions import region_condition

    refs, rows = {}, {}
    for ins in instruments:
        if kind == "yrbs":
            t = load_reference(
                DATA / "yrbs" / "raw_yrbs_2019.csv",
                "yrbs2019",
                missing="keep",
                max_missing=0.99,
                weight_column="weight",
            )
        else:
            f = "wvs_immig.csv" if ins.id == "wvs_e143" else "wvs_justifbribe.csv"
            t = load_reference(
                DATA / "wvs" / f,
                ins.id,
                where=[region_condition(region)],
                missing="keep",
                max_missing=0.99,
            )
        w_all = t.weights if t.weights is not None else np.ones(len(t))
        for it in ins.items:
            from populace.evaluate import marginals

            codes = np.array(option_codes(ins, it), dtype=float)
            x = t.items[it.id].to_numpy(float)
            ok = ~np.isnan(x)
            refs[it.id] = (codes, marginals.shares(x[ok], codes, w_all[ok]), x[ok], w_all[ok])
        rows[ins.id] = len(t)
    return refs, rows


def survey_probs(personas, instruments, backend, cache) -> dict:
    """{item: (n personas, n options) option probabilities} (mode expected); a
    failed answer counts as uniform."""
    from populace.survey import survey

    probs = {}
    for ins in instruments:
        long = survey(
            personas[["persona_id", "persona"]],
            ins,
            backend=backend,
            mode="expected",
            cache=cache,
            progress=False,
        ).long
        for it in ins.items:
            rows = long[long["item_id"] == it.id].set_index("persona_id")
            rows = rows.loc[personas["persona_id"]]
            k = len(option_codes(ins, it))
            probs[it.id] = np.array(
                [
                    np.asarray(p, float) if p is not None else np.full(k, 1 / k)
                    for p in rows["probs"]
                ]
            )
    return probs


def nominal_of(kind: str) -> set[str]:
    return YRBS_NOMINAL if kind == "yrbs" else WVS_NOMINAL


def interval_verdict(boot_a, boot_b, est_a, est_b, metric: int = 0) -> tuple[float, float, float]:
    """(a - b, 2.5 %, 97.5 %) of a metric from two sets' independent bootstrap
    replicates (paired by replicate index); b is better beyond the interval when
    the lower bound is above 0."""
    d = np.asarray(boot_a)[:, metric] - np.asarray(boot_b)[:, metric]
    lo, hi = np.nanpercentile(d, [2.5, 97.5])
    return float(est_a[metric] - est_b[metric]), float(lo), float(hi)
