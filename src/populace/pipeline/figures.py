"""The report's figures (matplotlib, Agg backend), each returned as PNG bytes.

- ``metric_bars``: every metric per persona set with its bootstrap interval and
  the human noise floor of each set (black bars; one panel per metric).
- ``trait_scatter``: two traits, humans (grey) under each persona set, point
  area by weight, one panel per set in rows of five (the paper's Figure 3).
- ``marginals``: per-trait histograms, humans vs each set (densities).
- ``corr_heatmaps``: correlation matrices, humans and each set, plus differences.
- ``weights_plot``: the aligner's pool weights (sorted) and the selected counts.
"""

from __future__ import annotations

import io

import numpy as np

COLORS = [
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
]


def _plt():
    try:
        import matplotlib
    except ImportError:
        from populace.errors import PopulaceError

        raise PopulaceError("the report needs matplotlib: pip install 'populace[plots]'") from None

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    _plt().close(fig)
    return buf.getvalue()


def metric_bars(rows: list[dict], title: str) -> bytes:
    """``rows``: dicts set, metric, value, ci_low, ci_high, floor."""
    plt = _plt()
    metrics = list(dict.fromkeys(r["metric"] for r in rows))
    sets = list(dict.fromkeys(r["set"] for r in rows))
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.2 * len(metrics), 3.2), squeeze=False)
    for ax, m in zip(axes[0], metrics):
        rs = {r["set"]: r for r in rows if r["metric"] == m}
        vals = [rs[s]["value"] if s in rs else np.nan for s in sets]
        lo = [
            rs[s]["value"] - rs[s]["ci_low"] if s in rs and rs[s]["ci_low"] is not None else 0
            for s in sets
        ]
        hi = [
            rs[s]["ci_high"] - rs[s]["value"] if s in rs and rs[s]["ci_high"] is not None else 0
            for s in sets
        ]
        err = np.clip(np.array([lo, hi], dtype=float), 0, None)
        ax.bar(
            range(len(sets)),
            vals,
            color=[COLORS[i % len(COLORS)] for i in range(len(sets))],
            yerr=err,
            capsize=3,
        )
        floors = [
            rs[s]["floor"] if s in rs and rs[s]["floor"] is not None else np.nan for s in sets
        ]
        if np.isfinite(floors).any():  # each set's own floor (it depends on its size)
            ax.scatter(
                range(len(sets)), floors, marker="_", s=500, c="k", zorder=3, label="noise floor"
            )
            ax.legend(fontsize=7)
        ax.set_xticks(range(len(sets)))
        ax.set_xticklabels(sets, rotation=45, ha="right", fontsize=7)
        ax.set_title(m, fontsize=9)
    fig.suptitle(title, fontsize=10, y=1.05)
    return _png(fig)


def trait_scatter(
    human: np.ndarray | None,
    sets: dict[str, tuple[np.ndarray, np.ndarray]],
    labels: tuple[str, str],
    title: str,
) -> bytes:
    """``sets``: name -> (points (n, 2), weights)."""
    plt = _plt()
    n = max(1, len(sets))
    ncol = min(n, 5)
    nrow = int(np.ceil(n / ncol))
    fig, axes = plt.subplots(
        nrow, ncol, figsize=(2.8 * ncol, 2.8 * nrow), squeeze=False, sharex=True, sharey=True
    )
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    rng = np.random.default_rng(0)
    for i, (ax, (name, (pts, w))) in enumerate(zip(axes.ravel(), sets.items())):
        if human is not None and len(human):
            h = human if len(human) <= 3000 else human[rng.choice(len(human), 3000, replace=False)]
            jit = rng.normal(0, 0.03, h.shape)
            ax.scatter(
                h[:, 0] + jit[:, 0],
                h[:, 1] + jit[:, 1],
                s=4,
                c="#bbbbbb",
                alpha=0.4,
                label="humans",
                linewidths=0,
            )
        if len(pts):
            size = 12 + 60 * (w / w.max() if w.max() > 0 else w)
            ax.scatter(
                pts[:, 0],
                pts[:, 1],
                s=size,
                c=COLORS[i % len(COLORS)],
                alpha=0.75,
                edgecolors="k",
                linewidths=0.3,
                label=name,
            )
        ax.set_title(name, fontsize=9)
        if i >= n - ncol:
            ax.set_xlabel(labels[0], fontsize=8)
        if i % ncol == 0:
            ax.set_ylabel(labels[1], fontsize=8)
        ax.tick_params(labelsize=7, labelbottom=True)
        if i == 0:
            ax.legend(fontsize=6, loc="best")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return _png(fig)


def marginals(
    human: np.ndarray | None,
    sets: dict[str, tuple[np.ndarray, np.ndarray]],
    columns: list[str],
    title: str,
    max_cols: int = 6,
) -> bytes:
    plt = _plt()
    cols = columns[:max_cols]
    fig, axes = plt.subplots(1, len(cols), figsize=(2.6 * len(cols), 2.6), squeeze=False)
    allv = [human] if human is not None else []
    allv += [x for x, _ in sets.values() if len(x)]
    for j, (ax, c) in enumerate(zip(axes[0], cols)):
        vals = np.concatenate([a[:, j] for a in allv]) if allv else np.array([0.0, 1.0])
        bins = np.linspace(np.nanmin(vals), np.nanmax(vals) + 1e-9, 16)
        if human is not None:
            ax.hist(human[:, j], bins=bins, density=True, color="#bbbbbb", label="humans")
        for i, (name, (x, w)) in enumerate(sets.items()):
            if len(x):
                ax.hist(
                    x[:, j],
                    bins=bins,
                    weights=w,
                    density=True,
                    histtype="step",
                    lw=1.5,
                    color=COLORS[i % len(COLORS)],
                    label=name,
                )
        ax.set_title(c, fontsize=9)
        ax.tick_params(labelsize=7)
    axes[0][0].legend(fontsize=6)
    fig.suptitle(title, fontsize=10, y=1.05)
    return _png(fig)


def _wcorr(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The summaries' weighted correlations, with NaN (drawn grey) instead of 0
    wherever a column is constant: its correlations are undefined (the
    no-persona model at temperature 0)."""
    from populace.weighted import constant_columns, correlation

    c = correlation(x, w)
    constant = constant_columns(x, w)
    c[constant, :] = np.nan
    c[:, constant] = np.nan
    np.fill_diagonal(c, 1.0)
    return c


def corr_heatmaps(
    human: np.ndarray | None,
    sets: dict[str, tuple[np.ndarray, np.ndarray]],
    columns: list[str],
    title: str,
) -> bytes:
    plt = _plt()
    panels = []
    hc = _wcorr(human, np.ones(len(human))) if human is not None and len(human) > 2 else None
    if hc is not None:
        panels.append(("humans", hc))
    for name, (x, w) in sets.items():
        if len(x) > 2:
            c = _wcorr(x, w)
            panels.append((name, c))
            if hc is not None:
                panels.append((f"{name} - humans", c - hc))
    if not panels:
        panels = [("no data", np.zeros((len(columns), len(columns))))]
    ncol = min(4, len(panels))
    nrow = int(np.ceil(len(panels) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(2.9 * ncol, 2.7 * nrow), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="lightgrey")
    for ax, (name, c) in zip(axes.ravel(), panels):
        ax.axis("on")
        im = ax.imshow(np.ma.masked_invalid(c), vmin=-1, vmax=1, cmap=cmap)
        ax.set_title(name + ("\n(grey: constant)" if np.isnan(c).any() else ""), fontsize=8)
        ticks = range(len(columns)) if len(columns) <= 12 else []
        ax.set_xticks(list(ticks))
        ax.set_yticks(list(ticks))
        if ticks:
            ax.set_xticklabels(columns, rotation=90, fontsize=6)
            ax.set_yticklabels(columns, fontsize=6)
    height = 2.7 * nrow
    fig.subplots_adjust(top=1 - 0.55 / height, hspace=0.55)
    fig.colorbar(im, ax=axes.ravel().tolist(), shrink=0.6)
    fig.suptitle(title, fontsize=10, y=1 - 0.1 / height)
    return _png(fig)


def weights_plot(pool_weights, counts, ess: float | None, title: str) -> bytes:
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(7.5, 2.8))
    if pool_weights is not None and len(pool_weights):
        w = np.sort(np.asarray(pool_weights, dtype=float))[::-1]
        axes[0].plot(np.arange(1, len(w) + 1), w / w.sum(), marker=".", lw=1)
        axes[0].set_xlabel("pool persona (sorted)", fontsize=8)
        axes[0].set_ylabel("share of weight", fontsize=8)
        axes[0].set_title("aligner's pool weights", fontsize=9)
    else:
        axes[0].text(
            0.5, 0.5, "this method keeps no pool weights", ha="center", va="center", fontsize=8
        )
        axes[0].axis("off")
    c = np.asarray(counts, dtype=int)
    vals, freq = np.unique(c, return_counts=True)
    axes[1].bar(vals, freq, color=COLORS[0])
    from matplotlib.ticker import MaxNLocator

    axes[1].xaxis.set_major_locator(MaxNLocator(integer=True))  # counts, not 1.5
    axes[1].set_xlabel("times selected", fontsize=8)
    axes[1].set_ylabel("personas", fontsize=8)
    axes[1].set_title(f"selected counts (ESS {ess:.1f})" if ess else "selected counts", fontsize=9)
    fig.suptitle(title, fontsize=10, y=1.05)
    return _png(fig)
