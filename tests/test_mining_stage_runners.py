"""The stage registry's helpers (the stages themselves run in test_mining_pipeline)."""

import pandas as pd

from populace.mining.config import STAGES
from populace.mining.stage_runners import RUNNERS, _facts_counts


def test_registry_covers_every_stage_in_order():
    assert tuple(RUNNERS) == STAGES


def test_facts_counts_count_a_dropped_persona_once():
    df = pd.DataFrame(
        {
            "facts_contradictions": [["gender"], ["gender", "age"], [], ["occupation"]],
            "error": [
                None,
                "contradicts the corpus's facts about the author (gender, age) beyond repair",
                None,
                None,
            ],
        }
    )
    assert _facts_counts(df) == {
        "contradicting": 3,
        "dropped": 1,
        "repaired": 2,
        "gender": 2,
        "age": 1,
        "occupation": 1,
    }
