"""The OpenAI-compatible backend: a real llama_cpp.server on loopback, and a
scripted fault server for retries, garbage and errors."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import numpy as np
import pytest

from populace.errors import PopulaceError
from populace.llm.base import ChoiceRequest, GenerateRequest, Message
from populace.llm.openai_compat import OpenAIBackend, normalise_base_url
from tests._llm_helpers import FaultServer, chat_ok, completion_ok, free_port, smollm2_path

MSGS = (
    Message("system", "Reply with one number."),
    Message(
        "user",
        "Here is a description of a person:\nA shy librarian.\n\n"
        "How well does this statement describe them? 1 = Disagree, 5 = Agree\n\n"
        "Statement: I am the life of the party.",
    ),
)
KEYS = ("1", "2", "3", "4", "5")


@pytest.fixture(scope="module")
def llama_server():
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(smollm2_path()),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--model_alias",
            "smollm2-135m",
            "--n_ctx",
            "2048",
            "--n_threads",
            "1",
            "--verbose",
            "false",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"llama_cpp.server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(url + "/models", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("llama_cpp.server did not start within 90 s")
    yield url
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_real_server_choice_probs_and_generate(llama_server):
    b = OpenAIBackend(llama_server, "smollm2-135m", concurrency=2)
    res = b.choice_probs([ChoiceRequest(MSGS, KEYS)] * 2)
    for r in res:
        assert r.ok, r.error
        assert r.method == "top_logprobs" and abs(sum(r.probs) - 1) < 1e-9
        assert 0 < r.mass <= 1
    assert res[0].probs == res[1].probs
    # the single-token check went through the server's tokenizer
    assert b.key_method(KEYS) == "top_logprobs"
    g = b.generate([GenerateRequest(MSGS, max_tokens=5, temperature=0.0)])[0]
    assert g.ok and isinstance(g.text, str)


def test_real_server_enforces_a_grammar(llama_server):
    """The grammar goes to llama_cpp.server as its ``grammar`` field: the critic's
    reply always parses (SmolLM2 alone wrote digit lists, see the fixtures)."""
    from populace.mining import Templates, grammars
    from populace.mining.parse import parse_critic
    from populace.mining.prompts import fence, format_posts

    b = OpenAIBackend(llama_server, "smollm2-135m", concurrency=1)
    msgs = Templates.load().messages(
        "critic",
        posts=format_posts(["I walked my dog and I wrote my thesis today."], ["2004-05-01"]),
        persona=fence("She is a student."),
    )
    g = b.generate([GenerateRequest(msgs, max_tokens=60, grammar=grammars.CRITIC)])[0]
    assert g.ok, g.error
    assert set(parse_critic(g.text)) == {
        "hallucination",
        "coverage",
        "conciseness",
        "relevance",
        "overall",
    }
    # the field name is configurable (vLLM: guided_grammar); None never sends one
    sent = []

    async def capture(path, payloads):
        sent.extend(payloads)
        return [({"choices": [{"message": {"content": "{}"}}]}, None) for _ in payloads]

    b._many = capture
    for field in ("guided_grammar", None):
        b.grammar_field = field
        b.generate([GenerateRequest(msgs, max_tokens=8, grammar=grammars.CRITIC)])
    assert sent[0]["guided_grammar"] == grammars.CRITIC and "grammar" not in sent[0]
    assert "guided_grammar" not in sent[1] and "grammar" not in sent[1]


def test_real_server_agrees_with_in_process(llama_server):
    from populace.llm.llamacpp import LlamaCppBackend

    http = OpenAIBackend(llama_server, "smollm2-135m").choice_probs([ChoiceRequest(MSGS, KEYS)])[0]
    local = LlamaCppBackend(str(smollm2_path()), n_ctx=1024)
    try:
        mine = local.choice_probs([ChoiceRequest(MSGS, KEYS)])[0]
    finally:
        local.close()
    # the server only returns the top 20 tokens, so compare the top answer
    assert int(np.argmax(http.probs)) == int(np.argmax(mine.probs))


def test_wrong_model_and_unreachable_server(llama_server):
    with pytest.raises(PopulaceError, match="does not serve model 'nope'.*smollm2-135m"):
        OpenAIBackend(llama_server, "nope")
    with pytest.raises(PopulaceError, match="cannot reach the server"):
        OpenAIBackend(f"http://127.0.0.1:{free_port()}/v1", "x")


def test_base_url_normalised():
    assert normalise_base_url("http://h:1") == "http://h:1/v1"
    assert normalise_base_url("http://h:1/v1/") == "http://h:1/v1"
    assert (
        normalise_base_url("https://api.example.com/openai/v1")
        == "https://api.example.com/openai/v1"
    )
    with pytest.raises(PopulaceError):
        normalise_base_url("h:1")


def test_retries_on_429_and_500_then_succeeds():
    script = [
        (429, {"error": "slow down"}, {"Retry-After": "0.1"}),
        (500, "boom", {}),
        (503, "busy", {}),
    ]
    with FaultServer(script) as fs:
        b = OpenAIBackend(fs.url, "fake", backoff=0.01)
        r = b.choice_probs([ChoiceRequest(MSGS, KEYS)])[0]
        assert r.ok and len(fs.chat_posts()) == 4
        # "3" at -0.5, "4" at -1.5, "2" at -2.0 renormalised; "1" and "5" absent
        raw = np.exp([-2.0, -0.5, -1.5])
        assert np.allclose(r.probs, [0, *(raw / raw.sum()), 0])
        assert abs(r.mass - raw.sum()) < 1e-9


def test_persistent_errors_and_garbage_become_per_request_failures():
    with FaultServer(default=(500, "internal error", {})) as fs:
        b = OpenAIBackend(fs.url, "fake", backoff=0.001, max_retries=2)
        r = b.generate([GenerateRequest(MSGS)])[0]
        assert not r.ok and "gave up after 3 attempts" in r.error and "HTTP 500" in r.error
        assert len(fs.chat_posts()) == 3
    with FaultServer(default=(200, "<html>not json</html>", {})) as fs:
        b = OpenAIBackend(fs.url, "fake", backoff=0.001, max_retries=1)
        r = b.choice_probs([ChoiceRequest(MSGS, KEYS)])[0]
        assert not r.ok and "malformed response" in r.error
    no_options = chat_ok(top=[("Hello", -0.1), ("The", -2.5)])
    with FaultServer(default=(200, no_options, {})) as fs:
        r = OpenAIBackend(fs.url, "fake").choice_probs([ChoiceRequest(MSGS, KEYS)])[0]
        assert not r.ok and "no answer option" in r.error
    with FaultServer(default=(400, {"error": "context too long"}, {})) as fs:
        r = OpenAIBackend(fs.url, "fake").generate([GenerateRequest(MSGS)])[0]
        assert not r.ok and "HTTP 400" in r.error and len(fs.chat_posts()) == 1


def test_round_robin_concurrency_and_api_key_from_env(monkeypatch):
    monkeypatch.setenv("MY_TEST_KEY", "sk-secret-123")
    with FaultServer() as a, FaultServer() as b:
        be = OpenAIBackend([a.url, b.url], "fake", api_key_env="MY_TEST_KEY", concurrency=3)
        res = be.choice_probs([ChoiceRequest(MSGS, KEYS)] * 10)
        assert all(r.ok for r in res)
        assert len(a.chat_posts()) == 5 and len(b.chat_posts()) == 5
        assert a.chat_posts()[0]["auth"] == "Bearer sk-secret-123"
        assert a.chat_posts()[0]["body"]["top_logprobs"] == 20
        assert a.chat_posts()[0]["body"]["max_tokens"] == 1
    assert "sk-secret" not in repr(vars(be))


def test_refused_key_and_missing_model_on_call():
    with FaultServer(default=(401, {"error": "bad key"}, {})) as fs:
        be = OpenAIBackend(fs.url, "fake")
        with pytest.raises(PopulaceError, match="OPENAI_API_KEY"):
            be.generate([GenerateRequest(MSGS)])
    with FaultServer(default=(404, {"error": "model 'fake' not found"}, {}), models=()) as fs:
        be = OpenAIBackend(fs.url, "fake")
        with pytest.raises(PopulaceError, match="does not serve model"):
            be.choice_probs([ChoiceRequest(MSGS, KEYS)])


def test_multi_token_keys_fall_back_to_first_token(monkeypatch):
    with FaultServer(default=(200, chat_ok(top=[("1", -0.2), ("2", -1.0)]), {})) as fs:
        be = OpenAIBackend(fs.url, "fake")
        fake_tok = {"10": [16, 15], "20": [17, 15]}
        monkeypatch.setattr(be, "_tokenize", lambda s: fake_tok[s])
        r = be.choice_probs([ChoiceRequest(MSGS, ("10", "20"))])[0]
        assert r.ok and r.method == "first_token" and r.probs[0] > r.probs[1]
        monkeypatch.setattr(be, "_tokenize", lambda s: [16, 15])
        be._key_check.clear()
        with pytest.raises(PopulaceError, match="generate"):
            be.choice_probs([ChoiceRequest(MSGS, ("10", "20"))])


def test_env_key_never_written(tmp_path, monkeypatch):
    from populace.llm.cache import CachedBackend, CallCache

    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-on-disk")
    with FaultServer() as fs:
        cache = CallCache(tmp_path / "c.sqlite")
        CachedBackend(OpenAIBackend(fs.url, "fake"), cache).choice_probs(
            [ChoiceRequest(MSGS, KEYS)]
        )
        cache.close()
    for f in tmp_path.iterdir():
        assert b"sk-never-on-disk" not in f.read_bytes()
    assert os.environ["OPENAI_API_KEY"] == "sk-never-on-disk"


TEMPLATE = (
    "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def test_multi_token_keys_scored_exactly_token_by_token(monkeypatch):
    prompt = "<|user|>Pick 10, 11 or 12.\n<|assistant|>"
    steps = {
        prompt: [("1", -0.1), ("2", -2.5)],  # first token of every key
        prompt + "1": [("0", -0.7), ("1", -1.2), ("3", -2.0)],
    }  # "12" is not in the top

    def completions(body):
        return completion_ok(steps[body["prompt"]])

    with FaultServer(completions=completions) as fs:
        be = OpenAIBackend(fs.url, "fake", chat_template=TEMPLATE)
        monkeypatch.setattr(be, "_tokenize", lambda s: [16, 15])  # every key is two tokens
        msgs = (Message("user", "Pick 10, 11 or 12."),)
        assert be.render(msgs) == prompt
        r = be.choice_probs([ChoiceRequest(msgs, ("10", "11", "12"))])[0]
        posts = [x for x in fs.log if x["path"].endswith("/v1/completions")]
    assert r.ok and r.method == "continuation"
    raw = np.exp([-0.1 - 0.7, -0.1 - 1.2, -np.inf])
    assert np.allclose(r.probs, raw / raw.sum()) and abs(r.mass - raw.sum()) < 1e-9
    # the shared first step is asked once, then once per key still alive
    assert sorted(p["body"]["prompt"] for p in posts) == [prompt, prompt + "1"]
    assert all(p["body"]["max_tokens"] == 1 and p["body"]["logprobs"] == 20 for p in posts)


def test_one_is_scored_apart_from_ten_token_by_token(monkeypatch):
    """Keys "1" and "10" where digits are single tokens: "10" continues "1", so
    "1" alone is P("1") - P("10") (the same correction as in process)."""
    prompt = "<|user|>Pick 1, 2 or 10.\n<|assistant|>"
    steps = {
        prompt: [("1", -0.2), ("2", -2.0)],
        prompt + "1": [("0", -0.5), ("<|end|>", -1.0)],
    }

    def completions(body):
        return completion_ok(steps[body["prompt"]])

    with FaultServer(completions=completions) as fs:
        be = OpenAIBackend(fs.url, "fake", chat_template=TEMPLATE)
        monkeypatch.setattr(be, "_tokenize", lambda s: [16] * len(s))  # one token per digit
        msgs = (Message("user", "Pick 1, 2 or 10."),)
        r = be.choice_probs([ChoiceRequest(msgs, ("1", "2", "10"))])[0]
    assert r.ok and r.method == "continuation"
    p1, p2, p10 = np.exp(-0.2), np.exp(-2.0), np.exp(-0.2 - 0.5)
    raw = np.array([p1 - p10, p2, p10])
    assert np.allclose(r.probs, raw / raw.sum()) and abs(r.mass - raw.sum()) < 1e-9


def test_multi_token_keys_without_template_need_distinct_first_tokens(monkeypatch):
    with FaultServer() as fs:  # no /apply-template, no chat_template
        be = OpenAIBackend(fs.url, "fake")
        monkeypatch.setattr(be, "_tokenize", lambda s: [16, 15])
        with pytest.raises(PopulaceError, match="chat template"):
            be.choice_probs([ChoiceRequest(MSGS, ("10", "11"))])


def test_real_server_scores_multi_token_keys_exactly(llama_server):
    from llama_cpp import Llama

    from populace.llm.llamacpp import LlamaCppBackend

    vocab = Llama(model_path=str(smollm2_path()), vocab_only=True, verbose=False)
    template = vocab.metadata["tokenizer.chat_template"]
    msgs = (Message("user", "Pick a number: 10, 11 or 12. Reply with the number only."),)
    keys = ("10", "11", "12")  # two tokens each for SmolLM2, sharing the first ("1")
    http = OpenAIBackend(llama_server, "smollm2-135m", chat_template=template)
    assert http.key_method(keys, msgs) == "continuation"
    r = http.choice_probs([ChoiceRequest(msgs, keys)])[0]
    assert r.ok and r.method == "continuation", r.error
    assert http.calls == 2  # the first token, then the second after the shared "1"
    local = LlamaCppBackend(str(smollm2_path()), n_ctx=1024)
    try:
        assert local.render(msgs) == http.render(msgs)
        mine = local.choice_probs([ChoiceRequest(msgs, keys)])[0]
    finally:
        local.close()
    assert mine.method == "logits_multi_token"
    # the same product of conditional probabilities, server vs in process
    assert np.allclose(r.probs, mine.probs, atol=0.02)
    assert abs(r.mass - mine.mass) < 0.02
