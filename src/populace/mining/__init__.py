"""Seed persona mining from long-term first-person corpora (paper section 3.1,
Appendix C and F): preprocess -> clean -> raw QC -> group by author -> persona
-> critic -> PII, one module per stage, run resumably in a run directory by
:func:`mine`. See docs/mining.md."""

from populace.mining.config import PROFILES, STAGES, MiningConfig
from populace.mining.pipeline import TABLES, MineResult, build_personas, mine
from populace.mining.prompts import Templates

__all__ = [
    "mine",
    "MiningConfig",
    "PROFILES",
    "MineResult",
    "STAGES",
    "TABLES",
    "Templates",
    "build_personas",
]
