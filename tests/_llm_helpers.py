"""Helpers for the LLM and survey tests: the real SmolLM2 model, a small
instrument, a deterministic stand-in backend (only for logic around the
model), and a tiny scripted HTTP server for fault cases."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from populace.instruments import load_instrument
from populace.llm.base import ChoiceResult, GenerateResult

MINI_ITEMS = ("EXT1", "EST1", "AGR2", "CSN1", "OPN1")


def smollm2_path():
    from populace.llm.models import REGISTRY, locate

    path, status = locate(REGISTRY["smollm2-135m"])
    if path is None:
        pytest.fail(f"SmolLM2 is needed for these tests: {status}")
    return path


def mini_instrument():
    """IPIP-50 cut to one item per trait (a real instrument, 5 items)."""
    ins = load_instrument("ipip50")
    return ins.model_copy(update={"id": "mini5", "items": tuple(ins.item(i) for i in MINI_ITEMS)})


def mini_yaml(path):
    import yaml

    ins = mini_instrument()
    data = json.loads(ins.model_dump_json(exclude_none=True))
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


PERSONAS = [
    ("p1", "A shy librarian who reads alone every evening and avoids crowds."),
    ("p2", "A loud, outgoing salesman who throws parties every weekend."),
    ("p3", "A nervous student who worries about every exam and sleeps badly."),
    ("p4", "A calm, tidy accountant who plans every day in advance."),
]


def personas_csv(path, rows=PERSONAS):
    import pandas as pd

    pd.DataFrame(rows, columns=["persona_id", "persona"]).to_csv(path, index=False)
    return path


class StandIn:
    """Deterministic backend: probabilities from a hash of the prompt.

    Only for testing the logic around a model (modes, cache, resume,
    failure records); the model itself is tested with SmolLM2.
    """

    fingerprint = "standin:v1"

    def __init__(self, texts=None, fail_items=()):
        self.calls = 0
        self.texts = texts  # callable(request, attempt) -> text, for generate
        self.fail_items = fail_items

    def _h(self, msgs):
        return hashlib.sha256(json.dumps([m.content for m in msgs]).encode()).digest()

    def choice_probs(self, requests):
        self.calls += len(requests)
        out = []
        for r in requests:
            if any(f in r.messages[-1].content for f in self.fail_items):
                out.append(ChoiceResult(error="stand-in failure"))
                continue
            h = self._h(r.messages)
            raw = [1 + h[i] for i in range(len(r.keys))]
            s = sum(raw)
            out.append(ChoiceResult(probs=tuple(x / s for x in raw), mass=0.9, method="standin"))
        return out

    def generate(self, requests, **kw):
        self.calls += len(requests)
        return [GenerateResult(text=self.texts(r) if self.texts else "3") for r in requests]

    def close(self):
        pass


class OrderStandIn(StandIn):
    """The stand-in, recording (persona id of PERSONAS, batch size) of each
    choice_probs batch in order."""

    def __init__(self):
        super().__init__()
        self.batches = []

    def choice_probs(self, requests):
        user = requests[0].messages[-1].content
        self.batches.append((next(p for p, t in PERSONAS if t in user), len(requests)))
        return super().choice_probs(requests)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chat_ok(content="3", top=None):
    top = top if top is not None else [("3", -0.5), ("4", -1.5), ("2", -2.0), ("Hello", -3.0)]
    return {
        "id": "x",
        "object": "chat.completion",
        "model": "fake",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": content},
                "logprobs": {
                    "content": [
                        {
                            "token": top[0][0],
                            "logprob": top[0][1],
                            "top_logprobs": [{"token": t, "logprob": v} for t, v in top],
                        }
                    ]
                },
            }
        ],
    }


def completion_ok(top):
    """A /v1/completions answer whose one generated token has these top logprobs."""
    return {
        "id": "x",
        "object": "text_completion",
        "model": "fake",
        "choices": [
            {
                "index": 0,
                "text": top[0][0],
                "finish_reason": "length",
                "logprobs": {
                    "tokens": [top[0][0]],
                    "token_logprobs": [top[0][1]],
                    "top_logprobs": [dict(top)],
                    "text_offset": [0],
                },
            }
        ],
    }


class FaultServer:
    """A scripted OpenAI-like server on loopback.

    ``script``: list of (status, body, headers) answered in order to POSTs on
    /v1/chat/completions; after it runs out, ``default`` answers.
    ``completions``, if given, answers POSTs on /v1/completions. GET
    /v1/models lists ``models``. Every request is recorded in ``log``.
    """

    def __init__(self, script=(), default=None, models=("fake",), completions=None):
        self.script = list(script)
        self.completions = completions  # callable(body) -> response body, for /v1/completions
        self.default = (200, chat_ok(), {}) if default is None else default
        self.models = list(models)
        self.log: list[dict] = []
        self.lock = threading.Lock()
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _send(self, status, body, headers=None):
                data = (
                    body
                    if isinstance(body, bytes)
                    else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
                )
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path.endswith("/models"):
                    self._send(200, {"data": [{"id": m} for m in outer.models]})
                else:
                    self._send(404, {"error": "not found"})

            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(n) or b"{}")
                with outer.lock:
                    outer.log.append(
                        {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
                    )
                    if self.path.endswith("/v1/completions") and outer.completions:
                        return self._send(200, outer.completions(body))
                    if not self.path.endswith("/chat/completions"):
                        return self._send(404, {"error": "no such endpoint"})
                    status, resp, headers = outer.script.pop(0) if outer.script else outer.default
                self._send(status, resp, headers)

        self.port = free_port()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), H)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/v1"

    def chat_posts(self):
        return [x for x in self.log if x["path"].endswith("/chat/completions")]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
