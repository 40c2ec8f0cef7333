"""Scoring several instruments persona by persona into the cache (survey/prefetch.py).

The logic (order, cache, identical answers) with the deterministic stand-in;
the prefix reuse it exists for with the real SmolLM2 model."""

from __future__ import annotations

import numpy as np
import pandas as pd

from populace.instruments import load_instrument
from populace.survey import survey
from populace.survey.prefetch import prefetch_choices, worth_prefetching
from tests._llm_helpers import PERSONAS, OrderStandIn, StandIn, mini_instrument, smollm2_path


def frame(rows=PERSONAS):
    return pd.DataFrame(rows, columns=["persona_id", "persona"])


def _grit():
    return load_instrument("grit12")


def test_prefetch_is_persona_by_persona_and_survey_then_reads_the_cache(tmp_path):
    inss = [mini_instrument(), _grit()]
    b = OrderStandIn()
    stats = prefetch_choices(frame(), inss, backend=b, cache=tmp_path / "c.sqlite", progress=False)
    assert stats == {"requests": 4 * 17, "model_calls": 4 * 17, "cache_hits": 0}
    assert b.batches == [(p, n) for p, _ in PERSONAS for n in (5, 12)]
    calls = b.calls
    fresh = StandIn()
    for ins in inss:
        got = survey(frame(), ins, backend=b, cache=tmp_path / "c.sqlite", progress=False)
        want = survey(frame(), ins, backend=fresh, cache=tmp_path / "other.sqlite", progress=False)
        assert got.meta["model_calls"] == 0 and got.meta["cache_hits"] == 4 * len(ins.items)
        pd.testing.assert_frame_equal(got.wide, want.wide)
    assert b.calls == calls
    # a second prefetch is all cache hits
    again = prefetch_choices(
        frame(), inss, backend=OrderStandIn(), cache=tmp_path / "c.sqlite", progress=False
    )
    assert again["model_calls"] == 0 and again["cache_hits"] == 4 * 17


def test_worth_prefetching():
    local = StandIn()

    class Server(StandIn):
        concurrency = 8

    assert worth_prefetching(local, "sample", ["ipip50", "grit12"])
    assert not worth_prefetching(local, "sample", ["ipip50"])
    assert not worth_prefetching(local, "generate", ["ipip50", "grit12"])
    assert not worth_prefetching(Server(), "expected", ["ipip50", "grit12"])


def test_real_model_decodes_each_persona_once_for_all_instruments(tmp_path):
    """SmolLM2: persona by persona the scoring context decodes fewer tokens than
    instrument by instrument, and the probabilities agree within float noise."""
    from populace.llm.llamacpp import LlamaCppBackend

    inss = [mini_instrument(), _grit()]
    people = frame(PERSONAS[:2])
    b = LlamaCppBackend(str(smollm2_path()), model_id="smollm2-135m", n_ctx=2048)
    try:
        b.decoded_tokens = 0
        prefetch_choices(people, inss, backend=b, cache=tmp_path / "a.sqlite", progress=False)
        by_persona = b.decoded_tokens
        b.decoded_tokens = 0
        b._scored_prefix = []
        plain = [
            survey(people, ins, backend=b, cache=tmp_path / "b.sqlite", progress=False)
            for ins in inss
        ]
        by_instrument = b.decoded_tokens
        pre = [
            survey(people, ins, backend=b, cache=tmp_path / "a.sqlite", progress=False)
            for ins in inss
        ]
    finally:
        b.close()
    assert all(r.meta["model_calls"] == 0 for r in pre)
    assert by_persona < by_instrument
    for x, y in zip(pre, plain):
        px = np.array([list(p) for p in x.long.sort_values(["persona_id", "item_id"])["probs"]])
        py = np.array([list(p) for p in y.long.sort_values(["persona_id", "item_id"])["probs"]])
        assert px.shape == py.shape and np.allclose(px.sum(1), 1, atol=1e-6)
        assert np.abs(px - py).max() < 0.05
