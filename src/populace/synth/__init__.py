"""SyncP: personas the LLM writes from scratch (the paper's synthetic-persona baseline)."""

from populace.synth.generate import SYNTH_PERSONAS, synthesize

__all__ = ["synthesize", "SYNTH_PERSONAS"]
