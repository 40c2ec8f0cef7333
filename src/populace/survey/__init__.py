"""Administer instruments to personas through an LLM backend (see ``administer``)."""

from populace.survey.administer import SurveyResult, survey
from populace.survey.answers import MODES, answer_from_probs, parse_answer
from populace.survey.output import output_paths, read_meta
from populace.survey.personas import load_personas
from populace.survey.prompts import TEMPLATE_NAMES, Templates, build_messages, default_template

__all__ = [
    "survey",
    "SurveyResult",
    "MODES",
    "answer_from_probs",
    "parse_answer",
    "output_paths",
    "read_meta",
    "load_personas",
    "Templates",
    "TEMPLATE_NAMES",
    "build_messages",
    "default_template",
]
