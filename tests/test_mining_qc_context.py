"""QC method ``context`` (mining/qc_context.py): only the posts a persona prompt will
show are judged, a rejected post leaves and the context is chosen again, and an
author the group stage will drop gets no more LLM work. The stand-in below
answers the QC questions from the post's text (the logic around the model is the
point; the whole pipeline with this method runs in tests/test_mining_pipeline.py
and against SmolLM2 in tests/test_mining_llm.py)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from populace.llm.base import ChoiceResult
from populace.mining.config import MiningConfig
from populace.mining.group import choose_context
from populace.mining.prompts import Templates
from populace.mining.qc_context import COLUMNS, qc_author, qc_context

ASK = re.compile(r"Post (\d+), (quality|harmful) \(")


class QCStandIn:
    """Scores a QC request from the asked post's text: "BAD" -> low quality,
    "HARM" -> harmful, "FAIL" -> an error result; otherwise high and harmless.
    Records which post every request asked about."""

    def __init__(self):
        self.asked: list[tuple[str, str]] = []  # (post text, question)
        self.calls = 0

    def _one(self, req) -> ChoiceResult:
        user = req.messages[-1].content
        n, question = ASK.findall(user)[-1]
        post = re.search(
            rf"Post {n}(?: \([^)]*\))?:\n<<<DATA\n(.*?)\nDATA>>>", user, re.DOTALL
        ).group(1)
        self.asked.append((post, question))
        if "FAIL" in post:
            return ChoiceResult(error="no log-probs")
        k = len(req.keys)
        if question == "quality":  # keys high, medium, low, High, Medium, Low
            probs = [0.0] * k
            probs[2 if "BAD" in post else 0] = 1.0
        else:  # keys yes, no, Yes, No
            probs = [0.0] * k
            probs[0 if "HARM" in post else 1] = 1.0
        return ChoiceResult(probs=tuple(probs), mass=1.0, method="logits")

    def score(self, groups, advance=lambda n: None):
        self.calls += 1
        return [[self._one(r) for r in g] for g in groups]


def _posts(texts, author="a1"):
    return pd.DataFrame(
        {
            "post_id": [f"{author}-{i}" for i in range(len(texts))],
            "author_id": author,
            "date": [f"2004-01-{i + 1:02d}" for i in range(len(texts))],
            "text": texts,
        }
    )


def _cfg(**kw):
    return MiningConfig(**{"min_posts": 2, "max_context_posts": 3, "context_tokens": 4096, **kw})


def _text(i, mark=""):
    return f"post number {i} about my day and what I thought of it {mark}".strip()


def test_a_rejected_post_leaves_and_the_context_is_chosen_again():
    texts = [_text(i) for i in range(7)]
    cfg = _cfg()
    first = choose_context(texts, cfg.posts_budget, cfg.max_context_posts)
    texts[first[1]] = _text(first[1], "BAD")
    sc = QCStandIn()
    rows = {
        r["post_id"]: r
        for r in qc_author(_posts(texts), {"author_id": "a1"}, sc, Templates.load(), cfg)
    }
    bad = f"a1-{first[1]}"
    assert rows[bad]["keep"] is False and rows[bad]["reason"] == "qc_rejected"
    assert rows[bad]["quality"] == "low"
    # the context the group stage will choose from the kept posts was judged, all passed
    kept = [i for i in range(7) if rows[f"a1-{i}"]["keep"]]
    final = [kept[j] for j in choose_context([texts[i] for i in kept], cfg.posts_budget, 3)]
    assert all(rows[f"a1-{i}"]["status"] == "ok" for i in final)
    # every post asked about at most once per question, each judged post twice in all
    assert len(sc.asked) == len(set(sc.asked))
    judged = [r for r in rows.values() if r["status"] == "ok"]
    assert len(sc.asked) == 2 * len(judged)
    # posts never shown stay unjudged and eligible
    unjudged = [r for r in rows.values() if r["status"] == "unjudged"]
    assert unjudged and all(
        r["keep"] and r["attempts"] == 0 and r["reason"] == "" for r in unjudged
    )
    assert sc.calls == 2  # the first context, then the one post that replaced the rejected


def test_no_more_llm_work_once_too_few_posts_are_left():
    """min_posts 4 of 4 posts: one rejection means the group stage will drop the
    author, so the two posts not yet shown are never judged."""
    texts = [_text(0), _text(1), _text(2), _text(3)]
    cfg = _cfg(min_posts=4, max_context_posts=2)
    first = choose_context(texts, cfg.posts_budget, 2)
    texts[first[0]] = _text(first[0], "BAD")
    sc = QCStandIn()
    rows = qc_author(_posts(texts), {"author_id": "a1"}, sc, Templates.load(), cfg)
    assert sc.calls == 1 and len(sc.asked) == 4
    assert [r["status"] for r in rows].count("unjudged") == 2


def test_a_failed_score_rejects_the_post_with_its_error():
    texts = [_text(0, "FAIL"), _text(1), _text(2), _text(3)]
    sc = QCStandIn()
    rows = qc_author(_posts(texts), {"author_id": "a1"}, sc, Templates.load(), _cfg())
    r = rows[0]
    assert r["status"] == "failed" and r["keep"] is False and r["reason"] == "qc_failed"
    assert r["error"] == "no log-probs"
    assert rows[1]["status"] == "ok" and rows[1]["keep"] is True


@pytest.mark.parametrize("require, kept", [(True, False), (False, True)])
def test_harmful_posts_follow_qc_require_harmless(require, kept):
    texts = [_text(0, "HARM"), _text(1), _text(2)]
    rows = qc_author(
        _posts(texts),
        {"author_id": "a1"},
        QCStandIn(),
        Templates.load(),
        _cfg(qc_require_harmless=require),
    )
    assert rows[0]["harmless"] == "no" and rows[0]["keep"] is kept


def test_known_facts_appear_in_every_qc_request():
    sc = QCStandIn()
    seen = []
    orig = sc._one

    def spy(req):
        seen.append(req.messages[-1].content)
        return orig(req)

    sc._one = spy
    meta = {"author_id": "a1", "gender": "female", "age": 23}
    qc_author(_posts([_text(i) for i in range(3)]), meta, sc, Templates.load(), _cfg())
    assert seen and all(
        "Known facts about the author" in s and "a woman; 23 years old" in s for s in seen
    )


def test_qc_context_table_covers_every_kept_post_author_by_author():
    a, b = (
        _posts([_text(i) for i in range(4)], "a1"),
        _posts([_text(i, "BAD") for i in range(3)], "b2"),
    )
    posts = pd.concat([a, b], ignore_index=True)
    cleaned = posts.assign(keep=True)
    cleaned.loc[cleaned["post_id"] == "a1-3", "keep"] = False  # cleaning dropped it
    seen, counted = [], []
    out = qc_context(
        cleaned,
        posts,
        QCStandIn(),
        Templates.load(),
        _cfg(),
        advance=counted.append,
        after_author=lambda author, rows: seen.append((author, sorted(rows["post_id"]))),
    )
    assert list(out.columns) == COLUMNS
    assert sorted(out["post_id"]) == sorted(set(posts["post_id"]) - {"a1-3"})
    assert seen == [("a1", ["a1-0", "a1-1", "a1-2"]), ("b2", ["b2-0", "b2-1", "b2-2"])]
    assert counted == [1, 1]
    assert out["keep"].dtype == bool and out["p_high"].dtype == float
    assert set(out["method"]) == {"context"}
    # b2's posts are all low quality: the first context is judged and rejected,
    # then too few posts are left to choose again
    b_rows = out[out["author_id"] == "b2"]
    assert not b_rows["keep"].any() and set(b_rows["reason"]) == {"qc_rejected"}
