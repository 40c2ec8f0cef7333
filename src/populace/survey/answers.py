"""Turning model outputs into answers: modes, seeded draws, parsing generated text."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

MODES = ("sample", "expected", "argmax", "generate")
CONTRAST_FLOOR = 1e-6  # smallest option probability a contrastive readout takes the log of
_NUMBER = re.compile(r"(?<![\d.])(\d+)(?![\d.]\d)")
_LETTER = re.compile(r"(?<![A-Za-z])([A-Z])(?![A-Za-z])")


def cell_rng(seed: int, persona_id: str, item_id: str, draw: int = 0) -> np.random.Generator:
    """A generator that depends only on (seed, persona, item, draw): resume-proof."""
    h = hashlib.sha256(f"{persona_id}\x00{item_id}".encode()).digest()
    words = [int.from_bytes(h[i : i + 4], "little") for i in range(0, 16, 4)]
    return np.random.default_rng(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, draw, *words]))


def temper(probs: Sequence[float], temperature: float) -> np.ndarray:
    """p^(1/T), renormalised; T=1 leaves p as is, T->0 approaches argmax."""
    p = np.asarray(probs, dtype=float)
    if temperature == 1.0:
        return p / p.sum()
    if temperature <= 0:
        out = np.zeros_like(p)
        out[int(np.argmax(p))] = 1.0
        return out
    with np.errstate(divide="ignore"):
        lp = np.log(p) / temperature
    lp -= lp.max()
    q = np.exp(lp)
    return q / q.sum()


def contrast(
    probs: Sequence[float],
    baseline: Sequence[float],
    temperature: float = 1.0,
    *,
    keep_baseline: bool = False,
    floor: float = CONTRAST_FLOOR,
) -> np.ndarray:
    """softmax((log p - log q) / T): the option probabilities ``p`` given the persona
    against ``q``, the same item's with no persona (both renormalised over the
    options; each probability floored at ``floor`` so an option the model rules out
    in either prompt keeps a finite log). Amplifies what the persona changes;
    T -> 0 approaches the option whose probability the persona raised most.

    ``keep_baseline``: softmax(log q + (log p - log q) / T), i.e. q * (p/q)^(1/T):
    the persona's change amplified on top of the bare model's answer (T = 1 gives
    p back) instead of replacing it."""
    p = np.asarray(probs, dtype=float)
    q = np.asarray(baseline, dtype=float)
    if p.shape != q.shape:
        raise ValueError(f"{p.shape[0]} option probabilities but {q.shape[0]} baseline ones")
    lq = np.log(np.maximum(q / q.sum(), floor))
    d = np.log(np.maximum(p / p.sum(), floor)) - lq
    if temperature <= 0:
        out = np.zeros_like(d)
        out[int(np.argmax(d))] = 1.0
        return out
    d = d / temperature + (lq if keep_baseline else 0.0)
    d -= d.max()
    e = np.exp(d)
    return e / e.sum()


def answer_from_probs(
    mode: str,
    probs: Sequence[float],
    codes: Sequence[float],
    *,
    rng: np.random.Generator | None = None,
    temperature: float = 1.0,
) -> float:
    c = np.asarray(codes, dtype=float)
    if mode == "argmax":
        return float(c[int(np.argmax(probs))])
    p = temper(probs, temperature)
    if mode == "expected":
        return float((p * c).sum())
    if mode == "sample":
        assert rng is not None
        u = rng.random()
        idx = int(np.searchsorted(np.cumsum(p), u, side="right"))
        return float(c[min(idx, len(c) - 1)])
    raise ValueError(f"mode {mode!r} has no probability rule")


def parse_answer(text: str | None, keys: Sequence[str]) -> str | None:
    """The first number in the text, if it is one of the answer keys; else None.
    With letter keys (A, B, ...): the first capital letter standing alone that is a
    key ("B", "B.", "(B) Always"; the "I" of "I think" is no key below nine options)."""
    if not text:
        return None
    if keys and keys[0].isalpha():
        m = next((m for m in _LETTER.finditer(text) if m.group(1) in keys), None)
        return m.group(1) if m else None
    m = _NUMBER.search(text)
    if m is None:
        return None
    k = str(int(m.group(1)))
    return k if k in keys else None
