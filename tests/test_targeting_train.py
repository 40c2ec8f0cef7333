"""train-embedder end to end: stand-in LLM for the bookkeeping, real SmolLM2 + MiniLM
for the real run (a small pool, one epoch); the result loads with --embedder DIR."""

import json

import numpy as np
import pandas as pd
import pytest

from populace.errors import PopulaceError
from populace.targeting import load_embedder
from populace.targeting.train import train_embedder
from tests._target_helpers import make_run
from tests._target_standin import Scripted


def test_train_with_standin_drops_false_negatives_and_resumes(tmp_path):
    r = make_run(tmp_path / "run")
    b = Scripted(yes_words=("soccer",))  # the LLM says YES to the h01 persona for any query
    rec = train_embedder(r, tmp_path / "model", backend=b, hard=2, random=1, progress=False)
    q = pd.read_parquet(tmp_path / "run" / "train_embedder" / "queries.parquet")
    n = pd.read_parquet(tmp_path / "run" / "train_embedder" / "negatives.parquet")
    assert len(q) == 24 and q["ok"].all() and set(q["kind"]) == {"detailed", "broad"}
    assert rec["queries"] == 24 and len(n) == 24 * 3
    assert not n[(n["persona_id"] == "h01")]["kept"].any()  # dropped as a possible match
    assert (n["kept"] == (n["p_yes"] < n["p_yes_positive"])).all()  # the relative rule
    assert 0 < n["kept"].sum() < len(n)
    own = n.merge(q[["query_id", "persona_id"]], on="query_id", suffixes=("", "_pos"))
    assert (own["persona_id"] != own["persona_id_pos"]).all()  # the positive is never a negative
    assert set(n["source"]) == {"hard", "random"}
    assert rec["examples"] == n[n["kept"]]["query_id"].nunique()
    assert rec["examples"] + rec["queries_without_negatives"] == 24
    assert len(rec["losses"]) == 1 and np.isfinite(rec["losses"][0])
    meta = json.loads((tmp_path / "model" / "populace_training.json").read_text())
    assert meta["negatives_kept"] == int(n["kept"].sum())
    assert meta["settings"]["recipe"] == "quick" and meta["settings"]["effective_batch"] == 8
    calls = b.calls
    paper = train_embedder(
        r, tmp_path / "model2", backend=b, hard=2, random=1, recipe="paper", progress=False
    )
    assert b.calls == calls  # every LLM step answered by cache.sqlite
    s = paper["settings"]
    assert (s["epochs"], s["batch_size"], s["grad_accum"], s["effective_batch"], s["lr"]) == (
        2,
        8,
        4,
        32,
        6e-6,
    )
    assert len(paper["losses"]) == 2 and paper["examples"] == rec["examples"]


def test_validation_split_holds_personas_out_and_keeps_the_best_epoch(tmp_path):
    r = make_run(tmp_path / "run")
    b = Scripted()
    rec = train_embedder(
        r,
        tmp_path / "model",
        backend=b,
        hard=2,
        random=1,
        epochs=2,
        val_fraction=0.25,
        progress=False,
    )
    v = rec["validation"]
    assert v["personas"] == 3 and v["queries"] == 6  # 12 personas, 2 queries each
    assert len(v["mrr_by_epoch"]) == 3 and all(0 < x <= 1 for x in v["mrr_by_epoch"])
    best = max(range(3), key=lambda e: (v["mrr_by_epoch"][e], -e))
    assert v["selected_epoch"] == best
    q = pd.read_parquet(tmp_path / "run" / "train_embedder" / "queries.parquet")
    n = pd.read_parquet(tmp_path / "run" / "train_embedder" / "negatives.parquet")
    held = set(q["persona_id"]) - set(q[q["query_id"].isin(n["query_id"])]["persona_id"])
    assert len(held) == 3  # no held-out persona's query was trained on
    assert not set(n["persona_id"]) & held  # and none of them served as a negative
    assert rec["examples"] + rec["queries_without_negatives"] == 18
    saved = load_embedder(str(tmp_path / "model")).encode(["farmers in the countryside"])
    if v["selected_epoch"] == 0:  # the base model itself was saved
        assert np.allclose(
            saved, load_embedder("minilm").encode(["farmers in the countryside"]), atol=1e-5
        )
    with pytest.raises(PopulaceError, match="val_fraction"):
        train_embedder(r, tmp_path / "m", backend=b, val_fraction=1.0, progress=False)


def test_train_errors(tmp_path):
    r = make_run(tmp_path / "run")
    with pytest.raises(PopulaceError, match="no usable query"):
        train_embedder(r, tmp_path / "m", backend=Scripted(always_bad=True), progress=False)
    with pytest.raises(PopulaceError, match="at least 3 personas"):
        train_embedder(r, tmp_path / "m", backend=Scripted(), persona_ids=["h01"], progress=False)
    with pytest.raises(PopulaceError, match="unknown training recipe"):
        train_embedder(r, tmp_path / "m", backend=Scripted(), recipe="fast", progress=False)
    with pytest.raises(PopulaceError, match="grad_accum"):
        train_embedder(r, tmp_path / "m", backend=Scripted(), grad_accum=0, progress=False)
    with pytest.raises(PopulaceError, match="hard \\+ random"):
        train_embedder(r, tmp_path / "m", backend=Scripted(), hard=0, random=0, progress=False)


def test_train_end_to_end_with_smollm2_and_minilm(tmp_path):
    from populace.llm.llamacpp import LlamaCppBackend
    from populace.targeting.pool import load_pool, pool_vectors, retrieve
    from tests._llm_helpers import smollm2_path

    r = make_run(tmp_path / "run")
    b = LlamaCppBackend(str(smollm2_path()), model_id="smollm2-135m", n_threads=2)
    try:
        ids = ["h03", "h05", "h08"]  # 3 personas, 6 queries: the test stays a few minutes
        rec = train_embedder(
            r,
            tmp_path / "model",
            backend=b,
            persona_ids=ids,
            hard=1,
            random=1,
            epochs=1,
            batch_size=4,
            progress=False,
        )
    finally:
        b.close()
    assert rec["personas"] == 3 and rec["llm_calls"] > 0
    assert rec["examples"] >= 1, rec
    emb = load_embedder(str(tmp_path / "model"))  # loads as --embedder DIR
    base = load_embedder("minilm")
    assert emb.fingerprint != base.fingerprint and emb.dim == base.dim
    v = emb.encode(["farmers in the countryside"])
    assert v.shape == (1, 384) and abs(float(np.linalg.norm(v)) - 1) < 1e-4
    pool = load_pool(r)
    hits = retrieve("farmers in the countryside", pool, pool_vectors(r, pool, emb), emb, 1)
    assert pool.ids[hits[0][0]] in pool.ids


def test_mrr_breaks_ties_at_random_not_for_the_owner():
    """A collapsed embedder (one vector for every text) must not score a perfect
    MRR: each owner ties with all n personas, expected reciprocal rank H(n)/n."""
    import numpy as np

    from populace.targeting.fine_tune import mrr as _mrr

    class Collapsed:
        def encode(self, texts):
            return np.ones((len(texts), 3))

    class Exact:  # each query on its owner's axis
        def encode(self, texts):
            return np.eye(4)[[int(t[-1]) for t in texts]]

    ids, texts = ["a", "b", "c", "d"], ["t0", "t1", "t2", "t3"]
    queries, owners = ["q0", "q2"], ["a", "c"]
    assert _mrr(Collapsed(), queries, owners, ids, texts) == pytest.approx(
        (1 + 1 / 2 + 1 / 3 + 1 / 4) / 4
    )
    assert _mrr(Exact(), queries, owners, ids, texts) == 1.0
