"""Facts from the corpus: the prompt lines and the rule check / repair (no LLM)."""

import pytest

from populace.corpus.blogs import parse_blog_name
from populace.mining.facts import Facts, author_facts, check, facts_text, industry_phrase, repair

MALE_STUDENT = author_facts(parse_blog_name("1000331.male.24.Student.Leo.xml"))


def test_author_facts_from_blog_file_names_and_generic_columns():
    assert MALE_STUDENT == Facts(gender="male", age=24, industry="Student")
    f = author_facts(parse_blog_name("1103575.female.17.indUnk.Cancer.xml"))
    assert f == Facts(gender="female", age=17, industry=None)  # indUnk: unknown
    assert author_facts({"gender": "F", "age": "33.0", "industry": "Law"}) == Facts(
        "female", 33, "Law"
    )
    assert author_facts({"gender": 2, "age": float("nan")}) == Facts("female", None, None)
    assert not author_facts({"gender": "x", "age": 400}).known
    assert author_facts({}) == Facts()


def test_facts_text():
    t = facts_text(MALE_STUDENT)
    assert "a man" in t and "24 years old" in t and "a student" in t and "he/him/his" in t
    assert facts_text(Facts()) == ""
    assert "they/them" in facts_text(Facts(age=30))
    assert industry_phrase("Communications-Media") == "works in communications and media"
    assert industry_phrase("RealEstate") == "works in real estate"
    assert industry_phrase("Technology") == "works in technology"


@pytest.mark.parametrize(
    "text,facts,kinds",
    [
        # the first run's typical failures
        (
            "She is a 30-year-old software developer who loves her cat.",
            MALE_STUDENT,
            ["gender", "age", "occupation"],
        ),
        ("He is a student who loves his guitar and his girlfriend; she is kind.", MALE_STUDENT, []),
        ("He is in his early twenties and studies hard.", MALE_STUDENT, []),  # 20-23 vs 24: ok
        ("He is in his late thirties.", MALE_STUDENT, ["age"]),
        ("A devoted mother, he writes daily.", MALE_STUDENT, ["gender"]),
        ("He is a teenager who skips class.", MALE_STUDENT, ["age"]),
        ("They work as a teacher.", Facts(industry="Education"), []),
        ("They work as a lawyer.", Facts(industry="Education"), ["occupation"]),
        ("She is 17 years old.", Facts("female", 17), []),
        ("She is aged 25.", Facts("female", 17), ["age"]),
        ("Her posts are funny.", Facts(), []),  # nothing known
        # a noun about someone else is no claim about the author
        ("She misses her best friend, who was a guy, and her father.", Facts("female", 23), []),
        ("He is a caring woman who writes daily.", MALE_STUDENT, ["gender"]),
        ("She works as a waiter and worries a lot.", Facts("female", 23), ["gender"]),
        ("He is also a devoted mother.", MALE_STUDENT, ["gender"]),
        # the e2e v2 run's leftover: the opening subject only (29 of 472 kept)
        (
            "He is a 24-year-old woman. She enjoys reading and worries about her health.",
            Facts("female", 24),
            ["gender"],
        ),
        ("She is a quiet man. He writes at night about his friends.", MALE_STUDENT, ["gender"]),
        # a later sentence about someone else is not the opening subject
        ("He loves his wife. She makes him laugh every day.", MALE_STUDENT, []),
        ("Hero of his own stories, he writes daily.", MALE_STUDENT, []),
    ],
)
def test_check(text, facts, kinds):
    assert check(text, facts).kinds == kinds


def test_repair_swaps_pronouns_and_nouns_sets_the_age_and_drops_what_it_cannot_fix():
    text = (
        "She is a 30-year-old software developer. She loves her cat and makes her "
        "friends laugh. As a mother of two, she is busy but hides her feelings from them."
    )
    new, changes = repair(text, MALE_STUDENT)
    assert new == (
        "He loves his cat and makes his friends laugh. As a father of two, he is busy "
        "but hides his feelings from them."
    )
    assert check(new, MALE_STUDENT).ok
    assert [c.split(":")[0] for c in changes] == ["gender", "age", "occupation"]
    # the number is set to the known age where the sentence survives
    new, changes = repair(
        "He is a 40-year-old who writes about music, his friends and his long walks every day.",
        MALE_STUDENT,
    )
    assert new == (
        "He is a 24-year-old who writes about music, his friends and his long walks every day."
    )
    assert changes == ["age: stated age set to 24"]
    # object "her" becomes "him"
    new, _ = repair(
        "Music makes her happy and her friends tell her so. She writes a lot about "
        "it every single day.",
        MALE_STUDENT,
    )
    assert new.startswith("Music makes him happy and his friends tell him so. He writes")
    # male to female is unambiguous
    new, _ = repair(
        "He is a shy man who keeps to himself and his books, writing every evening.",
        Facts("female", 20),
    )
    assert new == "She is a shy woman who keeps to herself and her books, writing every evening."


def test_repair_of_a_self_noun_leaves_other_peoples_pronouns():
    # a female author called "a man" once: the noun is fixed, and "he broke up with
    # her" (her boyfriend) keeps its pronouns; the first repair rewrote them all
    text = (
        "She is a quiet man who writes at night. Her boyfriend left three years ago; "
        "he broke up with her by letter and she still feels sad about it."
    )
    new, changes = repair(text, Facts("female", 23))
    assert new == text.replace("quiet man", "quiet woman")
    assert changes == ["gender: rewritten as female"]


def test_repair_gives_up_when_too_little_is_left():
    assert repair("He is a 30-year-old lawyer.", Facts("male", 24, "Student"))[0] is None
    ok = "He writes about films, friends and the long evenings he spends reading alone."
    assert repair(ok, MALE_STUDENT) == (ok, [])


def test_repair_of_a_wrong_opening_pronoun_swaps_that_word_only():
    # found in the e2e v2 pool: the majority of pronouns is right, the first word is not
    text = (
        "He is a 16-year-old student who enjoys time with her cousin. She worries "
        "about the health of her boyfriend; he is ill."
    )
    new, changes = repair(text, Facts("female", 16))
    assert new == "She" + text[2:]
    assert changes == ["gender: rewritten as female"]
    assert check(new, Facts("female", 16)).ok
    text = "  She is a quiet man. He writes at night about his friends and the films he sees."
    assert repair(text, MALE_STUDENT)[0] == "  He" + text[5:]
