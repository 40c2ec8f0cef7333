"""The one-way import rule of ARCHITECTURE.md, checked on the source."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "populace"

# package (or module) -> populace packages it may import besides itself
ALLOWED = {
    "errors": set(),
    "weighted.py": set(),
    "files.py": {"errors"},
    "instruments": {"errors", "files"},
    "reference": {"errors", "files", "instruments", "weighted"},
    "evaluate/metrics.py": {"errors", "weighted"},
    "evaluate/_core.py": {"errors", "weighted"},
    "evaluate/_wasserstein.py": {"errors"},
    "evaluate/_moments.py": {"errors", "weighted"},
    "evaluate/_mmd.py": {"errors"},
    "evaluate/_resampling.py": {"errors"},
    "align": {"errors", "files", "instruments", "reference", "evaluate", "weighted"},
    "llm": {"errors"},
    "templates.py": {"errors", "files"},
    "config.py": {"errors", "files"},
    "persona_sets.py": {"errors", "files", "reference"},
    "synth": {"errors", "llm", "survey", "templates"},
}

# packages no stage may import (they sit on top, under cli only)
TOP = {
    "pipeline": {
        "mining",
        "survey",
        "targeting",
        "synth",
        "llm",
        "align",
        "evaluate",
        "reference",
        "instruments",
        "corpus",
        "run",
        "config",
        "errors",
        "weighted",
        "files",
        "persona_sets",
    }
}


def _populace_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            continue  # relative imports stay inside the package
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for n in names:
            parts = n.split(".")
            if parts[0] == "populace" and len(parts) > 1:
                out.add(parts[1])
    return out


def _files(key: str) -> list[Path]:
    p = SRC / key
    if p.suffix == ".py":
        return [p]
    return sorted(p.rglob("*.py")) if p.is_dir() else [SRC / f"{key}.py"]


@pytest.mark.parametrize("key", sorted(ALLOWED))
def test_imports_flow_one_way(key):
    own = key.split("/")[0].removesuffix(".py")
    for f in _files(key):
        bad = _populace_imports(f) - ALLOWED[key] - {own}
        assert not bad, f"{f.relative_to(SRC)} imports populace.{', populace.'.join(sorted(bad))}"


@pytest.mark.parametrize(
    "stage",
    [
        "mining",
        "survey",
        "targeting",
        "synth",
        "llm",
        "align",
        "evaluate",
        "reference",
        "instruments",
        "corpus",
    ],
)
def test_no_stage_imports_the_pipeline_or_cli(stage):
    for f in _files(stage):
        bad = _populace_imports(f) & {"pipeline", "cli"}
        assert not bad, f"{f.relative_to(SRC)} imports populace.{', populace.'.join(sorted(bad))}"


def test_pipeline_imports_only_what_it_orchestrates():
    for f in _files("pipeline"):
        bad = _populace_imports(f) - TOP["pipeline"] - {"pipeline"}
        assert not bad, f"{f.relative_to(SRC)} imports populace.{', populace.'.join(sorted(bad))}"
