"""Shared test fixtures: the real data in ../shared/data (never copied here)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
OPENPSYCH = SHARED_DATA / "openpsychometrics"


def shared(*parts: str) -> Path:
    """Path under ../shared/data; skips the test with a clear message if absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(
            f"real data not available: {path} is missing (../shared is not beside the repo)"
        )
    return path


@pytest.fixture(scope="session")
def big5_path() -> Path:
    return shared("openpsychometrics", "BIG5", "data.csv")


@pytest.fixture(scope="session")
def big5(big5_path):
    from populace.reference import load_reference

    return load_reference(big5_path, "ipip50")


E2E_METRICS = ROOT / "benchmarks" / "results" / "e2e_blogs_metrics.csv"


@pytest.fixture(scope="module")
def e2e():
    """The first e2e run's committed tidy tables (benchmarks/results) as a table source."""
    from populace.pipeline.paper_tables import load_source

    if not E2E_METRICS.exists():
        pytest.skip(f"{E2E_METRICS} is not in this checkout")
    return load_source(E2E_METRICS)
