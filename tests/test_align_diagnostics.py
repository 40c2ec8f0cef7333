import numpy as np

from populace.align.diagnostics import Stages, log_spread, spread


def test_spread_of_constant_and_skewed_weights():
    c = spread(np.full(10, 0.1))
    assert c["constant"] and c["relative_range"] == 0 and np.isclose(c["ess"], 10)
    s = spread(np.array([1.0, 0, 0, 0]))
    assert s["zero"] == 3 and s["ess"] == 1 and s["max_over_min"] == float("inf")


def test_log_spread_is_stable():
    d = log_spread(np.array([-1000.0, 0.0, -2000.0]))
    assert d["log_range_nats"] == 2000 and np.isclose(d["ess"], 1.0)


def test_stages_accumulate():
    st = Stages()
    with st("a"):
        pass
    with st("a"):
        pass
    assert set(st.seconds) == {"a"} and st.seconds["a"] >= 0
