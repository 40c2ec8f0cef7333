from populace.targeting import load_embedder
from populace.targeting.pairs import candidate_negatives, check_negatives, write_queries
from populace.targeting.prompts import Templates
from tests._target_helpers import POOL
from tests._target_standin import Scripted


def test_candidates_are_hard_then_random_and_never_the_positive():
    emb = load_embedder("minilm")
    ids, texts = [p for p, _ in POOL], [t for _, t in POOL]
    q = write_queries(Scripted(), ids[:2], texts[:2], Templates.load())
    assert q["ok"].all() and list(q["kind"]) == ["detailed", "broad"] * 2
    q.loc[0, "query"] = "retired nurses who knit"
    cands = candidate_negatives(q, ids, emb.encode(texts), emb, hard=2, random=2, seed=1)
    first = cands[cands["query_id"] == q.loc[0, "query_id"]]
    assert list(first["source"]) == ["hard", "hard", "random", "random"]
    assert "h01" not in set(first["persona_id"])  # the query's own persona
    assert first["persona_id"].iloc[0] == "h02"  # the retired nurse is the hardest negative
    again = candidate_negatives(q, ids, emb.encode(texts), emb, hard=2, random=2, seed=1)
    assert again.equals(cands)  # random negatives are seeded
    owner = dict(zip(q["query_id"], q["persona_id"]))
    checked = check_negatives(
        Scripted(yes_words=("Maine",)), cands, dict(POOL), Templates.load(), owner_of=owner
    )
    assert not checked[checked["persona_id"] == "h02"]["kept"].any()
    assert checked["p_yes"].between(0, 1).all() and checked["p_yes_positive"].notna().all()
    assert (checked["kept"] == (checked["p_yes"] < checked["p_yes_positive"])).all()
    plain = check_negatives(
        Scripted(yes_words=("Maine",)),
        cands,
        dict(POOL),
        Templates.load(),
        rule="absolute",
        yes_threshold=0.95,
    )
    assert (plain["kept"] == (plain["persona_id"] != "h02")).all()


class _Recording:
    """Records every choice_probs batch; P(Yes) is a function of the prompt."""

    def __init__(self):
        self.batches = []

    def choice_probs(self, requests):
        from populace.llm.base import ChoiceResult

        self.batches.append([r.messages[-1].content for r in requests])
        return [
            ChoiceResult(
                probs=(len(r.messages[-1].content) % 97 / 100, 0.0), mass=1.0, method="standin"
            )
            for r in requests
        ]


def test_checks_go_persona_by_persona_and_come_back_in_order():
    from populace.targeting.calls import yes_probability

    tpl = Templates.load()
    text_of = dict(POOL)
    ids = list(text_of)[:3]
    pairs = [(f"query {i}", ids[i % 3]) for i in range(10)]
    msgs = [tpl.messages("negative_check", query=q, persona=text_of[p]) for q, p in pairs]
    rec = _Recording()
    got = yes_probability(rec, msgs, batch_size=2, groups=[p for _, p in pairs])
    # the persona comes first in the prompt, so a batch shares it as its prefix
    body = msgs[0][-1].content
    assert body.index(text_of[ids[0]]) < body.index("query 0")
    for batch in rec.batches:
        assert len({next(t for t in text_of.values() if t in m) for m in batch}) == 1
    assert [len(b) for b in rec.batches] == [2, 2, 2, 1, 2, 1]  # 4 + 3 + 3 checks
    assert got == [len(m[-1].content) % 97 / 100 for m in msgs]  # original order
