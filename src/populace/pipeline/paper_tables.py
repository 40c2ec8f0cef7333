"""The paper's Tables 1-3 (Hu et al., arXiv:2509.10127) from finished evaluations.

- **Table 1** (in domain): rows are persona sets, columns AMW, FD, SW, MMD and
  their average, on the alignment instrument's held-out humans.
- **Table 2** (out of domain): one block of AMW/FD/SW/MMD per other instrument
  with human data, then one average column (the mean over those instruments of
  each instrument's four-metric mean).
- **Table 3** (correlation error): corrMAE per instrument (in domain first) and
  its mean.

Each cell holds the value, its 95% bootstrap interval and the human noise floor
(from the harness's tidy ``metrics.csv``). Several runs go side by side (e.g.
two models), as the paper's tables put three LLMs: every block is repeated per
run, under the run's label. Averages: the value is the mean of the values; the
interval is the mean of the metrics' interval bounds (the harness keeps no
bootstrap replicates, so this is the interval of the average only when the
metrics move together across replicates; read it as approximate).

Sources are run directories (``evaluation/metrics.csv``, the alignment
instrument from results.json or the run's config) or tidy metrics CSV files
(``--in-domain`` names the instrument, default: the file's first).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from populace.errors import PopulaceError

DIST_METRICS = ["amw", "fd", "sw", "mmd"]
LABELS = {
    "amw": "AMW",
    "fd": "FD",
    "sw": "SW",
    "mmd": "MMD",
    "avg": "Avg",
    "corr_mae": "corr error",
}
TABLE_FILES = {
    "table1": "table1_in_domain.csv",
    "table2": "table2_out_of_domain.csv",
    "table3": "table3_correlation.csv",
}


@dataclass
class Cell:
    value: float
    low: float | None = None
    high: float | None = None
    floor: float | None = None
    metric: str | None = None

    @property
    def x_floor(self) -> float | None:
        """The value over the noise floor; none for MMD, whose unbiased estimate between
        two human samples is about 0 (either sign), so a ratio to it says nothing."""
        if self.metric == "mmd":
            return None
        return self.value / self.floor if self.floor and self.floor > 0 else None


@dataclass
class Source:
    """One finished evaluation: its tidy metrics and which instrument is in domain."""

    label: str
    metrics: pd.DataFrame
    in_domain: str
    differences: pd.DataFrame | None = None

    @property
    def instruments(self) -> list[str]:
        scored = self.metrics[self.metrics["metric"].isin(DIST_METRICS)]
        return list(dict.fromkeys(scored["instrument"]))

    @property
    def sets(self) -> list[str]:
        return list(dict.fromkeys(self.metrics["set"]))

    def cell(self, s: str, instrument: str, metric: str) -> Cell | None:
        m = self.metrics
        r = m[(m["set"] == s) & (m["instrument"] == instrument) & (m["metric"] == metric)]
        if r.empty or pd.isna(r["value"].iloc[0]):
            return None
        g = r.iloc[0]

        def opt(v):
            return None if pd.isna(v) else float(v)

        return Cell(float(g["value"]), opt(g["ci_low"]), opt(g["ci_high"]), opt(g["floor"]), metric)


@dataclass
class PaperTable:
    name: str
    title: str
    rows: list[str]
    groups: list[tuple[str, list[str]]]  # (block label, column keys)
    cells: dict[tuple[str, str, str], Cell] = field(default_factory=dict)
    note: str = ""

    def get(self, row: str, group: str, col: str) -> Cell | None:
        return self.cells.get((row, group, col))

    def frame(self) -> pd.DataFrame:
        """The CSV layout: one row per set; per block and column the value, its
        interval and the noise floor (``<block> <col>``, ``... low``, ``... high``,
        ``... floor``)."""
        out = []
        for r in self.rows:
            row = {"set": r}
            for g, cols in self.groups:
                for c in cols:
                    cell = self.get(r, g, c)
                    key = f"{g} {LABELS.get(c, c)}".strip()
                    row[key] = cell.value if cell else None
                    row[f"{key} low"] = cell.low if cell else None
                    row[f"{key} high"] = cell.high if cell else None
                    row[f"{key} floor"] = cell.floor if cell else None
            out.append(row)
        return pd.DataFrame(out)

    def best(self, group: str, col: str) -> str | None:
        """The set with the lowest value in a column (bold in the report)."""
        vals = {r: c.value for r in self.rows if (c := self.get(r, group, col))}
        return min(vals, key=vals.get) if vals else None

    def text(self, nd: int = 3) -> str:
        """A plain-text rendering (the CLI prints it)."""
        head = ["set"] + [
            f"{g} {LABELS.get(c, c)}".strip() for g, cols in self.groups for c in cols
        ]
        body = [
            [r] + [fmt_cell(self.get(r, g, c), nd) for g, cols in self.groups for c in cols]
            for r in self.rows
        ]
        widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
        line = lambda xs: "  ".join(str(x).ljust(w) for x, w in zip(xs, widths))  # noqa: E731
        return "\n".join([self.title, line(head)] + [line(b) for b in body])


def fmt_cell(cell: Cell | None, nd: int = 3) -> str:
    if cell is None:
        return ""
    s = f"{cell.value:.{nd}f}"
    if cell.low is not None and cell.high is not None:
        s += f" [{cell.low:.{nd}f}, {cell.high:.{nd}f}]"
    return s


def _mean_cell(cells: list[Cell | None]) -> Cell | None:
    if not cells or any(c is None for c in cells):
        return None
    ci = all(c.low is not None and c.high is not None for c in cells)
    fl = all(c.floor is not None for c in cells)
    return Cell(
        float(np.mean([c.value for c in cells])),
        float(np.mean([c.low for c in cells])) if ci else None,
        float(np.mean([c.high for c in cells])) if ci else None,
        float(np.mean([c.floor for c in cells])) if fl else None,
    )


def _rows(sources: list[Source]) -> list[str]:
    return list(dict.fromkeys(s for src in sources for s in src.sets))


def _prefix(src: Source, sources: list[Source], name: str) -> str:
    return f"{src.label} {name}".strip() if len(sources) > 1 else name


def table1(sources: list[Source]) -> PaperTable:
    t = PaperTable(
        "table1",
        "Table 1: in domain (held-out humans of the alignment instrument)",
        _rows(sources),
        [],
        note="Lower is better. Avg: mean of AMW, FD, SW and MMD.",
    )
    for src in sources:
        g = _prefix(src, sources, src.in_domain)
        t.groups.append((g, DIST_METRICS + ["avg"]))
        for r in t.rows:
            cells = [src.cell(r, src.in_domain, m) for m in DIST_METRICS]
            for m, c in zip(DIST_METRICS, cells):
                if c:
                    t.cells[(r, g, m)] = c
            if a := _mean_cell(cells):
                t.cells[(r, g, "avg")] = a
    return t


def table2(sources: list[Source]) -> PaperTable:
    t = PaperTable(
        "table2",
        "Table 2: out of domain (instruments not used for alignment)",
        _rows(sources),
        [],
        note="Lower is better. Avg: mean over the instruments of each "
        "instrument's mean of AMW, FD, SW and MMD.",
    )
    for src in sources:
        ood = [i for i in src.instruments if i != src.in_domain]
        for ins in ood:
            g = _prefix(src, sources, ins)
            t.groups.append((g, list(DIST_METRICS)))
            for r in t.rows:
                for m in DIST_METRICS:
                    if c := src.cell(r, ins, m):
                        t.cells[(r, g, m)] = c
        if ood:
            g = _prefix(src, sources, "")
            t.groups.append((g, ["avg"]))
            for r in t.rows:
                per = [_mean_cell([src.cell(r, i, m) for m in DIST_METRICS]) for i in ood]
                if a := _mean_cell(per):
                    t.cells[(r, g, "avg")] = a
    return t


def table3(sources: list[Source]) -> PaperTable:
    t = PaperTable(
        "table3",
        "Table 3: correlation error (mean absolute difference of correlations)",
        _rows(sources),
        [],
        note="Lower is better. Trait correlations on multi-trait instruments, "
        "item correlations on one-trait scales; Avg: mean over instruments.",
    )
    for src in sources:
        ins = [src.in_domain] + [i for i in src.instruments if i != src.in_domain]
        ins = [
            i
            for i in ins
            if ((src.metrics["instrument"] == i) & (src.metrics["metric"] == "corr_mae")).any()
        ]
        if not ins:
            continue
        g = _prefix(src, sources, "")
        t.groups.append((g, ins + (["avg"] if len(ins) > 1 else [])))
        for r in t.rows:
            cells = [src.cell(r, i, "corr_mae") for i in ins]
            for i, c in zip(ins, cells):
                if c:
                    t.cells[(r, g, i)] = c
            if len(ins) > 1 and (a := _mean_cell(cells)):
                t.cells[(r, g, "avg")] = a
    return t


def paper_tables(sources: list[Source]) -> list[PaperTable]:
    return [table1(sources), table2(sources), table3(sources)]


def write_tables(tables: list[PaperTable], out_dir: Path) -> list[Path]:
    """Each table as CSV (``TABLE_FILES``) in ``out_dir``; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for t in tables:
        p = out_dir / TABLE_FILES[t.name]
        tmp = p.with_name(f".{p.name}.tmp")
        t.frame().to_csv(tmp, index=False)
        tmp.replace(p)
        paths.append(p)
    return paths


# ------------------------------------------------------------------ sources
def from_results(results: dict, label: str = "", in_domain: str | None = None) -> Source:
    """A source from a results dict (as the harness writes it)."""
    from populace.pipeline.harness import tidy, tidy_differences

    ins = list(results.get("instruments") or {})
    dom = in_domain or results.get("align_instrument") or (ins[0] if ins else "")
    return Source(label, tidy(results), dom, tidy_differences(results))


def load_source(
    path: str | Path, *, label: str | None = None, in_domain: str | None = None
) -> Source:
    """A run directory or a tidy metrics CSV (with its differences CSV beside it
    when there is one: ``X_metrics.csv`` -> ``X_differences.csv``)."""
    from populace.pipeline import tables as T

    p = Path(path)
    if p.is_dir():
        rp = p / T.RESULTS
        if not rp.exists():
            raise PopulaceError(f"{rp} does not exist; run `populace evaluate {p}` first")
        results = json.loads(rp.read_text("utf-8"))
        if in_domain is None and not results.get("align_instrument"):
            in_domain = _run_align_instrument(p)
        return from_results(results, label if label is not None else _run_label(p), in_domain)
    if not p.exists():
        raise PopulaceError(f"{p} does not exist; give a run directory or a metrics CSV")
    frame = pd.read_csv(p)
    need = {"set", "instrument", "metric", "value", "ci_low", "ci_high", "floor"}
    if not need <= set(frame.columns):
        from populace.errors import DataError

        raise DataError(
            f"not a tidy metrics table: needs columns {sorted(need)}, has {list(frame.columns)}",
            path=str(p),
        )
    diff = p.with_name(p.name.replace("metrics", "differences"))
    dframe = pd.read_csv(diff) if diff != p and diff.exists() else None
    first = frame.loc[frame["metric"].isin(DIST_METRICS), "instrument"]
    dom = in_domain or (first.iloc[0] if len(first) else "")
    name = p.stem.replace("_metrics", "") if p.stem != "metrics" else p.parent.parent.name
    return Source(label if label is not None else name, frame, dom, dframe)


def _run_align_instrument(run_path: Path) -> str | None:
    m = run_path / "manifest.json"
    if m.exists():
        cfg = (json.loads(m.read_text("utf-8")).get("config") or {}).get("run") or {}
        return (cfg.get("align") or {}).get("instrument")
    return None


def _run_label(run_path: Path) -> str:
    """The run's model name when the manifest has it, else the folder name."""
    m = run_path / "manifest.json"
    if m.exists():
        man = json.loads(m.read_text("utf-8"))
        model = ((man.get("config") or {}).get("run") or {}).get("model") or {}
        if model.get("name"):
            return f"{run_path.name} ({model['name']})"
    return run_path.name
