"""The shipped converter-built instruments equal a rebuild from the real sources."""

from importlib import resources

import numpy as np

from populace.instruments import load_instrument
from populace.instruments.builders import to_yaml
from populace.reference import load_reference
from tests.conftest import shared


def test_shipped_yrbs2019_is_the_converter_output():
    sps = shared("yrbs", "2019_YRBS_spss_syntax.sps")
    shipped = resources.files("populace.instruments.data").joinpath("yrbs2019.yaml").read_text()
    assert to_yaml("yrbs2019", sps) == shipped


def test_yrbs2019_loads_the_real_national_data_with_weights():
    ins = load_instrument("yrbs2019")
    assert len(ins.items) == 98 and ins.item("Q2").type == "single_choice"
    t = load_reference(
        shared("yrbs", "raw_yrbs_2019.csv"),
        ins,
        weight_column="weight",
        missing="keep",
        max_missing=0.3,
    )
    assert t.log["n_read"] == 13_677 and len(t) > 9_000
    assert t.weights is not None and np.all(t.weights > 0)
    # heights arrive in metres and are binned into the 6 height options
    assert set(np.unique(t.items["Q6"].dropna())) <= {1, 2, 3, 4, 5, 6}
    # the weighted share of female respondents is close to one half
    sex = t.items["Q2"].to_numpy()
    ok = ~np.isnan(sex)
    female = np.average(sex[ok] == 1, weights=t.weights[ok])
    assert 0.45 < female < 0.55
