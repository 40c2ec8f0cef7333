"""PII detection and rewrite: only the detected spans change; plus the LLM name pass."""

import json
import re

import pandas as pd

from populace.mining import MiningConfig, Templates
from populace.mining.llm import StageCaller
from populace.mining.pii import detect, fake, luhn_ok, pii, rewrite
from tests._mining_helpers import smol

TEXT = (
    "She moved to 1428 Elm Street last year. Mail her at jane.doe@gmail.com or call "
    "(415) 555-2671; her card 4539 1488 0343 6467 was stolen. Her boss Mr. Robert Smith "
    "is strict. She loves cats, 1990s music and the number 12345."
)


def test_detect_types():
    kinds = [k for _, _, k in detect(TEXT)]
    assert kinds == ["address", "email", "phone", "card", "name"]
    assert luhn_ok("4539148803436467") and not luhn_ok("4539148803436468")
    assert detect("Born in 1990, 12345 steps, 3 cats.") == []


def test_rewrite_changes_only_the_spans():
    new, recs = rewrite(TEXT)
    assert "jane.doe@gmail.com" not in new and "Robert Smith" not in new
    assert "1428 Elm Street" not in new and "4539" not in new and "555-2671" not in new
    # everything outside the spans is byte-identical, in order
    pieces = re.split("|".join(re.escape(r["replacement"]) for r in recs), new)
    orig_spans = detect(TEXT)
    outside, pos = [], 0
    for s, e, _ in orig_spans:
        outside.append(TEXT[pos:s])
        pos = e
    outside.append(TEXT[pos:])
    assert pieces == outside
    for r in recs:
        assert new[r["start"] : r["end"]] == r["replacement"]
        assert "original" not in r
    assert rewrite("Nothing personal here.") == ("Nothing personal here.", [])
    assert fake("name", "Robert Smith") == fake("name", "Robert Smith")


def test_llm_names_must_occur_verbatim():
    text = "Her friend Anna Lee visits often. Anna likes tea."
    new, recs = rewrite(text, ["Anna Lee", "Nobody Here", "tea party"])
    assert "Anna Lee" not in new and new.endswith(" visits often. Anna likes tea.")
    assert [r["type"] for r in recs] == ["name"]


def test_pii_stage_with_smollm2(tmp_path):
    from populace.llm.cache import CachedBackend, CallCache

    crit = pd.DataFrame({"author_id": ["a1"], "keep": [True]})
    pers = pd.DataFrame(
        {
            "author_id": ["a1"],
            "persona": ["She works in advertising. Email her at amy@example.org."],
            "evidence": [["I met Tom Baker at 22 Oak Road yesterday"]],
        }
    )
    cfg = MiningConfig(pii_max_tokens=16, max_attempts=1)
    b = CachedBackend(smol(), CallCache(tmp_path / "c.sqlite"))
    caller = StageCaller(b, "pii", max_attempts=1)
    out = pii(crit, pers, caller, Templates.load(), cfg)
    row = out.iloc[0]
    assert row["pii_flag"] and {"email", "address"} <= set(row["pii_types"].split(","))
    assert row["persona"].startswith("She works in advertising. Email her at ")
    assert "amy@example.org" not in row["persona"] and "22 Oak Road" not in row["evidence"][0]
    assert row["pii_llm_status"] in ("ok", "failed")
    assert caller.stats["requests"] == 1 and caller.stats["tokens_exact"]
    json.loads(row["pii_spans"])
