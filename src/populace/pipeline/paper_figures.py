"""The paper's Figure 1 (Hu et al., arXiv:2509.10127): each trait's distribution in
every persona set against the humans, one panel per trait. Every set is a
horizontal violin (a weighted Gaussian kernel density, bandwidth by Silverman's
rule on the set's effective size) on a shared score axis, humans on top in grey,
with the weighted mean marked and the humans' mean as a dashed line through the
panel, so a narrow or shifted set shows at a glance.
"""

from __future__ import annotations

import numpy as np

from populace.pipeline.figures import COLORS, _plt, _png

_GRID = 256
_MAX_HUMANS = 20_000


def weighted_density(x: np.ndarray, w: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Weighted Gaussian KDE on ``grid`` (integrates to about 1). A constant sample
    gets the narrowest kernel allowed (1% of the grid's span): a spike."""
    w = np.asarray(w, dtype=float)
    w = w / w.sum()
    mean = float(np.sum(w * x))
    sd = float(np.sqrt(np.sum(w * (x - mean) ** 2)))
    ess = 1.0 / float(np.sum(w**2))
    span = float(grid[-1] - grid[0]) or 1.0
    h = max(1.06 * sd * ess ** (-0.2), span / 100)
    z = (grid[:, None] - x[None, :]) / h
    return (np.exp(-0.5 * z * z) @ w) / (h * np.sqrt(2 * np.pi))


def trait_distributions(
    human: np.ndarray | None,
    sets: dict[str, tuple[np.ndarray, np.ndarray | None]],
    columns: list[str],
    title: str,
    max_cols: int = 6,
) -> bytes:
    """Figure 1: one panel per column (trait), one violin per set, humans first."""
    plt = _plt()
    cols = columns[:max_cols]
    rng = np.random.default_rng(0)
    if human is not None and len(human) > _MAX_HUMANS:
        human = human[rng.choice(len(human), _MAX_HUMANS, replace=False)]
    rows = (
        [("humans", human, np.ones(len(human)), "#9a9a9a")]
        if human is not None and len(human)
        else []
    )
    for i, (name, (x, w)) in enumerate(sets.items()):
        if len(x):
            rows.append(
                (
                    name,
                    x,
                    np.ones(len(x)) if w is None else np.asarray(w, float),
                    COLORS[i % len(COLORS)],
                )
            )
    n = max(1, len(rows))
    fig, axes = plt.subplots(
        1, len(cols), figsize=(2.5 * len(cols) + 1.2, 0.42 * n + 1.1), squeeze=False, sharey=True
    )
    for j, (ax, c) in enumerate(zip(axes[0], cols)):
        vals = np.concatenate([x[:, j] for _, x, _, _ in rows]) if rows else np.array([0, 1.0])
        lo, hi = float(np.nanmin(vals)), float(np.nanmax(vals))
        pad = 0.05 * (hi - lo or 1.0)
        grid = np.linspace(lo - pad, hi + pad, _GRID)
        for k, (name, x, w, colour) in enumerate(rows):
            y0 = n - 1 - k
            ok = np.isfinite(x[:, j])
            d = weighted_density(x[ok, j], w[ok], grid)
            d = 0.44 * d / d.max() if d.max() > 0 else d
            ax.fill_between(
                grid,
                y0 - d,
                y0 + d,
                color=colour,
                alpha=0.55 if k else 0.45,
                linewidth=0.6,
                edgecolor="k",
            )
            m = float(np.average(x[ok, j], weights=w[ok]))
            ax.plot([m, m], [y0 - 0.44, y0 + 0.44], color="k", lw=1.2)
            if name == "humans":
                ax.axvline(m, color="#555555", lw=0.8, ls="--", zorder=0)
        ax.set_title(c, fontsize=10)
        ax.tick_params(labelsize=7)
        ax.set_xlim(grid[0], grid[-1])
        ax.grid(axis="x", lw=0.3, alpha=0.5)
    axes[0][0].set_yticks(range(n))
    axes[0][0].set_yticklabels([r[0] for r in rows][::-1], fontsize=8)
    axes[0][0].set_ylim(-0.6, n - 0.4)
    fig.suptitle(title, fontsize=11, y=1.0)
    fig.tight_layout()
    return _png(fig)
