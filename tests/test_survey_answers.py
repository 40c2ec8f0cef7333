"""Answer rules: modes, seeded draws, temperature, parsing generated text."""

from __future__ import annotations

import numpy as np
import pytest

from populace.survey.answers import (
    answer_from_probs,
    cell_rng,
    contrast,
    parse_answer,
    temper,
)

CODES = (1.0, 2.0, 3.0, 4.0, 5.0)
P = (0.1, 0.2, 0.4, 0.2, 0.1)


def test_argmax_and_expected():
    assert answer_from_probs("argmax", P, CODES) == 3.0
    assert answer_from_probs("expected", P, CODES) == pytest.approx(3.0)
    assert answer_from_probs("expected", (0, 0, 0, 0.5, 0.5), CODES) == pytest.approx(4.5)


def test_sample_is_seeded_per_cell_and_keeps_spread():
    a = [
        answer_from_probs("sample", P, CODES, rng=cell_rng(1, f"p{i}", "EXT1")) for i in range(4000)
    ]
    b = [
        answer_from_probs("sample", P, CODES, rng=cell_rng(1, f"p{i}", "EXT1")) for i in range(4000)
    ]
    assert a == b  # same seed, same cells, same draws (run order does not matter)
    share = np.bincount(np.array(a, dtype=int), minlength=6)[1:] / len(a)
    assert np.allclose(share, P, atol=0.03)
    c = [
        answer_from_probs("sample", P, CODES, rng=cell_rng(2, f"p{i}", "EXT1")) for i in range(200)
    ]
    assert c != a[:200]


def test_temperature():
    assert np.allclose(temper(P, 1.0), P)
    cold = temper(P, 0.25)
    assert cold[2] > 0.85 and np.isclose(cold.sum(), 1)
    assert np.allclose(temper(P, 0), [0, 0, 1, 0, 0])
    hot = temper(P, 100.0)
    assert np.allclose(hot, 0.2, atol=0.01)


def test_contrast_exact_values():
    uniform = (0.2,) * 5
    # against a flat no-persona answer, T = 1 gives the persona's probabilities back
    assert np.allclose(contrast(P, uniform, 1.0), P)
    # T = 0.5 squares the ratios p/q = (0.5, 1, 2, 1, 0.5): (0.25, 1, 4, 1, 0.25) / 6.5
    assert np.allclose(contrast(P, uniform, 0.5), np.array([0.25, 1, 4, 1, 0.25]) / 6.5)
    # a persona that answers as the bare model does reads as uniform at any T
    assert np.allclose(contrast(P, P, 0.7), 0.2)
    q = (0.5, 0.25, 0.125, 0.0625, 0.0625)
    ratio = np.array([0.4, 0.8, 1.6, 3.2, 3.2])  # 0.2 / q
    assert np.allclose(contrast(uniform, q, 1.0), ratio / ratio.sum())
    assert np.allclose(contrast(uniform, q, 2.0), np.sqrt(ratio) / np.sqrt(ratio).sum())
    assert np.allclose(contrast(uniform, q, 0), [0, 0, 0, 1, 0])  # first of the tied maxima
    # keep_baseline: q (p/q)^(1/T); T = 1 gives p, T = 0.5 gives q (p/q)^2 renormalised
    assert np.allclose(contrast(P, q, 1.0, keep_baseline=True), P)
    amp = np.array(q) * (np.array(P) / np.array(q)) ** 2
    assert np.allclose(contrast(P, q, 0.5, keep_baseline=True), amp / amp.sum())
    # unnormalised inputs (option mass < 1) are renormalised first
    assert np.allclose(contrast(np.array(P) * 0.5, np.array(uniform) * 0.3, 1.0), P)


def test_contrast_floor_and_shape():
    # an option the bare model rules out (q = 0) is floored at 1e-6, not infinite
    out = contrast((0.5, 0.5), (1.0, 0.0), 1.0)
    assert np.isfinite(out).all() and out[1] == pytest.approx(0.5 / 1e-6 / (0.5 + 0.5 / 1e-6))
    with pytest.raises(ValueError):
        contrast((0.5, 0.5), (0.2, 0.3, 0.5))


def test_parse_answer():
    keys = ("1", "2", "3", "4", "5")
    assert parse_answer("4", keys) == "4"
    assert parse_answer("Answer: 2 (slightly disagree)", keys) == "2"
    assert parse_answer("  5.", keys) == "5"
    assert parse_answer("I would say 7", keys) is None
    assert parse_answer("no idea", keys) is None
    assert parse_answer("", keys) is None and parse_answer(None, keys) is None
    assert parse_answer("3.5", keys) is None
    assert parse_answer("12", ("1", "12")) == "12"


def test_parse_letter_answer():
    keys = ("A", "B", "C", "D", "E")
    assert parse_answer("B", keys) == "B"
    assert parse_answer("(C) 2 or 3 days", keys) == "C"
    assert parse_answer("I think D.", keys) == "D"  # "I" is no key here
    assert parse_answer("F", keys) is None and parse_answer("Bob", keys) is None
    assert parse_answer("1", keys) is None


def test_unknown_mode():
    with pytest.raises(ValueError):
        answer_from_probs("generate", P, CODES)
