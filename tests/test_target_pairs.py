from populace.target import load_embedder
from populace.target.pairs import candidate_negatives, check_negatives, write_queries
from populace.target.prompts import Templates
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
    assert first["persona_id"].iloc[0] == "h02"    # the retired nurse is the hardest negative
    again = candidate_negatives(q, ids, emb.encode(texts), emb, hard=2, random=2, seed=1)
    assert again.equals(cands)                     # random negatives are seeded
    owner = dict(zip(q["query_id"], q["persona_id"]))
    checked = check_negatives(Scripted(yes_words=("Maine",)), cands, dict(POOL),
                              Templates.load(), owner_of=owner)
    assert not checked[checked["persona_id"] == "h02"]["kept"].any()
    assert checked["p_yes"].between(0, 1).all() and checked["p_yes_positive"].notna().all()
    assert (checked["kept"] == (checked["p_yes"] < checked["p_yes_positive"])).all()
    plain = check_negatives(Scripted(yes_words=("Maine",)), cands, dict(POOL),
                            Templates.load(), rule="absolute", yes_threshold=0.95)
    assert (plain["kept"] == (plain["persona_id"] != "h02")).all()
