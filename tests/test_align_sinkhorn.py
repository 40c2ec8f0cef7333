import numpy as np
import ot
import pytest

from populace.align.sinkhorn import gibbs_weights, readouts, sinkhorn_log, sq_cost


@pytest.fixture(scope="module")
def problem(big5):
    T = big5.trait_scores().to_numpy()
    X, Y = (T[:300] - 1) / 4, (T[300:700] - 1) / 4
    return sq_cost(X, Y), np.ones(300), np.random.default_rng(0).random(400) + 0.5


@pytest.mark.filterwarnings("ignore:Sinkhorn did not converge")
def test_matches_pot_and_row_sums_are_constant(problem):
    C, a, b = problem
    eps = 0.05 * np.median(C)
    f, g, _ = sinkhorn_log(C, a, b, eps, 250)
    rows, match = readouts(C, f, g, a, b, eps)
    G = ot.sinkhorn(
        a / a.sum(), b / b.sum(), C, eps, method="sinkhorn_log", numItermax=250, stopThr=0
    )
    assert np.allclose(rows, G.sum(1), atol=1e-12)
    assert (rows.max() - rows.min()) / rows.mean() < 1e-9  # the paper's readout
    assert np.isclose(match.sum(), 1.0) and match.std() > 0


@pytest.mark.parametrize("reg", [10.0, 1e-2, 1e-4, 1e-8])
def test_no_nan_or_inf_for_any_regularisation(problem, reg):
    C, a, b = problem
    eps = reg * np.median(C)
    for rho in (np.inf, 1.0, 0.0):
        f, g, _ = sinkhorn_log(C, a, b, eps, 40, rho)
        rows, match = readouts(C, f, g, a, b, eps)
        assert np.isfinite(f).all() and np.isfinite(g).all() and np.isfinite(rows).all()
    assert np.isfinite(gibbs_weights(C, a, b, eps)).all()


def test_free_persona_marginal_is_the_gibbs_column_normalisation(problem):
    C, a, b = problem
    eps = 0.1 * np.median(C)
    f, g, _ = sinkhorn_log(C, a, b, eps, 5, rho=0.0)
    rows, _ = readouts(C, f, g, a, b, eps)
    assert np.allclose(rows, gibbs_weights(C, a, b, eps))
    assert rows.std() > 0 and np.isclose(rows.sum(), 1.0)
