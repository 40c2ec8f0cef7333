"""Survey readouts after the fact: stored option probabilities -> an answer table.

The survey keeps, for every (persona, item), the model's next-token probability
vector over the answer options (the long table ``<instrument>.long.parquet``:
persona_id, item_id, codes, probs, ...). A *readout* turns those vectors into
answers without another model call, so readouts can be compared on one survey:

``sample@T``     a draw from p^(1/T) (renormalised) with the survey's seeded
                 generator (``cell_rng``): ``sample@1`` with the survey's seed
                 gives exactly the answers ``survey(mode="sample")`` wrote
``expected@T``   the mean code under p^(1/T)
``argmax``       the most probable option (no temperature)
``contrastive-sample@T``, ``contrastive-expected@T``
                 the same reads of softmax((log p - log q) / T), where q is the
                 same item's option probabilities with *no* persona (the
                 survey's ``no_persona`` request, one per item): what the
                 persona changes, amplified (``answers.contrast``)
``amplified-sample@T``, ``amplified-expected@T``
                 softmax(log q + (log p - log q) / T) = q (p/q)^(1/T): the
                 persona's change amplified on top of the bare model's answer
                 rather than in place of it (T = 1 is p itself)
``centred-sample@T``, ``centred-expected@T``
                 softmax(log c + (log p - log c) / T), where c is the *set's own*
                 centre for the item: the geometric mean of the option
                 probabilities of the rows read together (renormalised), or a
                 centre given from another table (``centre_probs``). What tells
                 one persona from the others is amplified by 1/T and the set's
                 typical answer is kept; a set whose members answer alike (the
                 no-persona set: one request per item) reads as p itself

The contrastive readout is the idea of contrastive decoding (Li et al., 2023,
"Contrastive Decoding: Open-ended Text Generation as Optimization", ACL;
expert minus amateur log-probabilities) applied to one next-token distribution
over answer options; at T = 1 it is contextual calibration (Zhao et al., 2021,
"Calibrate Before Use", ICML: divide by the probabilities for a content-free
input) with the no-persona prompt as that input. The amplified readout is the
form of context-aware decoding (Shi et al., 2024, "Trusting Your Evidence:
Hallucinate Less with Context-aware Decoding", NAACL: (1 + a) log p(y | context)
- a log p(y | no context), here a = 1/T - 1) with the persona as the context.
It needs the no-persona probabilities, which the survey does
not request for persona sets, so it is a post-hoc readout (this module), not a
survey ``--mode``. The centred readout is the amplified form with the pool's
average answer in place of the no-persona one: the no-persona prompt has its
own template and shifts trait means (docs/llm.md), the pool's centre does not.
It makes a persona's answers depend on the set it is read with, so a subset is
read on its pool's centre (``centre=centre_probs(pool_long)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from populace.errors import PopulaceError
from populace.survey.answers import CONTRAST_FLOOR, cell_rng

READ_MODES = ("sample", "expected", "argmax")
CONTRASTS = ("none", "contrastive", "amplified", "centred")
NEEDS_BASELINE = ("contrastive", "amplified")
_SPEC = re.compile(
    r"^(?:(contrastive|amplified|centred)-)?(sample|expected|argmax)(?:@([0-9.]+))?$"
)


@dataclass(frozen=True)
class Readout:
    """How answers are read from option probabilities (see the module doc)."""

    mode: str = "sample"
    temperature: float = 1.0
    contrast: str = "none"  # none | contrastive | amplified (need no-persona probs) | centred

    def __post_init__(self):
        if self.mode not in READ_MODES:
            raise PopulaceError(
                f"unknown readout mode {self.mode!r}; use one of {', '.join(READ_MODES)}"
            )
        if not self.temperature >= 0:
            raise PopulaceError(f"readout temperature must be >= 0; got {self.temperature}")
        if self.contrast not in CONTRASTS:
            raise PopulaceError(
                f"unknown contrast {self.contrast!r}; use one of {', '.join(CONTRASTS)}"
            )

    @property
    def contrastive(self) -> bool:
        """Whether the readout needs the item's no-persona probabilities."""
        return self.contrast in NEEDS_BASELINE

    @property
    def name(self) -> str:
        head = ("" if self.contrast == "none" else self.contrast + "-") + self.mode
        return head if self.mode == "argmax" else f"{head}@{self.temperature:g}"

    @classmethod
    def parse(cls, text: str) -> Readout:
        """``sample@0.7``, ``expected``, ``argmax``, ``contrastive-expected@2``,
        ``amplified-sample@0.5``, ``centred-sample@0.1`` (T = 1 if left out)."""
        m = _SPEC.match(text.strip())
        if m is None:
            raise PopulaceError(
                f"cannot read readout {text!r}; write e.g. sample@0.7, "
                "expected@1, argmax, contrastive-sample@1, "
                "amplified-sample@0.5 or centred-sample@0.1"
            )
        return cls(
            mode=m.group(2), temperature=float(m.group(3) or 1.0), contrast=m.group(1) or "none"
        )


def centre_of(P: np.ndarray) -> np.ndarray:
    """The centred readout's centre of an (n x K) probability matrix: the geometric
    mean of its rows (each floored at ``CONTRAST_FLOOR``), renormalised."""
    P = np.asarray(P, dtype=float)
    lp = np.log(np.maximum(P / P.sum(axis=1, keepdims=True), CONTRAST_FLOOR)).mean(axis=0)
    c = np.exp(lp - lp.max())
    return c / c.sum()


def distributions(P: np.ndarray, readout: Readout, q: np.ndarray | None = None) -> np.ndarray:
    """Row-wise answer distributions of an (n x K) probability matrix under ``readout``
    (its temperature and, if contrastive, the item's no-persona probabilities ``q``;
    if centred, ``q`` is the centre, by default ``centre_of(P)``).
    Rows match ``answers.temper`` / ``answers.contrast`` on each row."""
    P = np.asarray(P, dtype=float)
    T = readout.temperature
    if readout.contrast == "centred" and q is None:
        q = centre_of(P)
    if readout.contrast != "none":
        if q is None:
            raise PopulaceError("a contrastive readout needs the item's no-persona probabilities")
        q = np.asarray(q, dtype=float)
        if q.shape != P.shape[1:]:
            raise PopulaceError(f"{P.shape[1]} options but {q.shape[0]} no-persona probabilities")
        lq = np.log(np.maximum(q / q.sum(), CONTRAST_FLOOR))
        lp = np.log(np.maximum(P / P.sum(axis=1, keepdims=True), CONTRAST_FLOOR)) - lq
    else:
        if T == 1.0:
            return P / P.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore"):
            lp = np.log(P)
    if T <= 0:
        out = np.zeros_like(lp)
        out[np.arange(len(lp)), np.argmax(lp, axis=1)] = 1.0
        return out
    lp = lp / T
    if readout.contrast in ("amplified", "centred"):
        lp = lp + lq
    lp -= lp.max(axis=1, keepdims=True)
    e = np.exp(lp)
    return e / e.sum(axis=1, keepdims=True)


def read_item(
    P: np.ndarray,
    codes,
    readout: Readout,
    *,
    q: np.ndarray | None = None,
    persona_ids=None,
    item_id: str | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Answers (codes) of the n rows of ``P`` for one item. ``sample`` draws one uniform
    per cell from ``cell_rng(seed, persona_id, item_id)``, as the survey does. For a
    centred readout ``q`` is the centre (default: ``centre_of(P)``, these rows')."""
    P = np.asarray(P, dtype=float)
    c = np.asarray(codes, dtype=float)
    if readout.contrast == "centred" and q is None:
        q = centre_of(P)
    if readout.mode == "argmax":
        score = (
            distributions(P, Readout("expected", 1.0, "contrastive"), q)
            if readout.contrast != "none"
            else P
        )
        return c[np.argmax(score, axis=1)]
    D = distributions(P, readout, q)
    if readout.mode == "expected":
        return (D * c).sum(axis=1)
    if persona_ids is None or item_id is None:
        raise PopulaceError("sample readout needs persona_ids and item_id (seeded draws)")
    u = np.array([cell_rng(seed, str(pid), item_id).random() for pid in persona_ids])
    cum = np.cumsum(D, axis=1)
    idx = np.array([np.searchsorted(row, x, side="right") for row, x in zip(cum, u)], dtype=int)
    return c[np.minimum(idx, len(c) - 1)]


def _answered(long: pd.DataFrame) -> pd.DataFrame:
    """The rows of a long table with option probabilities (and status ok, if it has one)."""
    ok = long[long["probs"].notna()]
    return ok[ok["status"] == "ok"] if "status" in ok else ok


def baseline_probs(long_none: pd.DataFrame) -> dict[str, np.ndarray]:
    """{item_id: option probabilities with no persona} from a no-persona long table (its
    rows repeat one request per item; the first answered row of each item is taken)."""
    ok = _answered(long_none)
    return {
        str(i): np.asarray(g["probs"].iloc[0], dtype=float)
        for i, g in ok.groupby("item_id", sort=False)
    }


def centre_probs(long: pd.DataFrame) -> dict[str, np.ndarray]:
    """{item_id: the centred readout's centre} of a long table (its answered rows), to
    read a subset of a pool, or another set, on that pool's centre."""
    ok = _answered(long)
    return {
        str(i): centre_of(np.stack([np.asarray(p, dtype=float) for p in g["probs"]]))
        for i, g in ok.groupby(ok["item_id"].astype(str), sort=False)
    }


def wide_answers(
    long: pd.DataFrame,
    readout: Readout,
    *,
    baseline: dict[str, np.ndarray] | None = None,
    centre: dict[str, np.ndarray] | None = None,
    seed: int = 0,
    items: list[str] | None = None,
) -> pd.DataFrame:
    """The answer table (persona_id + one column per item, in ``items`` order or the
    long table's) under ``readout``; cells the survey could not answer stay NaN. A
    centred readout centres each item on ``centre`` (``centre_probs``) if given, else
    on the rows of ``long`` that answered it."""
    need = {"persona_id", "item_id", "codes", "probs"}
    if missing := need - set(long.columns):
        raise PopulaceError(f"the long table lacks column(s) {', '.join(sorted(missing))}")
    ids = pd.unique(long["persona_id"].astype(str))
    items = items or [str(i) for i in pd.unique(long["item_id"])]
    out = pd.DataFrame(index=pd.Index(ids, name="persona_id"), columns=items, dtype=float)
    ok = _answered(long)
    for item_id, g in ok.groupby(ok["item_id"].astype(str), sort=False):
        if item_id not in out.columns:
            continue
        q = None
        if readout.contrastive:
            if baseline is None or item_id not in baseline:
                raise PopulaceError(
                    f"no no-persona probabilities for item {item_id!r}; a "
                    "contrastive readout needs them for every item"
                )
            q = baseline[item_id]
        elif readout.contrast == "centred" and centre is not None:
            if item_id not in centre:
                raise PopulaceError(f"the centre given has no item {item_id!r}")
            q = centre[item_id]
        P = np.stack([np.asarray(p, dtype=float) for p in g["probs"]])
        pids = g["persona_id"].astype(str).to_numpy()
        out.loc[pids, item_id] = read_item(
            P, g["codes"].iloc[0], readout, q=q, persona_ids=pids, item_id=item_id, seed=seed
        )
    return out.reset_index()
