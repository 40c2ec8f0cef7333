"""Every mining setting and its default (documented in docs/mining.md)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

STAGES = ("read", "preprocess", "clean", "qc", "group", "persona", "critic", "pii")
CLEAN_MODES = ("always", "auto", "never")
QC_METHODS = ("generate", "probs", "context")
CRITIC_METHODS = ("probs", "generate")

#: Named settings. ``paper`` is the library default (``MiningConfig()``): the
#: rules of Hu et al. (2025), section 3.1 and Appendix C. ``cheap`` is for a
#: 1.5B model on a 2-core laptop (benchmarks/mine_blogs.py): about 6 LLM-read
#: posts of 80 words per author, rule-only cleaning, QC from next-token
#: probabilities, high+medium posts kept, authors with >= 4 such posts, and a
#: 2,048-token context. docs/mining.md gives the reasons for each value.
PROFILES: dict[str, dict] = {
    "paper": {},
    "cheap": dict(max_posts_per_author=6, max_post_words=80, min_posts=4,
                  clean_mode="never", qc_method="probs", qc_keep_quality=("high", "medium"),
                  context_tokens=2048, max_context_posts=6, persona_max_tokens=240,
                  critic_max_tokens=60),
}


@dataclass
class MiningConfig:
    # preprocess (rules, no LLM)
    min_tokens: int = 30                 # whitespace tokens a post needs
    require_first_person: bool = True    # at least one first-person pronoun
    max_post_words: int = 300            # longer posts are cut to this many words
    min_posts: int = 6                   # kept posts an author needs (before and after QC)
    max_posts_per_author: int = 40       # LLM work bound: posts per author sent to clean/QC
    # clean (LLM)
    clean_mode: str = "always"           # always: LLM; auto: LLM only when rules see noise; never
    clean_min_overlap: float = 0.8       # share of cleaned words that must occur in the post
    # raw QC (LLM)
    qc_keep_quality: tuple[str, ...] = ("high",)
    qc_require_harmless: bool = True
    qc_method: str = "generate"          # generate: JSON answer; probs: next-token probabilities;
    #                                      context: probs, only the posts a persona prompt shows,
    #                                      asked inside it, one author at a time (qc.py)
    # group (rules)
    context_tokens: int = 4096           # the model's context window
    max_context_posts: int = 20          # posts shown to the persona/critic prompts at most
    # persona (LLM)
    corpus_facts: bool = True            # tell the writer the corpus's gender/age/industry; rule check
    max_words: int = 100
    persona_max_tokens: int = 256
    # critic (LLM)
    critic_method: str = "probs"         # probs: expected scores from next-token probabilities
    critic_overall_min: float = 8        # the paper's thresholds (generate); see docs/mining.md
    critic_other_min: float = 7
    critic_max_tokens: int = 80
    grounding_rules: bool = True         # also drop personas with numbers absent from the posts
    min_evidence_support: float = 0.5    # ... or with fewer of their quotes found in the posts
    repair_numbers: bool = False         # persona stage: drop sentences with numbers absent from the posts
    # PII
    pii_llm: bool = True                 # ask the LLM for full names besides the regex rules
    pii_max_tokens: int = 80
    # every LLM stage
    grammar: bool = True                 # hold persona/critic/qc/pii replies to their format (GBNF)
    max_attempts: int = 2                # one try + one corrective retry, then a recorded failure
    qc_max_tokens: int = 40
    clean_max_tokens: int = 512          # cap; each post gets about its own length + 16
    batch_size: int = 4                  # requests per cache commit
    seed: int = 0
    retry_temperature: float = 0.7
    extra: dict = field(default_factory=dict)
    profile: str = "paper"               # the named profile these settings started from

    @classmethod
    def from_profile(cls, name: str = "paper", **overrides) -> "MiningConfig":
        """The settings of profile ``name`` (see ``PROFILES``), with ``overrides``."""
        from populace.errors import PopulaceError

        if name not in PROFILES:
            raise PopulaceError(f"unknown mining profile {name!r}; profiles are "
                                f"{', '.join(PROFILES)}")
        return cls(**{**PROFILES[name], **overrides, "profile": name})

    def __post_init__(self):
        from populace.errors import PopulaceError

        if self.clean_mode not in CLEAN_MODES:
            raise PopulaceError(f"clean_mode must be one of {', '.join(CLEAN_MODES)}")
        if self.qc_method not in QC_METHODS:
            raise PopulaceError(f"qc_method must be one of {', '.join(QC_METHODS)}")
        if self.critic_method not in CRITIC_METHODS:
            raise PopulaceError(f"critic_method must be one of {', '.join(CRITIC_METHODS)}")
        if self.max_attempts < 1:
            raise PopulaceError("max_attempts must be at least 1")
        if self.min_posts < 1 or self.max_posts_per_author < self.min_posts:
            raise PopulaceError("need 1 <= min_posts <= max_posts_per_author")
        self.qc_keep_quality = tuple(self.qc_keep_quality)

    @property
    def posts_budget(self) -> int:
        """Tokens of posts a persona/critic prompt may hold (see group.py)."""
        return max(256, self.context_tokens - self.persona_max_tokens - 700)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["qc_keep_quality"] = list(self.qc_keep_quality)
        return d
