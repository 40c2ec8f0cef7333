import pytest

from populace.errors import PopulaceError
from populace.reference import load_reference
from populace.reference.regions import region_condition, region_countries, regions
from tests.conftest import shared


def test_regions_are_documented_lists():
    assert set(regions()) == {
        "east_asia",
        "north_america",
        "western_europe",
        "paper_east_asia",
        "paper_north_america",
        "paper_europe",
    }
    assert region_countries("North America") == ["United States", "Canada"]
    # the paper's Table 4 regions: Mexico in North America, Europe = DE, NL, UK
    assert region_countries("paper_north_america") == ["United States", "Canada", "Mexico"]
    assert region_countries("paper europe") == ["Germany", "Netherlands", "Great Britain"]


def test_unknown_region():
    with pytest.raises(PopulaceError, match="known regions: east_asia"):
        region_countries("atlantis")


@pytest.mark.parametrize(
    "region",
    [
        "east_asia",
        "north_america",
        "western_europe",
        "paper_east_asia",
        "paper_north_america",
        "paper_europe",
    ],
)
def test_wvs_regions_load_real_data(region):
    for fname, iid in [("wvs_immig.csv", "wvs_e143"), ("wvs_justifbribe.csv", "wvs_f117")]:
        t = load_reference(shared("wvs", fname), iid, where=[region_condition(region)])
        assert set(t.meta["country"]) <= set(region_countries(region))
        assert len(t) > (3000 if region == "paper_europe" else 5000)
        if region.startswith("paper_"):  # every country of the paper's region answers F117;
            # E143 was not asked in the Netherlands and Great Britain in the extract's waves
            want = set(region_countries(region))
            if iid == "wvs_e143" and region == "paper_europe":
                want = {"Germany"}
            assert set(t.meta["country"]) == want
        col = t.items.iloc[:, 0]
        lo, hi = t.instrument.valid_range(t.instrument.items[0])
        assert col.min() >= lo and col.max() <= hi


def test_every_region_country_is_in_the_wvs_data():
    import pandas as pd

    names = set(pd.read_csv(shared("wvs", "wvs_justifbribe.csv"), usecols=["country"])["country"])
    for r, countries in regions().items():
        assert set(countries) <= names, r
