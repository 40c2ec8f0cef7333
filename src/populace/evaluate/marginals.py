"""Per-item metrics on answer-option distributions (marginals), for categorical and
ordinal items: group targeting (YRBS, WVS) and any instrument whose human data
leaves whole rows incomplete, where item-space metrics would drop respondents.

For one item, ``p`` (synthetic) and ``q`` (human) are distributions over the
same option codes:

- TV, total variation: ``0.5 * sum |p - q|``; defined for every item and the
  only metric for nominal items (codes without order, e.g. sex, grade with an
  "ungraded" option).
- W1, Wasserstein-1 between the two distributions on the option codes scaled
  to [0, 1] (so an item with 10 options weighs as much as one with 4); ordinal
  items only.

The paper's point-cloud metrics (Hu et al., arXiv:2509.10127: AMW, FD, SW,
MMD) are computed per ordinal item on the same two distributions, on the codes
scaled to [0, 1] (:func:`item_metrics`): in one dimension AMW and SW both equal
W1; FD is the Frechet distance of the fitted Gaussians, (mu_p - mu_q)^2 +
(sd_p - sd_q)^2; MMD is the squared maximum mean discrepancy of the two
distributions on the option grid, (p - q)' K (p - q), with the Gaussian kernel
K whose bandwidth is the median distance between two human answers (the median
heuristic on the human distribution, fixed per item so every set is scored with
the same kernel; 1/(K - 1) when that median is 0).

A set's score is the mean over its items (TV over all, W1, FD and MMD over
ordinal ones).
Blank answers are dropped per item, so a respondent who skipped one item still
counts for the others. Pure numpy; no LLM, survey or CLI code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def shares(answers, codes, weights=None) -> np.ndarray:
    """Weighted share of each code among the non-missing ``answers`` (NaN = blank)."""
    x = np.asarray(answers, float)
    w = np.ones(len(x)) if weights is None else np.asarray(weights, float)
    ok = ~np.isnan(x)
    x, w = x[ok], w[ok]
    if not len(x) or w.sum() <= 0:
        raise ValueError("no answers to count")
    return np.array([w[x == c].sum() for c in codes]) / w.sum()


def item_distances(p, q, codes, nominal: bool) -> tuple[float, float | None]:
    """(TV, W1) of two option distributions; W1 is None for a nominal item."""
    p, q, codes = np.asarray(p, float), np.asarray(q, float), np.asarray(codes, float)
    if p.shape != q.shape or p.shape != codes.shape:
        raise ValueError("p, q and codes need one entry per option")
    tv = 0.5 * float(np.abs(p - q).sum())
    if nominal:
        return tv, None
    span = (codes.max() - codes.min()) or 1.0
    cp, cq = np.cumsum(p), np.cumsum(q)
    return tv, float(np.sum(np.abs(cp - cq)[:-1] * np.diff(codes)) / span)


def mean_score(dists: Mapping[str, tuple[float, float | None]]) -> tuple[float, float]:
    """(mean TV over items, mean W1 over ordinal items; NaN when there are none)."""
    tv = float(np.mean([d[0] for d in dists.values()]))
    w1 = [d[1] for d in dists.values() if d[1] is not None]
    return tv, (float(np.mean(w1)) if w1 else float("nan"))


def set_score(
    probs: Mapping[str, np.ndarray],
    refs: Mapping[str, tuple],
    nominal: set,
    rows: Sequence[int] | None = None,
) -> tuple[float, float]:
    """Score of a synthetic set: ``probs[item]`` is (n personas, n options) option
    probabilities, the set's distribution their mean; ``refs[item]`` starts with
    (codes, human shares). ``rows`` picks personas (a bootstrap resample)."""
    d = {}
    for item, ref in refs.items():
        codes, q = ref[0], ref[1]
        p = np.asarray(probs[item], float)
        p = p if rows is None else p[np.asarray(rows)]
        d[item] = item_distances(p.mean(0), q, codes, item in nominal)
    return mean_score(d)


def noise_floor(
    refs: Mapping[str, tuple], nominal: set, n: int, rng, repeats: int = 200
) -> np.ndarray:
    """Mean (TV, W1) of ``n`` humans drawn (by weight) from each item's answers against
    all of them: what a perfect synthetic set of ``n`` would score. ``refs[item]`` is
    (codes, shares, answers without blanks, weights)."""
    vals = []
    for _ in range(repeats):
        d = {}
        for item, (codes, q, x, w) in refs.items():
            pick = x[rng.choice(len(x), size=n, p=np.asarray(w) / np.sum(w))]
            emp = np.array([(pick == c).mean() for c in codes])
            d[item] = item_distances(emp, q, codes, item in nominal)
        vals.append(mean_score(d))
    return np.array(vals).mean(0)


#: the per-item metrics of :func:`set_scores`, in order
SCORES = ("tv", "w1", "fd", "mmd")


def _scaled(codes) -> np.ndarray:
    c = np.asarray(codes, float)
    span = (c.max() - c.min()) or 1.0
    return (c - c.min()) / span


def bandwidth(q, codes) -> float:
    """Median distance between two answers drawn from ``q`` (codes scaled to [0, 1]);
    the grid step when that median is 0 (one dominant answer)."""
    x = _scaled(codes)
    d = np.abs(x[:, None] - x[None, :]).ravel()
    w = (np.asarray(q, float)[:, None] * np.asarray(q, float)[None, :]).ravel()
    order = np.argsort(d, kind="stable")
    cum = np.cumsum(w[order])
    med = float(d[order][np.searchsorted(cum, 0.5 * cum[-1])])
    return med if med > 0 else 1.0 / max(1, len(x) - 1)


def item_metrics(p, q, codes, h: float | None = None) -> dict[str, float]:
    """AMW, FD, SW and MMD of two option distributions of an ordinal item (codes
    scaled to [0, 1]; ``h`` the kernel bandwidth, default :func:`bandwidth` of q)."""
    p, q, x = np.asarray(p, float), np.asarray(q, float), _scaled(codes)
    w1 = item_distances(p, q, codes, False)[1]
    mp, mq = float(p @ x), float(q @ x)
    sp = float(np.sqrt(max(0.0, p @ (x - mp) ** 2)))
    sq = float(np.sqrt(max(0.0, q @ (x - mq) ** 2)))
    h = bandwidth(q, codes) if h is None else h
    k = np.exp(-((x[:, None] - x[None, :]) ** 2) / (2 * h * h))
    diff = p - q
    return {
        "amw": w1,
        "fd": (mp - mq) ** 2 + (sp - sq) ** 2,
        "sw": w1,
        "mmd": max(0.0, float(diff @ k @ diff)),
    }


def _scores(dists: Mapping[str, np.ndarray], refs, nominal) -> np.ndarray:
    """Mean (TV, W1, FD, MMD) over items; ``dists[item]`` is the synthetic distribution."""
    tv, w1, fd, mm = [], [], [], []
    for item, p in dists.items():
        codes, q = refs[item][0], refs[item][1]
        t, w = item_distances(p, q, codes, item in nominal)
        tv.append(t)
        if item not in nominal:
            m = item_metrics(p, q, codes)
            w1.append(w)
            fd.append(m["fd"])
            mm.append(m["mmd"])
    mean = [float(np.mean(v)) if v else float("nan") for v in (tv, w1, fd, mm)]
    return np.array(mean)


def set_scores(
    probs: Mapping[str, np.ndarray],
    refs: Mapping[str, tuple],
    nominal: set,
    rows: Sequence[int] | None = None,
) -> np.ndarray:
    """(TV, W1, FD, MMD) of a synthetic set, each the mean over its items (TV over
    all, the others over ordinal items; NaN when there are none). Arguments as
    :func:`set_score`."""
    d = {}
    for item in refs:
        p = np.asarray(probs[item], float)
        d[item] = (p if rows is None else p[np.asarray(rows)]).mean(0)
    return _scores(d, refs, nominal)


def noise_floor_scores(
    refs: Mapping[str, tuple], nominal: set, n: int, rng, repeats: int = 200
) -> np.ndarray:
    """Mean (TV, W1, FD, MMD) of ``n`` humans drawn (by weight) from each item's
    answers against all of them (as :func:`noise_floor`)."""
    vals = []
    for _ in range(repeats):
        d = {}
        for item, (codes, _q, x, w) in refs.items():
            pick = x[rng.choice(len(x), size=n, p=np.asarray(w) / np.sum(w))]
            d[item] = np.array([(pick == c).mean() for c in codes])
        vals.append(_scores(d, refs, nominal))
    return np.array(vals).mean(0)
