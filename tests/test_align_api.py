import importlib

import numpy as np
import pytest

from populace.errors import PopulaceError
from tests.align_data import parts  # noqa: F401

A = importlib.import_module("populace.align")  # the package: populace.align is the function


def test_registry_and_parameters():
    assert list(A.ALIGN_METHODS) == ["random", "paper", "semi_ot", "matched", "herding"]
    assert A.DEFAULT_METHOD in A.ALIGN_METHODS
    p = A.method_parameters("paper")
    assert p["bandwidth"] == 0.2 and p["keep"] == 0.7 and p["n_iter"] == 250
    assert p["batch_size"] == 10_000
    with pytest.raises(PopulaceError, match="unknown alignment method"):
        A.method_parameters("nope")


def test_default_align_result_and_diagnostics(parts):
    pool, ref, _ = parts
    res = A.align(pool, ref, n=100, seed=0)
    assert res.method == A.DEFAULT_METHOD and res.k == 100
    frame = res.to_frame()
    assert list(frame.columns[:2]) == ["persona_id", "weight"]
    assert np.isclose(frame["weight"].sum(), 1.0)
    d = res.diagnostics
    assert {"prepare", "kernel_mean", "greedy"} <= set(d["stages_seconds"])
    assert d["sizes"]["pool"] == 800 and d["sizes"]["k"] == 100
    assert set(d["in_sample_metrics"]["after"]) == {"amw", "fd", "sw", "mmd", "corr_mae"}
    assert d["output"]["ess"] <= 100


def test_same_inputs_same_output_arrays(parts):
    pool, ref, _ = parts
    X = pool.items.to_numpy()
    Y = ref.items.to_numpy()
    for m in ("random", "paper", "semi_ot", "matched", "herding"):
        a = A.align(X, Y, "ipip50", n=40, method=m, seed=9, in_sample=False)
        b = A.align(X, Y, "ipip50", n=40, method=m, seed=9, in_sample=False)
        assert np.array_equal(a.indices, b.indices) and np.array_equal(a.counts, b.counts)


def test_unknown_parameter(parts):
    pool, ref, _ = parts
    with pytest.raises(PopulaceError, match="has no parameter"):
        A.align(pool, ref, n=10, method="random", bandwidth=3)
