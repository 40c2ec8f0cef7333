"""Prompt templates: package defaults, user overrides, validation."""

from __future__ import annotations

import pytest

from populace.errors import PopulaceError
from populace.instruments import load_instrument
from populace.survey.prompts import (
    TEMPLATE_NAMES,
    Templates,
    build_messages,
    default_template,
    option_keys,
)


def test_defaults_put_persona_in_the_user_message_before_the_item():
    ins = load_instrument("ipip50")
    it = ins.items[0]
    msgs = build_messages(Templates.load(), ins, it, "A shy librarian.")
    assert [m.role for m in msgs] == ["system", "user"]
    user = msgs[1].content
    assert user.startswith("Here is a description of a person:")
    assert user.index("A shy librarian.") < user.index(it.text)
    assert user.endswith(it.text)
    assert "1 = Disagree" in user and "5 = Agree" in user
    assert "describe them" in user
    nop = build_messages(Templates.load(), ins, it, None)[1].content
    assert "describe you" in nop and "person" not in nop
    assert option_keys(ins, it) == (("1", "2", "3", "4", "5"), (1.0, 2.0, 3.0, 4.0, 5.0))
    for n in TEMPLATE_NAMES:
        assert default_template(n).strip()


def test_letter_keys_for_yrbs_and_unchanged_number_prompts():
    """YRBS options are keyed A, B, ... as on CDC's questionnaire (no "1 = 0 days");
    every other instrument's prompt says "number", word for word as before."""
    t = Templates.load()
    yrbs = load_instrument("yrbs2019")
    it = yrbs.item("Q12")
    sys_msg, user = (m.content for m in build_messages(t, yrbs, it, "A teen."))
    assert "A = 0 days" in user and "B = 1 day" in user and "1 = 0 days" not in user
    assert "the letter of one option" in user and "the letter of one answer option" in sys_msg
    assert user.endswith("carry a weapon such as a gun, knife, or club?")
    assert option_keys(yrbs, it) == (("A", "B", "C", "D", "E"), (1.0, 2.0, 3.0, 4.0, 5.0))
    ipip = load_instrument("ipip50")
    sys_msg, user = (m.content for m in build_messages(t, ipip, ipip.items[0], "A teen."))
    assert sys_msg == "You answer questionnaires. Reply with the number of one answer option only."
    assert "Answer with the number of one option:" in user and "{key}" not in user


def test_override_by_folder(tmp_path):
    (tmp_path / "persona.txt").write_text("Persona: {persona}\nItem: {item}\nOptions:\n{options}")
    (tmp_path / "system.txt").write_text("")
    t = Templates.load(tmp_path)
    ins = load_instrument("ipip50")
    msgs = build_messages(t, ins, ins.items[1], "X {not a field}")
    assert len(msgs) == 1 and msgs[0].content.startswith("Persona: X {not a field}\nItem: ")
    assert t.digest != Templates.load().digest
    assert t.texts["no_persona"] == default_template("no_persona")


def test_bad_templates(tmp_path):
    with pytest.raises(PopulaceError, match="does not exist"):
        Templates.load(tmp_path / "nope")
    with pytest.raises(PopulaceError, match="has none of"):
        Templates.load(tmp_path)
    (tmp_path / "persona.txt").write_text("{persona} {itme}")
    with pytest.raises(PopulaceError, match="unknown placeholders.*itme"):
        Templates.load(tmp_path)
    (tmp_path / "persona.txt").write_text("{item} only")
    with pytest.raises(PopulaceError, match="must contain {persona}"):
        Templates.load(tmp_path)
    (tmp_path / "persona.txt").write_text("{persona} {item")
    with pytest.raises(PopulaceError, match="persona.txt"):
        Templates.load(tmp_path)


def test_a_scale_that_rates_an_action_is_asked_with_its_instructions():
    """WVS F117 rates how justifiable an action is, not how well it describes the
    respondent: its instructions lead the item (likert_prompt: instructions)."""
    t = Templates.load()
    f117 = load_instrument("wvs_f117")
    assert f117.likert_prompt == "instructions"
    it = f117.items[0]
    user = build_messages(t, f117, it, "A tax clerk.")[1].content
    assert user.startswith("Here is a description of a person:")
    assert user.index("A tax clerk.") < user.index(f117.instructions) < user.index(it.text)
    assert "describe" not in user and "1 = Never justifiable" in user
    nop = build_messages(t, f117, it, None)[1].content
    assert nop.startswith(f117.instructions) and "person" not in nop and "yourself" in nop
    # self-description scales keep their prompt word for word
    assert load_instrument("ipip50").likert_prompt == "describes"


def test_instructed_prompt_needs_instructions(tmp_path):
    ins = load_instrument("wvs_f117")
    data = ins.model_dump()
    data["instructions"] = None
    with pytest.raises(ValueError, match="needs the instrument's instructions"):
        type(ins).model_validate(data)
    (tmp_path / "persona_instructed.txt").write_text("{persona}\n{options}\n{item}")
    with pytest.raises(PopulaceError, match=r"must contain \{instructions\}"):
        Templates.load(tmp_path)
