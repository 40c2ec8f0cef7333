"""The in-process llama.cpp backend with the real SmolLM2-135M model."""

from __future__ import annotations

import numpy as np
import pytest

from populace.llm.base import ChoiceRequest, GenerateRequest, Message
from populace.llm.llamacpp import LlamaCppBackend
from populace.survey.prompts import Templates, build_messages, option_keys
from tests._llm_helpers import mini_instrument, smollm2_path


@pytest.fixture(scope="module")
def smol():
    b = LlamaCppBackend(
        str(smollm2_path()), model_id="smollm2-135m", sha256="b179c952" * 8, n_ctx=2048
    )
    yield b
    b.close()


def _requests(persona):
    ins = mini_instrument()
    t = Templates.load()
    return [
        ChoiceRequest(build_messages(t, ins, it, persona), option_keys(ins, it)[0])
        for it in ins.items
    ]


def test_choice_probs_are_a_distribution(smol):
    res = smol.choice_probs(_requests("A quiet gardener who lives alone."))
    assert len(res) == 5
    for r in res:
        assert r.ok and r.method == "logits" and len(r.probs) == 5
        assert abs(sum(r.probs) - 1) < 1e-9 and all(p >= 0 for p in r.probs)
        assert 0 < r.mass <= 1.0
    assert smol.fingerprint == "llamacpp:smollm2-135m@b179c952b179c952"


def test_prefix_reuse_matches_full_prompt_evaluation(smol):
    reqs = _requests("A loud party host.")[:3]
    batched = smol.choice_probs(reqs)
    # every prompt on its own: no shared prefix at all
    alone = [smol.choice_probs([r])[0] for r in reqs]
    smol.batched = False
    try:
        one_by_one = smol.choice_probs(reqs)
    finally:
        smol.batched = True
    for a, b, c in zip(batched, alone, one_by_one):
        assert np.allclose(a.probs, b.probs, atol=0.03)
        assert np.allclose(c.probs, b.probs, atol=0.03)
        assert np.argmax(a.probs) == np.argmax(b.probs)


def test_scoring_reuses_the_previous_calls_prefix(smol):
    """The system message and instructions before the persona are decoded once:
    a second call with another persona decodes fewer prefix tokens, with the
    same probabilities (up to llama.cpp's batch-size noise) as decoding it all."""
    a, b = _requests("A loud party host.")[:2], _requests("A shy librarian who reads.")[:2]
    counts, probs = {}, {}
    for reuse in (True, False):
        smol.reuse_scoring_prefix = reuse
        try:
            smol.choice_probs(a)
            before = smol.decoded_tokens
            probs[reuse] = smol.choice_probs(b)
            counts[reuse] = smol.decoded_tokens - before
        finally:
            smol.reuse_scoring_prefix = True
    shared = 0
    ta, tb = smol.tokens(a[0].messages), smol.tokens(b[0].messages)
    while ta[shared] == tb[shared]:
        shared += 1
    assert counts[False] - counts[True] == shared > 20
    for x, y in zip(probs[True], probs[False]):
        assert np.allclose(x.probs, y.probs, atol=0.03) and np.argmax(x.probs) == np.argmax(y.probs)


def test_one_sequence_at_a_time_is_exact():
    """With n_seq=1 (the prefix plus one item suffix in the KV cache at a time)
    the shared-prefix path gives exactly the probabilities of each full prompt
    decoded on its own in one call: the prefix split itself loses nothing.
    (llama.cpp's kernels are not batch-invariant: a 1-token decode, or many
    sequences in one KV cache, can move SmolLM2's probabilities by ~0.02;
    see docs/llm.md.)"""
    b = LlamaCppBackend(str(smollm2_path()), n_ctx=2048, n_seq=1)
    try:
        reqs = _requests("A loud party host.")
        shared = b.choice_probs(reqs)
        for r, a in zip(reqs, shared):
            lp = b._score_group([], [b.tokens(r.messages)], [1])[0][-1]
            raw = [sum(np.exp(lp[v[0]]) for v in b._key_variants(k)) for k in r.keys]
            assert np.array_equal(a.probs, np.array(raw) / sum(raw))
    finally:
        b.close()


def test_prefix_is_shared_in_tokens(smol):
    reqs = _requests("A person.")
    toks = [smol.tokens(r.messages) for r in reqs]
    common = 0
    while all(t[common] == toks[0][common] for t in toks):
        common += 1
    # the persona and the whole instruction block come before the first item token
    assert common > 0.6 * min(len(t) for t in toks)
    assert "A person." in smol.render(reqs[0].messages)


def test_multi_token_keys_are_scored_exactly(smol):
    msgs = (Message("user", "Pick a number: 10, 11 or 12. Reply with the number only."),)
    variants = {k: smol._key_variants(k) for k in ("10", "11", "12")}
    r = smol.choice_probs([ChoiceRequest(msgs, ("10", "11", "12"))])[0]
    assert r.ok and abs(sum(r.probs) - 1) < 1e-9
    multi = any(len(v[0]) > 1 for v in variants.values())
    assert r.method == ("logits_multi_token" if multi else "logits")


def test_ten_point_keys_decode_one_sequence_per_request(smol):
    """ "1".."10" ("10" = "1" + "0" where the tokenizer splits digits): one sequence,
    the suffix then "1", gives P("1").."P("9") and P("0" | "1"), not one per key."""
    keys = tuple(str(i) for i in range(1, 11))
    msgs = (Message("user", "How calm are you, from 1 to 10? Reply with the number only."),)
    assert len(smol._key_variants("10")[0]) == 2  # SmolLM2 splits digits
    smol.reuse_scoring_prefix = False  # count every token this call decodes
    try:
        before = smol.decoded_tokens
        r = smol.choice_probs([ChoiceRequest(msgs, keys)])[0]
    finally:
        smol.reuse_scoring_prefix = True
    n = len(smol.tokens(msgs))
    assert r.ok and len(r.probs) == 10 and abs(sum(r.probs) - 1) < 1e-9
    # the prompt once, then "1" (one key per sequence would decode the last
    # prompt token ten times)
    assert smol.decoded_tokens - before == n + 1


def test_generate_with_and_without_prefix_reuse(smol):
    req = GenerateRequest(
        build_messages(
            Templates.load(), mini_instrument(), mini_instrument().items[0], "A shy person."
        ),
        max_tokens=3,
        temperature=0.0,
    )
    a = smol.generate([req])[0]
    b = smol.generate([req], reuse_prefix=False)[0]
    assert a.ok and b.ok and isinstance(a.text, str)
    assert a.text == b.text  # greedy decoding is deterministic either way


def test_missing_model_file_is_a_clear_error(tmp_path):
    from populace.errors import PopulaceError

    with pytest.raises(PopulaceError, match="does not exist"):
        LlamaCppBackend(str(tmp_path / "nope.gguf"))


def test_scoring_in_the_generation_context_matches_the_scoring_context(smol):
    """prefer_generation_context: the same probabilities (single- and multi-token
    keys), and a request that shares the text just generated from decodes only
    what follows it."""
    posts = "Post 1: I walked my dog in the rain and felt calm. " * 12
    msgs = lambda q: (Message("user", posts + "\nQuestion: " + q),)  # noqa: E731
    reqs = [
        ChoiceRequest(msgs("rate the calm from 1 to 10."), tuple(str(i) for i in range(1, 11))),
        ChoiceRequest(msgs("is the writer happy? yes or no."), ("yes", "no")),
    ]
    ref = smol.choice_probs(reqs)
    smol.generate([GenerateRequest(msgs("describe the writer."), max_tokens=4)])
    before = smol.decoded_tokens
    smol.prefer_generation_context = True
    try:
        got = smol.choice_probs(reqs)
    finally:
        smol.prefer_generation_context = False
    full = len(smol.tokens(reqs[0].messages))
    # the shared posts were already in the generation context: far less than one prompt
    assert smol.decoded_tokens - before < 0.5 * full
    for a, b in zip(ref, got):
        assert b.ok and b.method == a.method
        assert np.allclose(a.probs, b.probs, atol=0.03)
    # "1" and "10" are distinct keys: the multi-token key's second factor is read
    assert len(got[0].probs) == 10 and abs(sum(got[0].probs) - 1) < 1e-9


def test_a_prompt_longer_than_the_context_is_one_error_before_decoding(smol):
    from populace.errors import PopulaceError

    long = "I collect stamps from every country I visit. " * 400  # ~4,000 tokens
    before = smol.decoded_tokens
    with pytest.raises(
        PopulaceError,
        match=r"of \d+ tokens \(\+1 to answer\) does not fit "
        r"the model's context of 2048 tokens",
    ):
        smol.choice_probs(_requests(long))
    assert smol.decoded_tokens == before  # nothing was decoded
    with pytest.raises(PopulaceError, match="does not fit the model's context"):
        smol.generate([GenerateRequest((Message("user", long),), max_tokens=4)])


@pytest.mark.parametrize(
    "kw,text",
    [
        ({"n_ctx": 64}, "n_ctx 64 is too small"),
        ({"n_seq": 1000}, "n_seq must be between 1 and 255"),
        ({"n_threads": 100000}, "n_threads must be between 1"),
    ],
)
def test_sizes_that_crash_llama_cpp_are_refused(kw, text):
    from populace.errors import PopulaceError

    with pytest.raises(PopulaceError, match=text):
        LlamaCppBackend(str(smollm2_path()), **kw)


def test_trie_entries_share_leading_tokens_once():
    from populace.llm.llamacpp import _trie_entries

    # suffixes 1, 2, 3 after a prefix of 10 tokens; 1 and 2 share [5, 6], 3 is alone
    entries, where = _trie_entries([[5, 6, 7], [5, 6, 8, 9], [4]], [1, 2, 1], 10)
    assert entries == [
        (5, 10, (1, 2), False),
        (6, 11, (1, 2), False),
        (7, 12, (1,), True),
        (8, 12, (2,), True),
        (9, 13, (2,), True),
        (4, 10, (3,), True),
    ]
    assert where == [(0, 2), (1, 3), (1, 4), (2, 5)]
    # a suffix that is another's start: the shared token gives both their logits
    entries, where = _trie_entries([[5, 6], [5, 6, 7]], [1, 2], 0)
    assert [e[2:] for e in entries] == [((1, 2), False), ((1, 2), True), ((2,), True)]
    assert where == [(0, 1), (1, 1), (1, 2)]


def test_shared_suffix_tokens_decode_fewer_with_the_same_answers(smol):
    """YRBS items with the same options share their option block: decoded once
    for all of them, with the probabilities of decoding every suffix in full
    (up to llama.cpp's batch noise) and, against each prompt alone, no larger
    a deviation (benchmarks/suffix_sharing.py measures both modes)."""
    from populace.instruments import load_instrument
    from populace.survey.prompts import choice_request

    ins = load_instrument("yrbs2019")
    reqs = [choice_request(Templates.load(), ins, it, "A shy student.") for it in ins.items[:16]]
    got, n = {}, {}
    smol.reuse_scoring_prefix = False
    try:
        for share in (True, False):
            smol.share_suffixes = share
            before = smol.decoded_tokens
            got[share] = smol.choice_probs(reqs)
            n[share] = smol.decoded_tokens - before
    finally:
        smol.share_suffixes = True
        smol.reuse_scoring_prefix = True
    assert n[True] < 0.85 * n[False]
    for a, b in zip(got[True], got[False]):
        assert a.ok and abs(sum(a.probs) - 1) < 1e-9
        assert np.allclose(a.probs, b.probs, atol=0.08)


def test_one_is_not_counted_again_inside_ten(smol):
    """Where digits are single tokens, "1" is how "10" begins: the key "1" is
    scored as P("1") - P("10"), so an answer of 10 is not counted twice."""
    msgs = (Message("user", "Rate from 1 to 10: how much do you love pizza? Reply 10."),)
    assert smol._key_variants("10")[0][0] == smol._key_variants("1")[0][0]
    nine, ten = smol.choice_probs(
        [
            ChoiceRequest(msgs, tuple(str(i) for i in range(1, 10))),  # single tokens
            ChoiceRequest(msgs, tuple(str(i) for i in range(1, 11))),
        ]
    )
    assert nine.ok and ten.ok and abs(sum(ten.probs) - 1) < 1e-9
    raw9 = [p * nine.mass for p in nine.probs]
    raw10 = [p * ten.mass for p in ten.probs]
    assert raw10[9] > 0.01  # the model does say "10" here
    # "10" is carved out of "1": the same total mass, "1" smaller by exactly P("10")
    assert ten.mass == pytest.approx(nine.mass, rel=1e-3)
    assert raw10[0] == pytest.approx(raw9[0] - raw10[9], abs=1e-3)
    assert raw10[1:9] == pytest.approx(raw9[1:], abs=1e-3)
    smol.prefer_generation_context = True
    try:
        g = smol.choice_probs([ChoiceRequest(msgs, tuple(str(i) for i in range(1, 11)))])[0]
    finally:
        smol.prefer_generation_context = False
    assert max(abs(a - b) for a, b in zip(g.probs, ten.probs)) < 0.05


def test_exclusive_of_extensions():
    from populace.llm.base import exclusive_of_extensions

    # "1" = (1,), "10" = (1, 0), "100" = (1, 0, 0), "2" = (2,): "1" loses "10" only
    variants = [[(1,), (9,)], [(1, 0)], [(1, 0, 0)], [(2,)]]
    assert exclusive_of_extensions([0.5, 0.3, 0.1, 0.2], variants) == pytest.approx(
        [0.2, 0.2, 0.1, 0.2]
    )
    # distinct single tokens are untouched; a negative difference (rounding) is floored
    assert exclusive_of_extensions([0.4, 0.6], [[(1,)], [(2,)]]) == [0.4, 0.6]
    assert exclusive_of_extensions([0.1, 0.2], [[(1,)], [(1, 0)]]) == [0.0, 0.2]
