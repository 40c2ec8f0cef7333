"""`populace demo`'s closing table: every set of the held-out comparison with its
95% interval, the noise floor, and the verdict sentence (cli/demo_cmd.py)."""

from __future__ import annotations

import pandas as pd
import pytest
from rich.console import Console

from populace.cli.demo_cmd import show_result
from tests._pipeline_helpers import e2e_run


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return e2e_run(str(tmp_path_factory.getbasetemp() / "pipeline_e2e"))[1].run.path


def test_table_has_intervals_floor_and_verdict(run_dir):
    console = Console(record=True, width=200)
    show_result(console, run_dir / "evaluation", k=3)
    text = console.export_text()
    metrics = pd.read_csv(run_dir / "evaluation" / "metrics.csv")
    bfi = metrics[(metrics["instrument"] == "bfi25") & (metrics["metric"] == "amw")]
    for r in bfi.itertuples():
        # each set's AMW with its interval, as computed by the harness
        assert f"{r.value:.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}]" in text, r.set
    floor = bfi.loc[bfi["set"] == "aligned", "floor"].iloc[0]
    assert "noise floor (3 real people)" in text and f"{floor:.3f}" in text
    assert "bfi25 (in domain): aligned is" in text
