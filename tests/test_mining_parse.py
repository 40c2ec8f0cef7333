"""Strict parsers on real, messy model outputs (tests/fixtures/mining_model_outputs.json:
SmolLM2-135M and Qwen2.5-Coder-1.5B replies captured from this package's prompts)
and on hand-written edge cases."""

import json
from pathlib import Path

import pytest

from populace.mining.parse import (
    ParseError,
    drop_unsupported_sentences,
    evidence_support,
    json_object,
    parse_clean,
    parse_critic,
    parse_persona,
    parse_pii_names,
    parse_qc,
    trim_to_words,
)

FIX = json.loads((Path(__file__).parent / "fixtures" / "mining_model_outputs.json").read_text())
POST = (
    "just saw joe's pictures from urlLink bfd . they totally rule. fritch and smith with "
    "fred durst. dumb girls. i listened to each like three times."
)
PARSERS = {
    "qc": parse_qc,
    "critic": parse_critic,
    "pii": parse_pii_names,
    "persona": lambda s: parse_persona(s, 100),
    "clean": lambda s: parse_clean(s, POST),
}


@pytest.mark.parametrize(
    "rec", [r for r in FIX if r["model"] == "smollm2-135m"], ids=lambda r: r["stage"]
)
def test_real_smollm2_replies_are_rejected_with_a_reason(rec):
    with pytest.raises(ParseError) as exc:
        PARSERS[rec["stage"]](rec["text"])
    assert str(exc.value)


def test_real_qwen_replies():
    qc = [parse_qc(r["text"]) for r in FIX if r["model"] == "qwen2.5-1.5b" and r["stage"] == "qc"]
    assert qc == [
        {"quality": "low", "harmless": "no"},
        {"quality": "medium", "harmless": "no"},
        {"quality": "high", "harmless": "no"},
        {"quality": "medium", "harmless": "yes"},
    ]
    for r in FIX:
        if r["model"] == "qwen2.5-1.5b" and r["stage"] == "clean":
            with pytest.raises(ParseError):  # empty; cut before </cleaned>
                parse_clean(r["text"], POST)


def test_qc_formats():
    assert parse_qc('Sure!\n```json\n{"Quality": "HIGH", "harmful": false}\n```') == {
        "quality": "high",
        "harmless": "yes",
    }
    assert parse_qc("quality: low\nharmless: yes") == {"quality": "low", "harmless": "yes"}
    for bad in (
        '{"quality": "great", "harmful": "no"}',
        '{"quality": "high"}',
        "high, yes",
        '{"quality": "high", "harmful": "maybe"}',
    ):
        with pytest.raises(ParseError):
            parse_qc(bad)


def test_critic_formats():
    keys = ("hallucination", "coverage", "conciseness", "relevance", "overall")
    want = dict(zip(keys, (9, 8, 7, 8, 8)))
    assert parse_critic(json.dumps(want)) == want
    assert (
        parse_critic(
            '{"hallucination": "9/10", "coverage": 8.0, "conciseness": "7", '
            '"relevance": 8, "overall": 8} trailing words'
        )
        == want
    )
    assert (
        parse_critic(
            "- Hallucination: 9\n- coverage: 8\n- conciseness: 7\n- relevance: 8\n- overall: 8"
        )
        == want
    )
    for bad in (
        '{"hallucination": 11, "coverage": 8, "conciseness": 7, "relevance": 8, "overall": 8}',
        '{"overall": 8}',
        '{"hallucination": 8.5, "coverage": 8, "conciseness": 7, "relevance": 8, "overall": 8}',
    ):
        with pytest.raises(ParseError):
            parse_critic(bad)


def test_clean_keeps_the_authors_words():
    assert parse_clean(f"<cleaned>{POST.replace('urlLink ', '')}</cleaned>", POST).startswith(
        "just saw joe's pictures from bfd"
    )
    with pytest.raises(ParseError, match="occur in the post"):
        parse_clean(
            "<cleaned>Here is a poem about spring flowers and love songs, a happy "
            "little tune I wrote for you and everyone who reads it</cleaned>",
            POST,
        )
    with pytest.raises(ParseError, match="longer"):
        parse_clean(f"<cleaned>{POST} {POST}</cleaned>", POST)


def test_persona_formats():
    r = parse_persona(
        "**PERSONA:** She is a shy student who loves music.\n**EVIDENCE:**\n"
        '- "i listened to each like three times"\n* \u201cdumb girls\u201d',
        100,
    )
    assert r == {
        "persona": "She is a shy student who loves music.",
        "evidence": ["i listened to each like three times", "dumb girls"],
        "trimmed": False,
    }
    assert parse_persona("PERSONA: NULL\nEVIDENCE:\n", 100) == {"persona": None, "evidence": []}
    with pytest.raises(ParseError, match="limit is 5"):
        parse_persona('PERSONA: He is a very busy man.\nEVIDENCE:\n- "x"', 5)
    with pytest.raises(ParseError, match="third person"):
        parse_persona('PERSONA: I am a student.\nEVIDENCE:\n- "x"', 100)
    with pytest.raises(ParseError, match="evidence"):
        parse_persona("PERSONA: He likes tea.", 100)
    with pytest.raises(ParseError, match="placeholder"):
        parse_persona('PERSONA: <the persona, or NULL>\nEVIDENCE:\n- "x"', 100)


def test_pii_names_and_helpers():
    assert parse_pii_names('{"full_names": ["Jane Doe", " "]}') == ["Jane Doe"]
    with pytest.raises(ParseError):
        parse_pii_names('{"full_names": "Jane Doe"}')
    assert json_object('x {"a": "}{", "b": {"c": 1}} y') == {"a": "}{", "b": {"c": 1}}
    assert evidence_support(["dumb girls", "a quote that is not there"], [POST]) == 0.5


def test_real_qwen_personas():
    """Qwen2.5-Coder-1.5B on real bloggers: a runaway persona cut by the token limit, a
    retry that starts with EVIDENCE:, and NULL followed by (ignored) evidence."""
    got = []
    for r in FIX:
        if (
            r["model"] == "qwen2.5-1.5b"
            and r["stage"] == "persona"
            and r["note"].startswith("benchmarks/")
        ):
            try:
                got.append(parse_persona(r["text"], 100)["persona"])
            except ParseError as exc:
                got.append(str(exc))
    # the runaway was cut by the token limit with no EVIDENCE block: the cut paragraph
    # is not enough, the reason names the missing evidence
    assert (
        sum(
            g == 'give at least one evidence quote as a line - "quote" after EVIDENCE:' for g in got
        )
        >= 1
    )
    assert any(g == 'the reply must start with "PERSONA:"' for g in got)
    assert got.count(None) == 2


def test_real_qwen_personas_first_prompt_session_2():
    """Qwen2.5-Coder-1.5B, first persona prompt, on three real bloggers: a reply cut
    off inside its second (whole-post) quote keeps the persona and the complete
    quote; NULL with evidence tagged "(Post 6)" stays NULL; a persona without an
    EVIDENCE block is rejected with a reason the retry can use."""
    recs = {
        r["author_id"]: r["text"]
        for r in FIX
        if r["model"] == "qwen2.5-1.5b" and r.get("author_id")
    }
    cut = parse_persona(recs["23676"], 100)
    assert cut["persona"].startswith("She is a dedicated and experienced player")
    assert len(cut["evidence"]) == 1 and cut["evidence"][0].startswith("Hello! BCNM40 runs")
    assert len(cut["evidence"][0].split()) == 40  # kept to MAX_QUOTE_WORDS
    assert parse_persona(recs["26357"], 100) == {"persona": None, "evidence": []}
    with pytest.raises(ParseError, match="evidence quote"):
        parse_persona(recs["48923"], 100)


def test_persona_quote_references_and_cut_off_quotes():
    r = parse_persona(
        'PERSONA: He fixes cars.\nEVIDENCE:\n- "my car has a five speed now." '
        '(Post 6)\n- "I read a book every single day" (posts 2 and 3)\n- "and th'
    )
    assert r["evidence"] == ["my car has a five speed now.", "I read a book every single day"]
    # a single quote cut off by the token limit is kept (there is nothing else)
    assert parse_persona('PERSONA: He fixes cars.\nEVIDENCE:\n- "my car has a fi')["evidence"] == [
        "my car has a fi"
    ]


def test_real_qwen_replies_prompt_2():
    """Qwen2.5-Coder-1.5B on the task-after-posts persona prompt (benchmark run of this
    session): every failure mode gets a reason; the critic's fenced JSON parses; the PII
    pass's non-names are listed (the stage then keeps only name-shaped verbatim ones)."""
    recs = [
        r
        for r in FIX
        if r["model"] == "qwen2.5-1.5b"
        and r["note"].startswith(("prompt 2", "critic prompt 2", "pii prompt"))
    ]
    out = {}
    for r in recs:
        key = r["note"].split(":")[0]
        try:
            out[key] = {
                "persona": lambda s: parse_persona(s, 100),
                "critic": parse_critic,
                "pii": parse_pii_names,
            }[r["stage"]](r["text"])
        except ParseError as exc:
            out[key] = str(exc)
    assert out["prompt 2 (task after the posts), first attempt, author 23676"][
        "persona"
    ].startswith("The person writing these posts")
    # over 100 words and no EVIDENCE block: the cut-to-sentences rule cannot save them
    for a in ("26357", "48428", "48923"):  # 48428 has 102 words
        assert "evidence quote" in out[f"prompt 2, first attempt, author {a}"]
    assert "placeholder" in out["prompt 2, corrective retry, author 26357"]
    assert out["prompt 2, corrective retry, author 48428"] == 'the reply must start with "PERSONA:"'
    assert out["prompt 2, corrective retry, author 48923"] == 'the reply must start with "PERSONA:"'
    assert out["critic prompt 2, author 23676"] == {
        k: 10 for k in ("hallucination", "coverage", "conciseness", "relevance", "overall")
    }
    assert out["pii prompt, author 23676"] == ["The person writing these posts", "Static", "Ni"]


def test_over_long_persona_is_cut_at_its_last_full_sentence():
    runaway = (
        "She is a nurse who works nights. She loves her two cats. "
        + "She is a good friend and always helps others. " * 20
    )
    r = parse_persona(f'PERSONA: {runaway}\nEVIDENCE:\n- "my night shift again"', 40)
    assert r["trimmed"] and len(r["persona"].split()) <= 40
    assert r["persona"].startswith("She is a nurse who works nights. She loves her two cats.")
    assert r["persona"].endswith(".")
    assert trim_to_words("He likes tea.", 40) == ("He likes tea.", False)
    # no sentence end within the limit: a failure with a reason, not a cut word salad
    with pytest.raises(ParseError, match="more than 10 words"):
        parse_persona("PERSONA: " + "word " * 30 + '\nEVIDENCE:\n- "x y z"', 10)
    # a cut leaving fewer than 15 words fails too
    assert trim_to_words("He is. " + "and then some more words " * 10, 20) == (None, False)


def test_drop_unsupported_sentences_removes_invented_numbers_only():
    posts = ["I turned 23 last week and my two cats slept through it."]
    p = (
        "She is a 30-year-old software developer. She turned 23 recently and loves her "
        "cats, writing about them with warmth and a dry sense of humour every single week."
    )
    text, n = drop_unsupported_sentences(p, posts)
    assert n == 1 and text.startswith("She turned 23 recently") and "30" not in text
    assert drop_unsupported_sentences("He likes tea and long walks.", posts) == (
        "He likes tea and long walks.",
        0,
    )
    # nothing sensible left: a failure, not a persona
    assert drop_unsupported_sentences("He is 41. He likes tea.", posts) == (None, 1)
    # a last sentence without a full stop is a sentence too
    text, n = drop_unsupported_sentences(
        "She writes about her cats and her busy week with warmth, humour and some worry. "
        "She was born in 1980",
        posts,
    )
    assert n == 1 and "1980" not in text and text.endswith("worry.")


def test_persona_paragraph_ending_with_the_evidence_heading():
    """Qwen 1.5B wrote 'EVIDENCE:' at the end of the paragraph and again on its own line."""
    from populace.mining.parse import parse_persona

    r = parse_persona(
        "PERSONA: She writes about her week and worries about exams. EVIDENCE:\n"
        'EVIDENCE:\n- "I worry about my exams"'
    )
    assert r["persona"] == "She writes about her week and worries about exams."
    assert r["evidence"] == ["I worry about my exams"]
