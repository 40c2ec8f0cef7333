import pytest

from populace.errors import PopulaceError
from populace.reference import load_reference
from populace.reference.regions import region_condition, region_countries, regions
from tests.conftest import shared


def test_regions_are_documented_lists():
    assert set(regions()) == {"east_asia", "north_america", "western_europe"}
    assert region_countries("North America") == ["United States", "Canada"]


def test_unknown_region():
    with pytest.raises(PopulaceError, match="known regions: east_asia"):
        region_countries("atlantis")


@pytest.mark.parametrize("region", ["east_asia", "north_america", "western_europe"])
def test_wvs_regions_load_real_data(region):
    for fname, iid in [("wvs_immig.csv", "wvs_e143"), ("wvs_justifbribe.csv", "wvs_f117")]:
        t = load_reference(shared("wvs", fname), iid, where=[region_condition(region)])
        assert set(t.meta["country"]) <= set(region_countries(region))
        assert len(t) > 5000
        col = t.items.iloc[:, 0]
        lo, hi = t.instrument.valid_range(t.instrument.items[0])
        assert col.min() >= lo and col.max() <= hi


def test_every_region_country_is_in_the_wvs_data():
    import pandas as pd

    names = set(pd.read_csv(shared("wvs", "wvs_justifbribe.csv"), usecols=["country"])["country"])
    for r, countries in regions().items():
        assert set(countries) <= names, r
