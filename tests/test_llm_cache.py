"""The SQLite call cache: keys, persistence, concurrent writers, CachedBackend."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3

from populace.llm.base import ChoiceRequest, GenerateRequest, Message
from populace.llm.cache import CachedBackend, CallCache, call_key
from tests._llm_helpers import StandIn

MSGS = (Message("user", "Statement: I am calm."),)


def test_key_covers_model_prompt_params_and_sample_index():
    base = GenerateRequest(MSGS, temperature=0.7, seed=1, sample_index=0)
    k = call_key("m@abc", "generate", base.key_payload())
    assert k == call_key(
        "m@abc", "generate", GenerateRequest(MSGS, temperature=0.7, seed=1).key_payload()
    )
    others = [
        call_key("m@abd", "generate", base.key_payload()),  # other file hash
        call_key("m@abc", "choice", base.key_payload()),  # other call kind
        call_key(
            "m@abc",
            "generate",
            GenerateRequest(
                (Message("user", "Statement: I am calm!"),), temperature=0.7, seed=1
            ).key_payload(),
        ),
        call_key("m@abc", "generate", GenerateRequest(MSGS, temperature=0.8, seed=1).key_payload()),
        call_key(
            "m@abc",
            "generate",
            GenerateRequest(MSGS, temperature=0.7, seed=1, sample_index=1).key_payload(),
        ),
        call_key(
            "m@abc",
            "generate",
            GenerateRequest(
                (Message("system", "x"),) + MSGS, temperature=0.7, seed=1
            ).key_payload(),
        ),
    ]
    assert len({k, *others}) == len(others) + 1


def test_put_get_persist_and_wal(tmp_path):
    p = tmp_path / "c.sqlite"
    with CallCache(p) as c:
        c.put_many([("k1", "m", "choice", {"probs": [0.5, 0.5]})])
        c.put_many([("k1", "m", "choice", {"probs": [1.0, 0.0]})])  # first write wins
    with CallCache(p) as c:
        assert c.get("k1") == {"probs": [0.5, 0.5]}
        assert c.get("nope") is None
        assert c.count() == 1 and c.count("m") == 1 and c.count("other") == 0
    assert sqlite3.connect(p).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _writer(path, worker, n):
    c = CallCache(path)
    for i in range(n):
        # overlapping keys between workers, one transaction per small batch
        c.put_many([(f"k{(i + j) % 150}", "m", "choice", {"w": worker, "i": i}) for j in range(3)])
        c.put_many([(f"w{worker}-{i}", "m", "choice", {"w": worker})])
    c.close()


def test_concurrent_writers_processes(tmp_path):
    p = tmp_path / "c.sqlite"
    CallCache(p).close()
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(p), w, 120)) for w in range(4)]
    for pr in procs:
        pr.start()
    for pr in procs:
        pr.join(120)
        assert pr.exitcode == 0
    with CallCache(p) as c:
        assert c.count() == 122 + 4 * 120  # k0..k121 shared, w*-* private
        rows = (
            sqlite3.connect(p).execute("SELECT COUNT(DISTINCT key), COUNT(*) FROM calls").fetchone()
        )
        assert rows[0] == rows[1]
        assert sqlite3.connect(p).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_cached_backend_counts_and_skips_failures(tmp_path):
    inner = StandIn(fail_items=("FAIL",))
    reqs = [
        ChoiceRequest((Message("user", f"Statement: {t}"),), ("1", "2", "3"))
        for t in ("a", "b", "FAIL")
    ]
    with CallCache(tmp_path / "c.sqlite") as cache:
        cb = CachedBackend(inner, cache)
        first = cb.choice_probs(reqs)
        assert (cb.misses, cb.hits, inner.calls) == (3, 0, 3)
        assert not first[2].ok and cache.count() == 2  # the failure is not cached
        second = cb.choice_probs(reqs)
        assert (cb.misses, cb.hits, inner.calls) == (4, 2, 4)  # only the failure is retried
        assert second[:2] == first[:2]
        g = [GenerateRequest(MSGS, sample_index=i) for i in range(3)]
        cb.generate(g)
        cb.generate(g)
        assert cache.count() == 5 and inner.calls == 7


def test_export_import_round_trip_carries_replies_not_prompts(tmp_path):
    a = CallCache(tmp_path / "a.sqlite")
    a.put_many(
        [
            ("k1", "m", "generate", {"text": "PERSONA: She bakes.", "error": None}),
            ("k2", "m", "choice", {"probs": [0.2, 0.8]}),
            ("k3", "other", "generate", {"text": "x", "error": None}),
        ]
    )
    f = tmp_path / "state" / "calls.jsonl.gz"
    assert a.export_jsonl(f, model="m") == 2
    assert a.export_jsonl(tmp_path / "g.jsonl.gz", exclude_kinds=("choice",)) == 2
    b = CallCache(tmp_path / "b.sqlite")
    b.put_many([("k1", "m", "generate", {"text": "kept", "error": None})])
    assert b.import_jsonl(f) == 2
    assert b.get("k1")["text"] == "kept" and b.get("k2") == {"probs": [0.2, 0.8]}
    assert b.get("k3") is None and b.count() == 2
    # a cached backend on b answers a's call without the model
    r = GenerateRequest(MSGS)
    key = call_key("standin:v1", "generate", r.key_payload())
    a.put_many([(key, "standin:v1", "generate", {"text": "from a", "error": None})])
    a.export_jsonl(f)
    b.import_jsonl(f)
    cb = CachedBackend(StandIn(), b)
    assert cb.generate([r])[0].text == "from a" and cb.misses == 0


def test_repeat_penalty_is_part_of_the_cache_key_only_when_set():
    """Requests without a repeat penalty keep the keys they always had (old caches hit)."""
    from populace.llm.base import GenerateRequest, Message

    m = (Message("user", "hi"),)
    assert "repeat_penalty" not in GenerateRequest(m).key_payload()
    assert GenerateRequest(m, repeat_penalty=1.1).key_payload()["repeat_penalty"] == 1.1
    assert GenerateRequest(m).key_payload() != GenerateRequest(m, repeat_penalty=1.1).key_payload()


def test_exclusive_scoring_is_cached_and_older_entries_read_as_not_exclusive(tmp_path):
    """Results of keys such as "1" and "10" record whether "1" was scored apart
    from "10" (``exclusive``); entries cached before that field read False, so a
    caller that corrected them itself (the critic) still does."""
    import json

    from populace.llm.base import ChoiceRequest, ChoiceResult, Message
    from populace.llm.cache import CachedBackend, CallCache, call_key

    class Fixed:
        fingerprint = "fixed"

        def choice_probs(self, requests):
            return [ChoiceResult((0.5, 0.5), 1.0, "logits_multi_token", exclusive=True)] * len(
                requests
            )

        def close(self):
            pass

    msgs = (Message("user", "Rate it."),)
    new, old = (ChoiceRequest(msgs, k) for k in (("1", "10"), ("1", "2", "10")))
    with CallCache(tmp_path / "c.sqlite") as cache:
        cache.put_many(
            [
                (
                    call_key("fixed", "choice", old.key_payload()),
                    "fixed",
                    "choice",
                    {"probs": [0.2, 0.3, 0.5], "mass": 1.0, "method": "logits_multi_token"},
                )
            ]
        )
        be = CachedBackend(Fixed(), cache)
        assert be.choice_probs([new])[0].exclusive  # computed now
        assert be.choice_probs([new])[0].exclusive and be.hits == 1  # from the cache
        got = be.choice_probs([old])[0]
        assert not got.exclusive and got.probs == (0.2, 0.3, 0.5)
        assert json.dumps(got.exclusive) == "false"
