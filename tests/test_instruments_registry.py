from pathlib import Path

import pytest

from populace.errors import PopulaceError
from populace.instruments import builtin_ids, load_instrument

GOOD = """
id: tiny
name: Tiny test scale
citation: made up for a test
scale: {min: 1, max: 3, labels: {1: "No", 2: Maybe, 3: "Yes"}}
traits: [{id: T, name: Trait}]
items:
  - {id: q1, text: I like tests., trait: T}
  - {id: q2, text: I hate tests., trait: T, reverse: true}
"""


def test_builtin_ids_are_the_documented_set():
    assert builtin_ids() == [
        "bfi25",
        "cfcs12",
        "fbps26",
        "grit12",
        "ipip50",
        "wvs_e143",
        "wvs_f117",
        "yrbs2019",
    ]


@pytest.mark.parametrize(
    "iid,n_items,n_traits,n_reverse",
    [
        ("ipip50", 50, 5, 24),
        ("bfi25", 25, 5, 7),
        ("cfcs12", 12, 1, 7),
        ("grit12", 12, 1, 6),
        ("fbps26", 26, 0, 0),
    ],
)
def test_builtins_load_with_expected_shape(iid, n_items, n_traits, n_reverse):
    ins = load_instrument(iid)
    assert len(ins.items) == n_items
    assert len(ins.traits) == n_traits
    assert sum(it.reverse for it in ins.items) == n_reverse
    assert ins.citation


def test_user_yaml_loads(tmp_path: Path):
    p = tmp_path / "tiny.yaml"
    p.write_text(GOOD)
    ins = load_instrument(p)
    assert ins.item_ids == ["q1", "q2"]
    assert ins.options("q1")[2].label == "Yes"


@pytest.mark.parametrize(
    "text,needle",
    [
        ("id: x\nname: [unclosed", "not valid YAML at line 2"),
        ("- just a list", "expected a mapping"),
        (GOOD.replace("trait: T, reverse", "trait: Z, reverse"), "names trait 'Z'"),
        (GOOD.replace("2: Maybe, ", ""), "cover every point"),
        (GOOD.replace("id: q2", "id: q1"), "item id 'q1' is listed more than once"),
        (GOOD.replace("citation: made up for a test\n", ""), "citation: Field required"),
        (GOOD + "colour: blue\n", "colour: Extra inputs are not permitted"),
    ],
)
def test_bad_yaml_gives_one_clear_error(tmp_path: Path, text, needle):
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    with pytest.raises(PopulaceError) as exc:
        load_instrument(p)
    assert needle in str(exc.value)
    assert str(p) in str(exc.value)


def test_unknown_instrument_lists_builtins():
    with pytest.raises(PopulaceError, match="built-in instruments are bfi25, cfcs12"):
        load_instrument("ipip999")


def test_missing_yaml_file(tmp_path):
    with pytest.raises(PopulaceError, match="does not exist"):
        load_instrument(tmp_path / "nope.yaml")
