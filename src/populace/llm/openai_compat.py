"""Any OpenAI-compatible chat server: vLLM, SGLang, llama.cpp, Ollama, OpenAI.

* Async httpx with at most ``concurrency`` requests in flight, a timeout per
  request, and retries with exponential backoff and jitter on 429, 5xx,
  timeouts, dropped connections and malformed (non-JSON) bodies; a
  ``Retry-After`` header is honoured. Each retry moves to the next base URL.
* Several base URLs (replicas) are used round-robin.
* ``choice_probs`` asks for one token with ``logprobs``/``top_logprobs`` and
  sums the probability of the tokens that spell each answer key (``"3"`` and
  ``" 3"``). Servers cap ``top_logprobs`` (vLLM: 20; OpenAI: 20), so a key
  outside the top list gets 0; ``mass`` records how much probability the keys
  captured. At the first call per key set the backend checks, through the
  server's tokenize endpoint where it has one (vLLM/llama.cpp ``/tokenize``,
  llama-cpp-python ``/extras/tokenize``), that every key is one token. Keys
  that are not (``"10"``, ``"Agree"``) are scored exactly where the prompt can
  be rendered as text (``chat_template=``, a Jinja chat template, or a server
  with llama.cpp's ``/apply-template``): token by token through the
  completions endpoint, P(key) = P(t1 | prompt) * P(t2 | prompt + t1) ...,
  each factor read from that step's ``top_logprobs`` (``method="continuation"``;
  a token outside the server's top list counts 0 and lowers ``mass``).
  Otherwise they are scored by their first token if those differ between keys
  (``method="first_token"``, approximate), else the survey must use
  ``generate`` mode.
* Unreachable servers and unknown model names are one clear error at start;
  401/403 say the API key was refused. The key is read from the environment
  variable ``api_key_env`` (default ``OPENAI_API_KEY``) and never stored.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import os
import random
import threading
from collections.abc import Sequence
from typing import Any

from populace.errors import PopulaceError
from populace.llm.base import (
    ChoiceRequest,
    ChoiceResult,
    GenerateRequest,
    GenerateResult,
    exclusive_of_extensions,
    renormalise,
)

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


def _httpx():
    try:
        import httpx
    except ImportError:  # pragma: no cover
        raise PopulaceError(
            "the openai backend needs httpx: pip install 'populace[openai]'"
        ) from None
    return httpx


def normalise_base_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise PopulaceError(f"base URL {url!r} must start with http:// or https://")
    scheme_host, _, path = url.partition("://")[2].partition("/")
    return url if path else url + "/v1"


def _run(coro):
    """Run a coroutine to completion, also from inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def target():
        try:
            box["v"] = asyncio.run(coro)
        except BaseException as exc:  # pragma: no cover - re-raised below
            box["e"] = exc

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "e" in box:
        raise box["e"]
    return box["v"]


class OpenAIBackend:
    def __init__(
        self,
        base_urls: str | Sequence[str],
        model: str,
        *,
        api_key_env: str = "OPENAI_API_KEY",
        concurrency: int = 8,
        timeout: float = 120.0,
        max_retries: int = 5,
        backoff: float = 0.5,
        top_logprobs: int = 20,
        check: bool = True,
        chat_template: str | None = None,
        bos_token: str = "",
        eos_token: str = "",
        grammar_field: str | None = "grammar",
    ):
        urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        if not urls:
            raise PopulaceError("give at least one --base-url")
        self.base_urls = [normalise_base_url(u) for u in urls]
        self.model = model
        self.fingerprint = f"openai:{model}"
        self.api_key_env = api_key_env
        self.concurrency = max(1, concurrency)
        self.timeout = timeout
        self.max_retries = max(0, max_retries)
        self.backoff = backoff
        self.top_logprobs = top_logprobs
        #: request field that carries a GBNF grammar: "grammar" (llama.cpp's server,
        #: llama_cpp.server), "guided_grammar" (vLLM), or None to never send one
        self.grammar_field = grammar_field
        self._rr = itertools.cycle(range(len(self.base_urls)))
        self._key_check: dict[tuple[str, ...], str] = {}
        self.chat_template = chat_template
        self._special = {"bos_token": bos_token, "eos_token": eos_token}
        self._server_template: bool | None = None  # does the server have /apply-template?
        self.calls = 0  # HTTP requests that reached a server and got an answer
        self.attempts = 0  # every HTTP attempt, retries included
        if check:
            self.check_server()

    # ------------------------------------------------------------ plumbing
    def _headers(self) -> dict[str, str]:
        key = os.environ.get(self.api_key_env)
        return {"Authorization": f"Bearer {key}"} if key else {}

    def _client(self):
        httpx = _httpx()
        return httpx.AsyncClient(
            timeout=httpx.Timeout(self.timeout, connect=min(10.0, self.timeout)),
            headers=self._headers(),
            limits=httpx.Limits(max_connections=self.concurrency * 2),
        )

    async def _post(self, client, sem, path: str, payload: dict) -> tuple[Any, str | None]:
        """POST with retries; returns (json, None) or (None, error text)."""
        httpx = _httpx()
        err = "no attempt made"
        for attempt in range(self.max_retries + 1):
            base = self.base_urls[next(self._rr)]
            retry_after = None
            async with sem:
                self.attempts += 1
                try:
                    r = await client.post(base + path, json=payload)
                except httpx.TimeoutException:
                    err = f"timed out after {self.timeout:g}s at {base}"
                    r = None
                except httpx.TransportError as exc:
                    err = f"connection to {base} failed: {exc or type(exc).__name__}"
                    r = None
            if r is not None:
                if r.status_code == 200:
                    try:
                        data = r.json()
                        if not isinstance(data, dict) or not data.get("choices"):
                            raise ValueError("no choices")
                        self.calls += 1
                        return data, None
                    except ValueError:
                        err = f"malformed response from {base}: {r.text[:120]!r}"
                elif r.status_code in (401, 403):
                    raise PopulaceError(
                        f"{base} refused the request (HTTP {r.status_code}): set the API key "
                        f"in the environment variable {self.api_key_env}"
                    )
                elif r.status_code == 404 and "model" in r.text.lower():
                    raise PopulaceError(
                        f"{base} does not serve model {self.model!r}: {r.text[:200]}"
                    )
                elif r.status_code in RETRY_STATUS or r.status_code >= 500:
                    err = f"HTTP {r.status_code} from {base}: {r.text[:120]}"
                    try:
                        retry_after = float(r.headers.get("retry-after", ""))
                    except ValueError:
                        retry_after = None
                else:
                    return None, f"HTTP {r.status_code} from {base}: {r.text[:200]}"
            if attempt < self.max_retries:
                delay = min(self.backoff * 2**attempt, 30.0) * (0.5 + random.random() / 2)
                await asyncio.sleep(min(retry_after, 60.0) if retry_after else delay)
        return None, f"gave up after {self.max_retries + 1} attempts: {err}"

    async def _many(self, path: str, payloads: list[dict]):
        sem = asyncio.Semaphore(self.concurrency)
        async with self._client() as client:
            return await asyncio.gather(*(self._post(client, sem, path, p) for p in payloads))

    # ------------------------------------------------------------ checks
    def check_server(self) -> None:
        """Every base URL answers ``GET /models`` and serves ``self.model``."""
        httpx = _httpx()
        for base in self.base_urls:
            try:
                r = httpx.get(
                    base + "/models", headers=self._headers(), timeout=min(self.timeout, 15)
                )
            except httpx.HTTPError as exc:
                raise PopulaceError(
                    f"cannot reach the server at {base}: {exc or type(exc).__name__} "
                    "(is it running? check --base-url)"
                ) from None
            if r.status_code in (401, 403):
                raise PopulaceError(
                    f"{base} refused the request (HTTP {r.status_code}): set the "
                    f"API key in the environment variable {self.api_key_env}"
                )
            if r.status_code != 200:
                continue  # some servers have no /models; the first call will tell
            try:
                ids = [m.get("id") for m in r.json().get("data", [])]
            except (ValueError, AttributeError):
                continue
            if ids and self.model not in ids:
                raise PopulaceError(
                    f"the server at {base} does not serve model {self.model!r}; "
                    f"it serves: {', '.join(map(str, ids))}"
                )

    def _tokenize(self, text: str) -> list[int] | None:
        httpx = _httpx()
        root = self.base_urls[0].rsplit("/v1", 1)[0]
        body = {
            "model": self.model,
            "prompt": text,
            "content": text,
            "input": text,
            "add_special_tokens": False,
        }
        for path in ("/tokenize", "/extras/tokenize"):
            try:
                r = httpx.post(root + path, json=body, headers=self._headers(), timeout=15)
                if r.status_code == 200 and isinstance(r.json().get("tokens"), list):
                    return r.json()["tokens"]
            except (httpx.HTTPError, ValueError, AttributeError):
                continue
        return None

    def render(self, msgs) -> str | None:
        """The prompt text of a conversation (assistant turn opened), or None if
        neither ``chat_template`` nor the server's ``/apply-template`` can render it."""
        chat = [{"role": m.role, "content": m.content} for m in msgs]
        if self.chat_template:
            from jinja2.sandbox import ImmutableSandboxedEnvironment

            def raise_exception(msg):  # what Hugging Face templates call on bad input
                raise PopulaceError(f"the chat template refused the messages: {msg}")

            env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
            env.globals["raise_exception"] = raise_exception
            return env.from_string(self.chat_template).render(
                messages=chat, add_generation_prompt=True, **self._special
            )
        if self._server_template is False:
            return None
        httpx = _httpx()
        root = self.base_urls[0].rsplit("/v1", 1)[0]
        try:
            r = httpx.post(
                root + "/apply-template",
                json={"messages": chat},
                headers=self._headers(),
                timeout=15,
            )
            prompt = r.json().get("prompt") if r.status_code == 200 else None
        except (httpx.HTTPError, ValueError, AttributeError):
            prompt = None
        self._server_template = isinstance(prompt, str)
        return prompt if self._server_template else None

    def key_method(self, keys: Sequence[str], msgs=None) -> str:
        """``"top_logprobs"`` if every key is one token; for multi-token keys
        ``"continuation"`` (exact) if the prompt can be rendered as text, else
        ``"first_token"`` if the keys start with distinct tokens; raises otherwise."""
        keys = tuple(keys)
        if keys not in self._key_check:
            toks = {k: self._tokenize(k) for k in keys}
            if any(t is None for t in toks.values()) or all(len(t) == 1 for t in toks.values()):
                method = "top_logprobs"  # unknown tokeniser: the captured mass will tell
            elif msgs is not None and self.render(msgs) is not None:
                method = "continuation"
            elif len({t[0] for t in toks.values() if t}) == len(keys):
                method = "first_token"
            else:
                raise PopulaceError(
                    f"answer keys {', '.join(keys)} are not single tokens for {self.model} and "
                    "share first tokens: give the model's chat template (chat_template=) so "
                    "they can be scored exactly through the completions endpoint, or use "
                    "--mode generate"
                )
            self._key_check[keys] = method
        return self._key_check[keys]

    def _continuation(self, requests: Sequence[ChoiceRequest]) -> list[ChoiceResult]:
        """Exact multi-token key probabilities, token by token (see the module doc).

        Each step asks the completions endpoint for one token's ``top_logprobs``
        after the prompt plus the part of the key matched so far; steps shared
        by several keys (the "1" of "10" and "11") are asked once."""
        prompts = [self.render(r.messages) for r in requests]
        # state per (request, key): (text matched so far, log-prob so far, tokens
        # matched) or None (lost)
        state = {(i, k): ("", 0.0, ()) for i, r in enumerate(requests) for k in r.keys}
        errors: dict[int, str] = {}
        for _ in range(max((len(k) for r in requests for k in r.keys), default=0)):
            todo = sorted(
                {
                    (i, sofar)
                    for (i, k), st in state.items()
                    if st is not None and st[0] != k and i not in errors
                    for sofar in [st[0]]
                }
            )
            if not todo:
                break
            payloads = [
                {
                    "model": self.model,
                    "prompt": prompts[i] + sofar,
                    "max_tokens": 1,
                    "temperature": 0.0,
                    "logprobs": self.top_logprobs,
                }
                for i, sofar in todo
            ]
            answers = dict(zip(todo, _run(self._many("/completions", payloads))))
            for (i, k), st in list(state.items()):
                if st is None or st[0] == k or i in errors:
                    continue
                data, err = answers[(i, st[0])]
                top = _top_logprobs(data) if err is None else None
                if err is not None or top is None:
                    errors[i] = err or (
                        "the completions endpoint returned no logprobs "
                        "(needed for multi-token answer keys)"
                    )
                    continue
                rest = k[len(st[0]) :]
                match = [(t, lp) for t, lp in top if t and rest.startswith(t)]
                if not match:  # not among the server's top tokens: counts 0
                    state[(i, k)] = None
                    continue
                t, lp = max(match, key=lambda x: len(x[0]))
                state[(i, k)] = (st[0] + t, st[1] + lp, st[2] + (t,))
        out = []
        for i, r in enumerate(requests):
            if i in errors:
                out.append(ChoiceResult(error=errors[i]))
                continue
            raw = [math.exp(state[(i, k)][1]) if state[(i, k)] is not None else 0.0 for k in r.keys]
            # "1" is how "10" begins where digits are single tokens: "1" alone is P("1") - P("10")
            paths = [[state[(i, k)][2] if state[(i, k)] is not None else (None, k)] for k in r.keys]
            probs, mass = renormalise(exclusive_of_extensions(raw, paths))
            out.append(
                ChoiceResult(probs=probs, mass=mass, method="continuation", exclusive=True)
                if probs
                else ChoiceResult(
                    mass=0.0,
                    error="no answer option among the server's top "
                    f"{self.top_logprobs} tokens at any step",
                )
            )
        return out

    # ------------------------------------------------------------ protocol
    def choice_probs(self, requests: Sequence[ChoiceRequest]) -> list[ChoiceResult]:
        if not requests:
            return []
        exact = [
            i
            for i, r in enumerate(requests)
            if self.key_method(r.keys, r.messages) == "continuation"
        ]
        if exact:
            done = dict(zip(exact, self._continuation([requests[i] for i in exact])))
            rest = [i for i in range(len(requests)) if i not in done]
            done.update(zip(rest, self.choice_probs([requests[i] for i in rest])))
            return [done[i] for i in range(len(requests))]
        payloads = [
            {
                "model": self.model,
                "max_tokens": 1,
                "temperature": 0.0,
                "logprobs": True,
                "top_logprobs": self.top_logprobs,
                "messages": [{"role": m.role, "content": m.content} for m in r.messages],
            }
            for r in requests
        ]
        answers = _run(self._many("/chat/completions", payloads))
        out = []
        for r, (data, err) in zip(requests, answers):
            if err is not None:
                out.append(ChoiceResult(error=err))
                continue
            method = self.key_method(r.keys, r.messages)
            top = _top_logprobs(data)
            if top is None:
                out.append(
                    ChoiceResult(
                        error="the server returned no logprobs (does it support "
                        "logprobs/top_logprobs? else use --mode generate)"
                    )
                )
                continue
            raw = [0.0] * len(r.keys)
            for tok, lp in top:
                t = tok.strip()
                for i, k in enumerate(r.keys):
                    if t == k or (method == "first_token" and t and k.startswith(t)):
                        raw[i] += math.exp(lp)
            probs, mass = renormalise(raw)
            if not probs:
                out.append(
                    ChoiceResult(
                        mass=0.0,
                        error=f"no answer option among the top "
                        f"{len(top)} tokens: {[t for t, _ in top[:5]]}",
                    )
                )
            else:
                out.append(ChoiceResult(probs=probs, mass=mass, method=method))
        return out

    def generate(self, requests: Sequence[GenerateRequest]) -> list[GenerateResult]:
        payloads = []
        for r in requests:
            p = {
                "model": self.model,
                "max_tokens": r.max_tokens,
                "temperature": r.temperature,
                "top_p": r.top_p,
                "seed": (int(r.seed) * 1_000_003 + int(r.sample_index)) % (2**31 - 1),
                "messages": [{"role": m.role, "content": m.content} for m in r.messages],
            }
            if r.stop:
                p["stop"] = list(r.stop)
            if r.grammar is not None and self.grammar_field:
                p[self.grammar_field] = r.grammar
            if r.repeat_penalty != 1.0:  # llama.cpp's server and vLLM read it
                p["repeat_penalty"] = p["repetition_penalty"] = r.repeat_penalty
            payloads.append(p)
        answers = _run(self._many("/chat/completions", payloads)) if payloads else []
        out = []
        for data, err in answers:
            if err is not None:
                out.append(GenerateResult(error=err))
                continue
            try:
                text = data["choices"][0]["message"]["content"]
                if not isinstance(text, str):
                    raise TypeError
                out.append(GenerateResult(text=text))
            except (KeyError, IndexError, TypeError):
                out.append(GenerateResult(error=f"malformed response: {str(data)[:120]}"))
        return out

    def close(self) -> None:
        pass


def _top_logprobs(data: dict) -> list[tuple[str, float]] | None:
    """(token, logprob) pairs of the first generated token, chat or completions style."""
    try:
        lp = data["choices"][0].get("logprobs")
        if not lp:
            return None
        if "content" in lp and lp["content"]:
            first = lp["content"][0]
            pairs = [(d["token"], float(d["logprob"])) for d in first.get("top_logprobs") or []]
            if not pairs:
                pairs = [(first["token"], float(first["logprob"]))]
            return pairs
        if lp.get("top_logprobs"):
            return [(t, float(v)) for t, v in lp["top_logprobs"][0].items()]
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return None
