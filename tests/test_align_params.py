"""align/params.py: every aligner parameter typed and range-checked in one place."""

import math

import pytest

from populace.align import ALIGN_METHODS, method_parameters
from populace.align.params import SPECS, check_params, coerce, spec_of
from populace.errors import PopulaceError


def test_every_parameter_of_every_method_has_a_spec():
    for method in ALIGN_METHODS:
        for name in method_parameters(method):
            assert spec_of(method, name) is not None, (method, name)


@pytest.mark.parametrize(
    "method,params,want",
    [
        ("herding", {"max_repeat": "None"}, {"max_repeat": None}),
        ("herding", {"max_repeat": "null"}, {"max_repeat": None}),
        ("herding", {"bandwidth": None}, {"bandwidth": None}),
        ("herding", {"scales": "0.5,1"}, {"scales": (0.5, 1.0)}),
        ("herding", {"scales": [0.25]}, {"scales": (0.25,)}),
        ("herding", {"scales": 0.5}, {"scales": (0.5,)}),
        ("herding", {"refine": "3", "corr_weight": "0"}, {"refine": 3, "corr_weight": 0.0}),
        ("herding", {"max_reference": 1e4}, {"max_reference": 10000}),
        ("paper", {"bandwidth": "scott", "keep": 1}, {"bandwidth": "scott", "keep": 1.0}),
        ("semi_ot", {"use_is": "true", "rho": "inf"}, {"use_is": True, "rho": math.inf}),
        ("matched", {"max_reference": "None"}, {"max_reference": None}),
    ],
)
def test_values_are_typed(method, params, want):
    assert check_params(method, params, method_parameters(method)) == want


@pytest.mark.parametrize(
    "method,params,text",
    [
        ("herding", {"bandwidth": "nan"}, "bandwidth='nan' (method herding): must be a number > 0"),
        ("herding", {"bandwidth": 0}, "must be a number > 0 or None"),
        ("herding", {"max_reference": 0}, "must be a whole number >= 2 or None"),
        ("herding", {"scales": "abc"}, "scales='abc'"),
        ("herding", {"scales": []}, "scales=[]"),
        ("herding", {"refine": 1.5}, "refine=1.5"),
        ("herding", {"refine": True}, "refine=True"),
        ("herding", {"kernel": "rbf"}, "must be one of gaussian, energy, gaussian+energy"),
        ("herding", {"corr_weight": float("inf")}, "corr_weight=inf"),
        ("paper", {"bandwidth": None}, "must be a number > 0 or 'scott'"),
        ("paper", {"keep": 0}, "keep=0"),
        ("paper", {"n_iter": 0}, "n_iter=0"),
        ("semi_ot", {"use_is": "maybe"}, "must be true or false"),
        ("semi_ot", {"rho": -1}, "rho=-1"),
        ("herding", {"nosuch": 1}, "has no parameter(s) ['nosuch']"),
    ],
)
def test_bad_values_are_one_error(method, params, text):
    with pytest.raises(PopulaceError) as exc:
        check_params(method, params, method_parameters(method))
    assert text in str(exc.value)


def test_coerce_keeps_shared_specs_for_unlisted_methods():
    assert coerce("paper", "reg", "0.1", SPECS["reg"]) == 0.1
