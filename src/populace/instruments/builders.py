"""Recipes that build shipped instruments from their published sources.

The YAML files in ``instruments/data`` that come from a converter are written
by these recipes, so anyone can rebuild them from the original files:

    python -m populace.instruments.builders yrbs2019 path/to/2019_YRBS_spss_syntax.sps
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from populace.instruments.spss import instrument_from_spss

YRBS2019 = {
    "instrument_id": "yrbs2019",
    "name": "Youth Risk Behavior Survey 2019, national high-school questionnaire (Q1-Q99)",
    "citation": "Centers for Disease Control and Prevention (2020). 2019 Youth Risk Behavior "
    "Survey data and documentation (national YRBS). US public domain.",
    "instructions": "Answer each question about yourself as a high-school student in the "
    "United States.",
    "notes": "Question texts are CDC's SPSS variable labels (short forms of the questions), "
    "except Q8 and Q12, whose labels name a topic rather than ask a question "
    '("Seat belt use", "Weapon carrying"): they carry the question of CDC\'s 2019 '
    "questionnaire. Options are CDC's value labels, as published, keyed A, B, C, ... "
    "in prompts as on the questionnaire. Q5 (race, multi-select letters) "
    "has no value labels and is left out. Q6 (height, metres) and Q7 (weight, kg) are "
    "numbers binned by populace into the options below (right-open intervals). The "
    "national data carry a survey weight (column `weight`), a stratum and a PSU.",
    "variables": [f"Q{i}" for i in range(1, 100) if i != 5],
    # CDC, 2019 YRBS questionnaire (national high-school survey), questions 8 and 12
    "question_texts": {
        "Q8": "How often do you wear a seat belt when riding in a car driven by someone else?",
        "Q12": "During the past 30 days, on how many days did you carry a weapon such as a gun, "
        "knife, or club?",
    },
    "answer_keys": "letters",
    "numeric_bins": {
        "Q6": {
            "bins": [0.0, 1.5, 1.6, 1.7, 1.8, 1.9, 3.0],
            "labels": [
                "under 1.50 m",
                "1.50-1.59 m",
                "1.60-1.69 m",
                "1.70-1.79 m",
                "1.80-1.89 m",
                "1.90 m or taller",
            ],
        },
        "Q7": {
            "bins": [0.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0, 400.0],
            "labels": [
                "under 50 kg",
                "50-59 kg",
                "60-69 kg",
                "70-79 kg",
                "80-89 kg",
                "90-99 kg",
                "100 kg or more",
            ],
        },
    },
}

RECIPES = {"yrbs2019": YRBS2019}
HEADERS = {
    "yrbs2019": "# YRBS 2019 (CDC, US public domain), built from CDC's SPSS labels by "
    "populace.instruments.builders. Labels are data: do not reword.\n"
}


def build(recipe: str, source: str | Path) -> dict:
    return instrument_from_spss(source, **RECIPES[recipe])


def to_yaml(recipe: str, source: str | Path) -> str:
    body = yaml.safe_dump(build(recipe, source), sort_keys=False, allow_unicode=True, width=100)
    return HEADERS[recipe] + body


if __name__ == "__main__":  # pragma: no cover - developer tool
    name, src = sys.argv[1], sys.argv[2]
    out = Path(__file__).parent / "data" / f"{name}.yaml"
    out.write_text(to_yaml(name, src), encoding="utf-8")
    print(f"wrote {out}")
