"""The GBNF grammars of the mining stages: they compile in llama.cpp, real SmolLM2
replies under them always have the stage's shape, and requests without a
grammar keep their old cache keys."""

from __future__ import annotations

import re

import pytest

from populace.llm.base import GenerateRequest, Message
from populace.mining import Templates, grammars
from populace.mining.parse import ParseError, parse_critic, parse_persona, parse_pii_names, parse_qc
from populace.mining.prompts import fence, format_posts
from tests._mining_helpers import smol

POSTS = [
    "I finally finished my thesis today and I am so tired. My mom called and we "
    "talked for an hour about my little brother's soccer games.",
    "We went hiking again this weekend. I love the mountains in October, and my "
    "dog Biscuit loves them even more.",
]
PERSONA_SHAPE = re.compile(r'PERSONA: (NULL|[^\n<>]{20,700}\nEVIDENCE:\n- ")')


def test_every_grammar_compiles_in_llama_cpp():
    from llama_cpp import LlamaGrammar

    for g in (
        grammars.persona(100),
        grammars.persona(5),
        grammars.CRITIC,
        grammars.QC,
        grammars.PII,
    ):
        assert LlamaGrammar.from_string(g, verbose=False) is not None


def _gen(messages, grammar, max_tokens):
    r = GenerateRequest(messages=messages, max_tokens=max_tokens, grammar=grammar)
    out = smol().generate([r])[0]
    assert out.ok, out.error
    return out.text


def test_real_smollm2_replies_follow_the_grammars():
    t = Templates.load()
    posts = format_posts(POSTS, ["2004-05-01", "2004-05-08"])
    # critic, qc and pii: the reply always parses (SmolLM2 alone almost never did)
    c = _gen(
        t.messages("critic", posts=posts, persona=fence("She is a graduate student.")),
        grammars.CRITIC,
        60,
    )
    assert set(parse_critic(c)) == {
        "hallucination",
        "coverage",
        "conciseness",
        "relevance",
        "overall",
    }
    q = _gen(t.messages("qc", post=fence(POSTS[0])), grammars.QC, 30)
    assert parse_qc(q)["quality"] in ("high", "medium", "low")
    p = _gen(t.messages("pii", text=fence("She lives with her dog Biscuit.")), grammars.PII, 40)
    assert isinstance(parse_pii_names(p), list)
    # persona: the shape is fixed; what is left to the parser is content
    s = _gen(t.messages("persona", posts=posts, max_words=100), grammars.persona(100), 240)
    assert PERSONA_SHAPE.match(s), s
    assert s.startswith("PERSONA: NULL") or '\nEVIDENCE:\n- "' in s, s
    try:
        r = parse_persona(s, 100)
        assert r["persona"] is None or len(r["persona"].split()) <= 100
    except ParseError as exc:  # content, never format
        assert "PERSONA:" not in str(exc) and "placeholder" not in str(exc), exc


def test_grammar_is_part_of_the_cache_key_only_when_set():
    m = (Message("user", "hi"),)
    assert "grammar" not in GenerateRequest(m).key_payload()
    assert GenerateRequest(m, grammar=grammars.QC).key_payload()["grammar"] == grammars.QC


def test_invalid_grammar_is_a_clear_error():
    from populace.errors import PopulaceError

    with pytest.raises(PopulaceError, match="GBNF"):
        smol().generate([GenerateRequest((Message("user", "hi"),), grammar="root ::= (")])
