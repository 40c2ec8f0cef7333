import pytest

from populace.targeting.parse import ParseError, persona_line, query_line


def test_persona_line_takes_the_tagged_text_and_its_continuation():
    text = "Sure.\nPERSONA: I am a 16-year-old student in Ohio who plays soccer\nand texts friends.\n\nDone"
    assert persona_line(text) == (
        "I am a 16-year-old student in Ohio who plays soccer and texts friends."
    )


@pytest.mark.parametrize(
    "reply,reason",
    [
        ("I am a student who plays soccer every day after school.", "no line starting"),
        ("PERSONA: too short", "at least"),
        ("PERSONA: NULL", "not NULL"),
        (
            "PERSONA: Revise the description so that this person is a member of the target group now",
            "repeats the instructions",
        ),
    ],
)
def test_persona_line_rejects_bad_replies(reply, reason):
    with pytest.raises(ParseError, match=reason):
        persona_line(reply)


def test_query_line_is_one_line_and_not_a_copy():
    assert query_line("QUERY: retired nurses in Maine\nmore text") == "retired nurses in Maine"
    persona = "I am a retired nurse, 72, living in a small coastal town in Maine."
    with pytest.raises(ParseError, match="copies"):
        query_line("QUERY: retired nurse, 72, living in a small coastal town", persona)
    with pytest.raises(ParseError, match="at least"):
        query_line("QUERY: nurse")
    with pytest.raises(ParseError, match="first person"):
        query_line("QUERY: I am a 16-year-old high-")
