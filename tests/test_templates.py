import pytest

from populace.errors import PopulaceError
from populace.templates import load_templates

ALLOWED = {"persona": {"persona", "item", "options", "instructions", "key"}, "system": {"key"}}


def test_package_defaults_and_override(tmp_path):
    texts = load_templates("populace.survey", ALLOWED)
    assert "{persona}" in texts["persona"]
    (tmp_path / "system.txt").write_text("Be brief.")
    over = load_templates("populace.survey", ALLOWED, tmp_path)
    assert over["system"] == "Be brief." and over["persona"] == texts["persona"]


@pytest.mark.parametrize(
    "text,needle",
    [
        ("Hello {nmae}", "uses unknown placeholders nmae; allowed: key"),
        ("Hello {", "write literal braces"),
    ],
)
def test_bad_template(tmp_path, text, needle):
    (tmp_path / "system.txt").write_text(text)
    with pytest.raises(PopulaceError, match=needle):
        load_templates("populace.survey", ALLOWED, tmp_path)


def test_bad_folders(tmp_path):
    with pytest.raises(PopulaceError, match="does not exist"):
        load_templates("populace.survey", ALLOWED, tmp_path / "nope")
    with pytest.raises(PopulaceError, match="has none of persona.txt, system.txt"):
        load_templates("populace.survey", ALLOWED, tmp_path)
