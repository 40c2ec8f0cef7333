import pandas as pd
import pytest

import populace
from populace.errors import PopulaceError
from populace.targeting import MAX_PER_SEED, load_embedder, slugify, target
from tests._target_helpers import make_run
from tests._target_standin import Scripted


@pytest.fixture(scope="module")
def minilm():
    return load_embedder("minilm")


def test_revision_keeps_seed_link_and_round_robin(tmp_path, minilm):
    r = make_run(tmp_path / "run")
    b = Scripted()
    res = populace.target(
        r, "teenagers in high school", 5, top_k=2, backend=b, embedder=minilm, progress=False
    )
    p = res.personas
    assert len(p) == 5 and res.failures.empty
    assert res.out == tmp_path / "run" / "targets" / "teenagers-in-high-school.parquet"
    assert list(p.columns[:5]) == [
        "persona_id",
        "persona",
        "seed_persona_id",
        "similarity",
        "query",
    ]
    assert p["seed_persona_id"].tolist()[:2] == ["h01", "h12"]  # best first
    assert p["seed_persona_id"].tolist() == ["h01", "h12", "h01", "h12", "h01"]
    assert p["variant"].tolist() == [0, 0, 1, 1, 2]
    assert p["persona"].str.contains("high-school sophomore").sum() == 3
    assert (p["similarity"].diff().fillna(0).abs() >= 0).all() and p["revised"].all()
    back = pd.read_parquet(res.out)
    assert (
        back["persona_id"].is_unique
        and back["seed_persona_id"].tolist() == p["seed_persona_id"].tolist()
    )
    calls = b.calls
    again = target(
        r, "teenagers in high school", 5, top_k=2, backend=b, embedder=minilm, progress=False
    )
    assert b.calls == calls and again.info["model_calls"] == 0  # all from cache.sqlite
    assert again.personas["persona"].tolist() == p["persona"].tolist()
    assert r.stage("target:teenagers-in-high-school")["rows_out"] == 5


def test_one_corrective_retry_then_recorded_failure(tmp_path, minilm):
    r = make_run(tmp_path / "run")
    ok = target(
        r,
        "musicians",
        2,
        top_k=2,
        backend=Scripted(bad_first=True),
        embedder=minilm,
        progress=False,
    )
    assert len(ok.personas) == 2  # the retry fixed it
    bad = target(
        make_run(tmp_path / "run2"),
        "musicians",
        2,
        top_k=2,
        backend=Scripted(always_bad=True),
        embedder=minilm,
        progress=False,
        out=tmp_path / "bad.parquet",
    )
    assert bad.personas.empty and len(bad.failures) == 2
    assert (bad.failures["attempts"] == 2).all()
    assert bad.failures["error"].str.contains("PERSONA").all()
    assert (tmp_path / "bad.failures.parquet").exists()


def test_no_revise_outputs_retrieved_seeds(tmp_path, minilm):
    r = make_run(tmp_path / "run")
    res = target(r, "military service members", 1, revise=False, embedder=minilm, progress=False)
    assert res.personas["seed_persona_id"].tolist() == ["h08"]
    assert not res.personas["revised"].any()


@pytest.mark.parametrize(
    "kw,msg",
    [
        (dict(query="   ", n=2), "query is empty"),
        (dict(query="teens", n=0), "at least 1"),
        (dict(query="teens", n=5, top_k=13), "larger than the pool"),
        (dict(query="teens", n=MAX_PER_SEED * 2 + 1, top_k=2), "more than 20 x top-k"),
        (dict(query="teens", n=2, embedder="no-such-embedder"), "unknown embedder"),
    ],
)
def test_bad_inputs(tmp_path, kw, msg):
    r = make_run(tmp_path / "run")
    with pytest.raises(PopulaceError, match=msg):
        target(r, backend=Scripted(), progress=False, **kw)


def test_missing_personas_and_no_backend(tmp_path):
    from populace.run import Run

    with pytest.raises(PopulaceError, match="personas.parquet does not exist"):
        target(Run(tmp_path / "r"), "teens", 2, backend=Scripted(), progress=False)
    with pytest.raises(PopulaceError, match="needs an LLM backend"):
        target(make_run(tmp_path / "r2"), "teens", 2, progress=False)


def test_slugify():
    assert slugify("Residents of Hong Kong!") == "residents-of-hong-kong"
    assert slugify("東京").startswith("q-")


def test_real_smollm2_revision_keeps_seed_link(tmp_path, minilm):
    from populace.llm.llamacpp import LlamaCppBackend
    from tests._llm_helpers import smollm2_path

    b = LlamaCppBackend(str(smollm2_path()), model_id="smollm2-135m", n_threads=2)
    try:
        r = make_run(tmp_path / "run")
        res = target(
            r,
            "teenagers in high school",
            2,
            top_k=2,
            backend=b,
            embedder=minilm,
            progress=False,
            max_words=30,
        )
    finally:
        b.close()
    got = pd.concat(
        [
            res.personas[["persona_id", "seed_persona_id"]],
            res.failures[["persona_id", "seed_persona_id"]],
        ]
    )
    assert sorted(got["seed_persona_id"]) == ["h01", "h12"]  # every output names its seed
    assert len(res.personas) + len(res.failures) == 2
    for text in res.personas["persona"]:
        assert len(text.split()) >= 8
    assert res.info["model_calls"] >= 2


def test_target_run_is_the_pipeline_entry_point():
    """The pipeline's targets stage finds populace.targeting.target_run (not the 'skipped' path)."""
    import inspect

    import populace.targeting as target_pkg
    from populace.pipeline import targets as T

    assert T.target_entry() is target_pkg.target_run
    params = inspect.signature(target_pkg.target_run).parameters
    assert {"backend", "progress", "n"} <= set(params)
