"""Every mining setting and its default (documented in docs/mining.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

STAGES = ("read", "preprocess", "clean", "qc", "group", "persona", "critic", "pii")

#: Named settings. ``paper`` is the library default (``MiningConfig()``): the
#: rules of Hu et al. (2025), section 3.1 and Appendix C. ``cheap`` is for a
#: 1.5B model on a 2-core laptop (benchmarks/mine_blogs.py): about 6 LLM-read
#: posts of 80 words per author, rule-only cleaning, QC from next-token
#: probabilities, high+medium posts kept, authors with >= 4 such posts, and a
#: 2,048-token context. docs/mining.md gives the reasons for each value.
PROFILES: dict[str, dict] = {
    "paper": {},
    "cheap": dict(
        max_posts_per_author=6,
        max_post_words=80,
        min_posts=4,
        clean_mode="never",
        qc_method="probs",
        qc_keep_quality=("high", "medium"),
        context_tokens=2048,
        max_context_posts=6,
        persona_max_tokens=240,
        critic_max_tokens=60,
    ),
}


def _f(default, doc: str, **kw):
    return Field(default, description=doc, **kw)


class MiningConfig(BaseModel):
    """Every mining setting, its default and what it does (docs/mining.md has the why).

    Construct with keywords (``MiningConfig(min_posts=4)``) or from a named
    profile (:meth:`from_profile`); an unknown setting, a value of the wrong
    type or outside its range is a :class:`~populace.errors.PopulaceError`
    naming the setting.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # preprocess (rules, no LLM)
    min_tokens: int = _f(30, "whitespace tokens a post needs", ge=1)
    require_first_person: bool = _f(True, "a post needs a first-person pronoun")
    max_post_words: int = _f(300, "longer posts are cut to this many words", ge=1)
    min_posts: int = _f(6, "kept posts an author needs (before and after QC)", ge=1)
    max_posts_per_author: int = _f(40, "LLM work bound: posts per author sent to clean/QC", ge=1)
    # clean (LLM)
    clean_mode: Literal["always", "auto", "never"] = _f(
        "always", "always: LLM; auto: LLM only when rules see noise; never: rules only"
    )
    clean_min_overlap: float = _f(
        0.8, "share of cleaned words that must occur in the post", ge=0, le=1
    )
    # raw QC (LLM)
    qc_keep_quality: tuple[Literal["high", "medium", "low"], ...] = _f(
        ("high",), "quality labels kept"
    )
    qc_require_harmless: bool = _f(True, "drop posts rated harmful")
    qc_method: Literal["generate", "probs", "context"] = _f(
        "generate",
        "generate: JSON answer; probs: next-token probabilities per post; context: "
        "probs on only the posts a persona prompt shows, asked inside it (qc_context.py)",
    )
    # group (rules)
    context_tokens: int = _f(4096, "the model's context window", ge=512)
    max_context_posts: int = _f(20, "posts shown to the persona/critic prompts at most", ge=1)
    # persona (LLM)
    corpus_facts: bool = _f(
        True,
        "tell the persona writer the corpus's gender, age and "
        "industry, and check personas against them (facts.py)",
    )
    max_words: int = _f(100, "persona length limit in words", ge=10)
    persona_max_tokens: int = _f(256, "generated tokens per persona reply", ge=16)
    persona_repeat_penalty: float = _f(
        1.0,
        "llama.cpp repeat penalty of persona replies (1.0: none; 1.1 stops the loops "
        "of small models decoding greedily)",
        ge=1.0,
        le=2.0,
    )
    # critic (LLM)
    critic_method: Literal["probs", "generate"] = _f(
        "probs",
        "probs: expected scores from next-token probabilities; generate: the paper's "
        "generated JSON of integers",
    )
    critic_overall_min: float = _f(8.0, "overall score a persona needs (paper: 8)", ge=0, le=10)
    critic_other_min: float = _f(7.0, "score every other dimension needs (paper: 7)", ge=0, le=10)
    critic_max_tokens: int = _f(80, "generated tokens per critic reply (generate)", ge=8)
    grounding_rules: bool = _f(
        True,
        "also drop personas with numbers absent from the posts "
        "or too few evidence quotes found in them",
    )
    min_evidence_support: float = _f(0.5, "share of evidence quotes that must be found", ge=0, le=1)
    repair_numbers: bool = _f(
        False, "persona stage: drop sentences with numbers absent from the posts"
    )
    # PII
    pii_llm: bool = _f(True, "ask the LLM for full names besides the regex rules")
    pii_max_tokens: int = _f(80, "generated tokens per PII reply", ge=8)
    # every LLM stage
    grammar: bool = _f(True, "hold persona/critic/qc/pii replies to their format (GBNF)")
    max_attempts: int = _f(2, "one try + corrective retries, then a recorded failure", ge=1)
    qc_max_tokens: int = _f(40, "generated tokens per QC reply (generate)", ge=4)
    clean_max_tokens: int = _f(512, "cap; each post gets about its own length + 16", ge=8)
    batch_size: int = _f(4, "requests per cache commit", ge=1)
    seed: int = _f(0, "seed of every sampled call")
    retry_temperature: float = _f(0.7, "temperature of corrective retries", ge=0)
    profile: str = _f("paper", "the named profile these settings started from")

    def __init__(self, **data):
        from populace.errors import PopulaceError

        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise PopulaceError(
                "mining settings: "
                + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            ) from None

    @field_validator("qc_keep_quality", mode="before")
    @classmethod
    def _quality_tuple(cls, v):
        return tuple(v) if isinstance(v, (list, tuple, set)) else v

    def model_post_init(self, __context) -> None:
        from populace.errors import PopulaceError

        if self.max_posts_per_author < self.min_posts:
            raise PopulaceError("need 1 <= min_posts <= max_posts_per_author")

    @classmethod
    def from_profile(cls, name: str = "paper", **overrides) -> MiningConfig:
        """The settings of profile ``name`` (see ``PROFILES``), with ``overrides``."""
        from populace.errors import PopulaceError

        if name not in PROFILES:
            raise PopulaceError(
                f"unknown mining profile {name!r}; profiles are {', '.join(PROFILES)}"
            )
        return cls(**{**PROFILES[name], **overrides, "profile": name})

    @property
    def posts_budget(self) -> int:
        """Tokens of posts a persona/critic prompt may hold (see group.py)."""
        return max(256, self.context_tokens - self.persona_max_tokens - 700)

    def to_dict(self) -> dict:
        d = self.model_dump()
        d["qc_keep_quality"] = list(self.qc_keep_quality)
        return d

    def replace(self, **changes) -> MiningConfig:
        """A copy with ``changes`` (validated)."""
        return type(self)(**{**self.model_dump(), **changes})
