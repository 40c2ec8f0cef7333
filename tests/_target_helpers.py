"""A hand-checked pool of twelve clearly distinct people for the targeting tests.

Each persona was written (and checked by reading) so that exactly one of them
fits each query in QUERIES; the tests check that retrieval finds it."""

from __future__ import annotations

import pandas as pd

POOL = [
    (
        "h01",
        "I am a 16-year-old high-school sophomore in Ohio. I play on the school soccer team, "
        "worry about my algebra grades and spend evenings texting friends.",
    ),
    (
        "h02",
        "I am a retired nurse, 72, living in a small coastal town in Maine. I knit, garden "
        "and volunteer at the church food pantry every Thursday.",
    ),
    (
        "h03",
        "I am a software engineer in my thirties in Seattle. I write backend code in Go, "
        "climb at the bouldering gym and read science fiction.",
    ),
    (
        "h04",
        "I am a dairy farmer in rural Wisconsin. I get up at four to milk eighty cows, "
        "fix my own tractors and worry about milk prices.",
    ),
    (
        "h05",
        "I am a university student in Hong Kong studying accounting. I take the MTR to "
        "campus, love bubble tea and practise Cantonese pop songs for karaoke.",
    ),
    (
        "h06",
        "I am a professional chef who runs a small French bistro in Paris. I buy fish at the "
        "market at dawn and argue with suppliers about butter.",
    ),
    (
        "h07",
        "I am a stay-at-home father of three toddlers in suburban Texas. I plan meals, drive "
        "to playgroups and blog about potty training.",
    ),
    (
        "h08",
        "I am an army sergeant deployed overseas. I lead a squad, keep fit with long runs "
        "and write letters home to my wife.",
    ),
    (
        "h09",
        "I am a jazz saxophonist in New Orleans. I play clubs on Frenchmen Street most "
        "nights and teach music lessons to kids in the afternoon.",
    ),
    (
        "h10",
        "I am a Buddhist monk living in a monastery in Kyoto, Japan. I meditate before "
        "sunrise, tend the temple garden and study old sutras.",
    ),
    (
        "h11",
        "I am a lawyer at a large corporate firm in London. I bill long hours on mergers, "
        "commute by train and unwind with rowing on the Thames.",
    ),
    (
        "h12",
        "I am a 14-year-old middle-school girl who loves horses. I ride at a stable every "
        "weekend and dream of becoming a veterinarian.",
    ),
]

QUERIES = {
    "teenagers in high school": "h01",
    "elderly retirees": "h02",
    "people who work in tech as programmers": "h03",
    "farmers in the countryside": "h04",
    "residents of Hong Kong": "h05",
    "cooks and restaurant owners": "h06",
    "parents raising young children": "h07",
    "military service members": "h08",
    "musicians": "h09",
    "religious clergy": "h10",
    "legal professionals": "h11",
    "young girls who love animals": "h12",
}


def make_run(path, rows=POOL, aligned=None):
    """A run directory with personas.parquet (and aligned.parquet if given)."""
    from populace.run import Run

    r = Run(path)
    r.write_table("personas.parquet", pd.DataFrame(rows, columns=["persona_id", "persona"]))
    if aligned is not None:
        r.write_table("aligned.parquet", pd.DataFrame(aligned, columns=["persona_id", "weight"]))
    return r
