"""Per-persona OT weights over persona batches (align/_ot_weights.py), the piece
the paper's aligner and semi_ot share: batches are transported one by one
against the whole reference, each scaled by its share of the persona mass."""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pytest

from populace.align import sinkhorn as S
from populace.align._ot_weights import batched_weights


@pytest.fixture
def data():
    rng = np.random.default_rng(11)
    X = rng.random((30, 3))
    U = rng.random((12, 3))
    w = rng.random(12)
    return X, U, w / w.sum()


def _stages(seen):
    @contextmanager
    def stage(name):
        seen.append(name)
        yield

    return stage


def _expected(X, U, w, a, eps, readout, rho, n_iter, batch):
    out = np.zeros(len(X))
    for b0 in range(0, len(X), batch):
        sl = slice(b0, min(len(X), b0 + batch))
        ab, C = a[sl], S.sq_cost(X[sl], U)
        if readout == "gibbs":
            wb = S.gibbs_weights(C, ab, w, eps)
        else:
            f, g, _ = S.sinkhorn_log(C, ab, w, eps, n_iter, rho)
            rows, match = S.readouts(C, f, g, ab, w, eps)
            wb = rows if readout == "rowsum" else match
        out[sl] = wb * ab.sum()
    return out


@pytest.mark.parametrize("batch", [30, 100, 7])
@pytest.mark.parametrize("readout, rho", [("gibbs", 0.0), ("rowsum", 0.5), ("match", 0.0)])
def test_each_batch_is_transported_alone_and_scaled_by_its_mass(data, batch, readout, rho):
    X, U, w = data
    a = np.random.default_rng(2).random(len(X))
    seen = []
    got, info = batched_weights(X, U, w, a, 0.05, 50, batch, rho, readout, 0, _stages(seen))
    eps = 0.05 * S.median_cost(X, U, 0)
    want = _expected(X, U, w, a / a.sum(), eps, readout, rho, 50, batch)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    n_batches = -(-len(X) // batch)
    assert info["batches"] == n_batches and info["eps"] == pytest.approx(eps)
    assert seen == ["ot_cost", "ot_sinkhorn"] * n_batches
    assert info["readout"] == readout and info["weights"]  # spread summary present


def test_uniform_persona_mass_by_default_and_rowsum_without_rho_is_gibbs(data):
    X, U, w = data
    noop = _stages([])
    uni, _ = batched_weights(X, U, w, None, 0.1, 30, 10, 0.0, "gibbs", 0, noop)
    same, _ = batched_weights(X, U, w, np.full(len(X), 5.0), 0.1, 30, 10, 0.0, "gibbs", 0, noop)
    np.testing.assert_allclose(uni, same)
    rowsum, _ = batched_weights(X, U, w, None, 0.1, 30, 10, 0.0, "rowsum", 0, noop)
    np.testing.assert_allclose(rowsum, uni)


def test_near_personas_outweigh_far_ones_within_a_batch_each_batch_keeps_its_mass():
    """In one batch the personas near the humans take the weight. Across batches
    each batch keeps its share of the persona mass, even one of far personas
    only: batches are comparable only when they are alike (the default batch of
    10,000 holds a whole pool of mined personas)."""
    rng = np.random.default_rng(5)
    U = rng.normal(0.0, 0.1, size=(40, 2))
    near, far = rng.normal(0.0, 0.1, size=(10, 2)), rng.normal(3.0, 0.1, size=(10, 2))
    X = np.vstack([near, far])
    args = (np.full(40, 1 / 40), None, 0.05, 100)
    one, _ = batched_weights(X, U, *args, 20, 0.0, "gibbs", 0, _stages([]))
    assert one[:10].min() > 1e3 * one[10:].max()
    two, _ = batched_weights(X, U, *args, 10, 0.0, "gibbs", 0, _stages([]))
    assert two[:10].sum() == pytest.approx(0.5) and two[10:].sum() == pytest.approx(0.5)
