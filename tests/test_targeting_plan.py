"""The seed plan, size rules and output tables of a target set (targeting/plan.py)."""

import numpy as np
import pytest

from populace.errors import PopulaceError
from populace.targeting.plan import MAX_PER_SEED, check_sizes, seed_plan, slugify, tables
from populace.targeting.pool import Pool


def test_seed_plan_round_robin_in_similarity_order():
    plan = seed_plan([(4, 0.9), (1, 0.5)], 5)
    assert plan == [(4, 0.9, 0), (1, 0.5, 0), (4, 0.9, 1), (1, 0.5, 1), (4, 0.9, 2)]


def test_sizes():
    assert check_sizes(5, None, 3) == 3 and check_sizes(2, None, 30) == 2
    with pytest.raises(PopulaceError, match="larger than the pool"):
        check_sizes(2, 4, 3)
    with pytest.raises(PopulaceError, match=f"more than {MAX_PER_SEED} x top-k"):
        check_sizes(MAX_PER_SEED + 1, 1, 3)


def test_slug_and_tables_unrevised():
    assert slugify("US high-school students!") == "us-high-school-students"
    assert slugify("???").startswith("q-")
    pool = Pool(["a", "b"], ["text a", "text b"], np.array([1.0, 2.0]), "personas")
    frame, fails = tables([(1, 0.8, 0), (0, 0.6, 0)], ["t0", "t1"], pool, "q", None)
    assert frame["persona"].tolist() == ["text b", "text a"] and fails.empty
    assert frame["seed_weight"].tolist() == [2.0, 1.0] and not frame["revised"].any()
