"""Figure 1: each trait's distribution per set against the humans, on real
IPIP-50 answers; the weighted density it draws."""

from __future__ import annotations

import numpy as np
import pytest

from populace.pipeline.paper_figures import trait_distributions, weighted_density

PNG = b"\x89PNG\r\n\x1a\n"


def test_weighted_density_integrates_to_one_and_weighs_rows():
    grid = np.linspace(-30, 50, 8001)
    x = np.array([0.0, 20.0])
    d = weighted_density(x, np.array([3.0, 1.0]), grid)
    step = grid[1] - grid[0]
    assert d.sum() * step == pytest.approx(1.0, abs=1e-3)
    # the weights count: the density's mean is the weighted mean (3 x 0 + 1 x 20) / 4
    assert (grid * d).sum() * step == pytest.approx(5.0, abs=0.05)
    assert d[np.argmin(abs(grid))] > 2 * d[np.argmin(abs(grid - 20))]
    # the bandwidth follows the effective size: weights 3:1 are not 4 independent rows
    rep = weighted_density(np.array([0.0, 0.0, 0.0, 20.0]), np.ones(4), grid)
    assert d.max() < rep.max()
    # a constant sample is a narrow spike, not a division by zero
    spike = weighted_density(np.full(5, 1.0), np.ones(5), grid)
    assert np.isfinite(spike).all() and grid[spike.argmax()] == pytest.approx(1.0, abs=0.01)


def test_figure1_on_real_answers(big5):
    x, w, cols = big5.subset(np.arange(4000)).matrix("traits")
    human = x[:3000]
    sets = {
        "aligned": (x[3000:3100], np.arange(1, 101.0)),
        "narrow": (np.clip(x[3100:3200], 2.5, 3.5), None),
        "constant": (np.full((10, x.shape[1]), 3.0), np.ones(10)),
        "empty": (np.zeros((0, x.shape[1])), np.ones(0)),
    }
    png = trait_distributions(human, sets, cols, "Figure 1")
    assert png.startswith(PNG) and len(png) > 20_000
    assert trait_distributions(None, {"aligned": sets["aligned"]}, cols, "t").startswith(PNG)
