"""Training recipes of train-embedder (targeting/fine_tune.py)."""

import pytest

from populace.errors import PopulaceError
from populace.targeting.fine_tune import RECIPES, recipe_settings, val_split


def test_paper_recipe_is_table_8_and_overrides_apply():
    p = recipe_settings("paper")
    assert (p["epochs"], p["batch_size"] * p["grad_accum"], p["lr"]) == (2, 32, 6e-6)
    q = recipe_settings(None)
    assert q == RECIPES["quick"] and (q["epochs"], q["batch_size"], q["lr"]) == (1, 8, 2e-5)
    assert recipe_settings("paper", lr=1e-5, epochs=None)["lr"] == 1e-5
    assert recipe_settings("paper", epochs=None)["epochs"] == 2
    with pytest.raises(PopulaceError, match="unknown training recipe 'fast'"):
        recipe_settings("fast")


def test_val_split_is_seeded():
    ids = [f"p{i}" for i in range(10)]
    assert val_split(ids, 0.0, 0) == set()
    a = val_split(ids, 0.2, 1)
    assert len(a) == 2 and a == val_split(ids, 0.2, 1)
