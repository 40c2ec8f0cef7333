"""The model registry: packaged model, joined parts, local files, HF downloads."""

from __future__ import annotations

import hashlib
import json
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from populace.errors import PopulaceError
from populace.llm import models as M
from tests._llm_helpers import smollm2_path


@pytest.fixture(autouse=True)
def model_dir(tmp_path, monkeypatch):
    d = tmp_path / "models"
    monkeypatch.setenv("POPULACE_MODEL_DIR", str(d))
    return d


def test_registry_and_packaged_model():
    assert {"smollm2-135m", "qwen2.5-1.5b"} <= set(M.REGISTRY)
    rm = M.resolve_model("smollm2-135m")
    assert rm.path == smollm2_path() and rm.source == "package"
    assert rm.sha256 == M.REGISTRY["smollm2-135m"].sha256
    assert M.resolve_model(None).id == M.DEFAULT_MODEL
    path, status = M.locate(M.REGISTRY["smollm2-135m"])
    assert status == "installed" and path.exists()


def _fake_parts(tmp_path, monkeypatch, data: bytes, n=3):
    """Install n fake part packages on sys.path and a spec that joins them."""
    site = tmp_path / "site"
    step = len(data) // n + 1
    for i in range(n):
        pkg = site / f"fakepart{i + 1}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part{i + 1:02d}.bin").write_bytes(data[i * step : (i + 1) * step])
    monkeypatch.syspath_prepend(str(site))
    return M.ModelSpec(
        id="fake",
        description="",
        filename="fake.gguf",
        sha256=hashlib.sha256(data).hexdigest(),
        packages=tuple(f"fake-part{i + 1}" for i in range(n)),
        parts=tuple(f"fakepart{i + 1}/data/part{i + 1:02d}.bin" for i in range(n)),
        install="pip install fake-part1..3",
    )


def test_join_parts_verifies_and_never_rejoins(tmp_path, monkeypatch, model_dir):
    data = b"GGUF" + bytes(range(256)) * 41
    spec = _fake_parts(tmp_path, monkeypatch, data)
    assert M.locate(spec)[1] == "parts installed; joined on first use"
    out = M.join_parts(spec)
    assert out.read_bytes() == data and M.locate(spec)[1] == "joined and verified"
    mtime = out.stat().st_mtime_ns
    opened = []
    real_open = open
    monkeypatch.setattr(
        "builtins.open", lambda p, *a, **k: opened.append(str(p)) or real_open(p, *a, **k)
    )
    assert M.join_parts(spec) == out
    monkeypatch.undo()
    assert not any("part0" in p for p in opened) and out.stat().st_mtime_ns == mtime


def test_join_parts_rejects_a_wrong_hash(tmp_path, monkeypatch, model_dir):
    spec = _fake_parts(tmp_path, monkeypatch, b"GGUF" + b"x" * 1000)
    bad = M.ModelSpec(**{**spec.__dict__, "sha256": "0" * 64})
    with pytest.raises(PopulaceError, match="expected 0000"):
        M.join_parts(bad)
    assert not (model_dir / "fake.gguf").exists()
    assert not [p for p in model_dir.iterdir() if ".part." in p.name]


def test_missing_part_package_is_named(tmp_path, monkeypatch):
    spec = _fake_parts(tmp_path, monkeypatch, b"GGUF1234")
    bad = M.ModelSpec(
        **{
            **spec.__dict__,
            "parts": spec.parts + ("nopkg_zz/data/x.bin",),
            "packages": spec.packages + ("nopkg-zz",),
        }
    )
    with pytest.raises(PopulaceError, match="nopkg-zz is not installed"):
        M.join_parts(bad)
    assert "missing 1 of 4" in M.locate(bad)[1]


def test_local_gguf_path_and_hash_memo(tmp_path, monkeypatch, model_dir):
    f = tmp_path / "tiny.gguf"
    f.write_bytes(b"GGUF" + b"\0" * 100)
    rm = M.resolve_model(str(f))
    assert rm.source == "local file" and rm.sha256 == hashlib.sha256(f.read_bytes()).hexdigest()
    assert str(f.resolve()) in next(iter(json.loads((model_dir / "hashes.json").read_text())))
    monkeypatch.setattr(M, "sha256_file", lambda p: pytest.fail("hashed twice"))
    assert M.resolve_model(str(f)).sha256 == rm.sha256
    notgguf = tmp_path / "x.gguf"
    notgguf.write_text("hello")
    with pytest.raises(PopulaceError, match="not a GGUF"):
        M.resolve_model(str(notgguf))
    with pytest.raises(PopulaceError, match="does not exist"):
        M.resolve_model(str(tmp_path / "missing.gguf"))
    with pytest.raises(PopulaceError, match="unknown model 'gpt5'"):
        M.resolve_model("gpt5")


def test_huggingface_download_from_a_local_mirror(tmp_path, monkeypatch, model_dir):
    """The real download code against a loopback server laid out like the HF hub."""
    root = tmp_path / "hub"
    (root / "api" / "models" / "acme").mkdir(parents=True)
    (root / "api" / "models" / "acme" / "tiny").write_text(
        json.dumps(
            {
                "siblings": [
                    {"rfilename": "README.md"},
                    {"rfilename": "tiny-f16.gguf"},
                    {"rfilename": "tiny-Q4_K_M.gguf"},
                ]
            }
        )
    )
    blob = b"GGUF" + b"\1" * 5000
    (root / "acme" / "tiny" / "resolve" / "main").mkdir(parents=True)
    (root / "acme" / "tiny" / "resolve" / "main" / "tiny-Q4_K_M.gguf").write_bytes(blob)
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{srv.server_address[1]}")
    try:
        rm = M.resolve_model("acme/tiny")
        assert rm.source == "huggingface" and rm.path.read_bytes() == blob
        assert rm.path.name == "tiny-Q4_K_M.gguf"
        assert M.resolve_model("acme/tiny").path == rm.path  # no second download
        with pytest.raises(PopulaceError, match="no model repo"):
            M.resolve_model("acme/none")
        with pytest.raises(PopulaceError, match="has no file"):
            M.resolve_model("acme/tiny/other.gguf")
    finally:
        srv.shutdown()
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens on port 9
    with pytest.raises(PopulaceError, match="cannot download"):
        M.resolve_model("acme/elsewhere")
    assert sys.modules["populace.llm.models"] is M
