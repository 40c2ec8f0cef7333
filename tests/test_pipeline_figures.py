"""Each report figure is a PNG, also for degenerate inputs (one set, no humans,
constant columns, no pool weights)."""

from __future__ import annotations

import numpy as np

from populace.pipeline import figures as F

PNG = b"\x89PNG\r\n\x1a\n"


def test_figures_are_pngs():
    rng = np.random.default_rng(0)
    human = rng.normal(3, 1, (300, 3))
    sets = {
        "aligned": (rng.normal(3, 1, (10, 3)), np.arange(1, 11.0)),
        "flat": (np.full((5, 3), 2.0), np.ones(5)),
    }
    rows = [
        {"set": s, "metric": m, "value": 1.0, "ci_low": 0.8, "ci_high": 1.3, "floor": 0.5}
        for s in sets
        for m in ("amw", "sw")
    ]
    rows.append(
        {"set": "x", "metric": "amw", "value": 2.0, "ci_low": None, "ci_high": None, "floor": None}
    )
    figs = [
        F.metric_bars(rows, "t"),
        F.trait_scatter(
            human[:, :2], {k: (x[:, :2], w) for k, (x, w) in sets.items()}, ("A", "B"), "t"
        ),
        F.trait_scatter(None, {"aligned": sets["aligned"]}, ("A", "B"), "t"),
        # every set of a full evaluation: panels in rows of five
        F.trait_scatter(
            human[:, :2],
            {f"set{i}": (rng.normal(3, 1, (8, 2)), np.ones(8)) for i in range(12)},
            ("A", "B"),
            "t",
        ),
        F.marginals(human, sets, ["A", "B", "C"], "t"),
        F.marginals(None, sets, ["A", "B", "C"], "t"),
        F.corr_heatmaps(human, sets, ["A", "B", "C"], "t"),
        F.weights_plot(rng.random(20), [1, 1, 2], 3.2, "t"),
        F.weights_plot(None, [1, 1], None, "t"),
    ]
    for f in figs:
        assert f.startswith(PNG) and len(f) > 2000


def test_correlations_of_a_constant_column_are_missing_not_plus_minus_one():
    # a column constant up to the centring's rounding (as the no-persona model at
    # temperature 0 answers): its correlations are undefined, drawn grey
    x = np.column_stack([np.full(100, 3.4), np.linspace(1, 5, 100), np.full(100, 2.4)])
    c = F._wcorr(x, np.random.default_rng(1).random(100))
    assert np.isnan(c[0, 1]) and np.isnan(c[1, 2]) and np.isnan(c[0, 2])
    assert (np.diag(c) == 1).all()
    y = np.random.default_rng(2).normal(size=(50, 3))
    assert np.allclose(F._wcorr(y, np.ones(50)), np.corrcoef(y.T))
