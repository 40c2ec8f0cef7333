"""The alignment quality targets checked and printed by benchmarks/align_recovery.py."""

from __future__ import annotations

METRICS = ("amw", "fd", "sw", "mmd", "corr_mae")
DEFAULT_LABEL = "herding (default)"


def target_checks(summary) -> list[dict]:
    """The four quality targets for the default (mean of the seeds), each met or not,
    with the numbers; a target whose rows were not run is reported as such."""
    out = []

    def row(pool, label):
        return summary.get(pool, {}).get("methods", {}).get(label)

    def add(name, ok, detail):
        out.append({"target": name, "met": ok, "detail": detail})

    d_full, d_comp = row("full", DEFAULT_LABEL), row("compressed", DEFAULT_LABEL)
    r_full, r_comp = row("full", "random"), row("compressed", "random")
    refs = summary.get("full", {}).get("floors", {}).get("reference_sample")
    if d_full and refs:
        x = d_full["avg4"] / refs["avg4"]
        add(
            "default within 1.2x of the reference-sample floor (full pools)",
            x <= 1.2,
            f"avg4 {d_full['avg4']:.3f} / floor {refs['avg4']:.3f} = {x:.2f}x",
        )
    else:
        add("default within 1.2x of the reference-sample floor (full pools)", None, "not run")
    if d_comp and r_comp:
        x = d_comp["avg4"] / r_comp["avg4"] - 1
        add(
            "default >= 60% below random on compressed pools",
            x <= -0.6,
            f"avg4 {d_comp['avg4']:.3f} vs random {r_comp['avg4']:.3f}: {100 * x:+.0f}%",
        )
    else:
        add("default >= 60% below random on compressed pools", None, "not run")
    if d_full and d_comp and r_full and r_comp:
        bad, parts = [], []
        for pool, d, r in (("full", d_full, r_full), ("compressed", d_comp, r_comp)):
            for k in METRICS:
                if not d[k] < r[k]:
                    bad.append(f"{pool} {k}")
            parts.append(f"{pool}: " + ", ".join(f"{k} {d[k]:.4g} vs {r[k]:.4g}" for k in METRICS))
        add(
            "default better than random on each of the five metrics, both pools",
            not bad,
            "; ".join(parts) + (f"; worse or equal: {', '.join(bad)}" if bad else ""),
        )
    else:
        add("default better than random on each of the five metrics, both pools", None, "not run")
    bad, parts = [], []
    for pool in ("full", "compressed"):
        d = row(pool, DEFAULT_LABEL)
        rivals = {
            lab: v["avg4"]
            for lab, v in summary.get(pool, {}).get("methods", {}).items()
            if lab.startswith(("paper", "semi_ot"))
        }
        if not d or not rivals:
            continue
        best = min(rivals, key=rivals.get)
        parts.append(f"{pool}: {d['avg4']:.3f} vs best rival {best} {rivals[best]:.3f}")
        if not d["avg4"] < rivals[best]:
            bad.append(pool)
    add(
        "default better than every paper and semi_ot reading on both pools",
        (not bad) if len(parts) == 2 else None,
        "; ".join(parts) or "not run",
    )
    return out
