"""`populace models`: the model registry, where each model is and whether it is present."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from populace.llm.models import DEFAULT_MODEL, REGISTRY, locate, model_dir


def models() -> None:
    """List the known models, where their files are and whether they are present."""
    console = Console()
    table = Table(title="Known models (any local .gguf path or Hugging Face owner/repo also works)")
    for col in ("id", "description", "present", "file / how to get it"):
        table.add_column(col, overflow="fold")
    for spec in REGISTRY.values():
        path, status = locate(spec)
        present = "yes" if path is not None and path.exists() else "no"
        where = str(path) if path is not None else status
        if path is not None and not path.exists():
            where = f"{path} ({status})"
        name = spec.id + (" (default)" if spec.id == DEFAULT_MODEL else "")
        table.add_row(name, spec.description, present, where)
    console.print(table)
    console.print(f"Model cache folder: {model_dir()} (set POPULACE_MODEL_DIR to change it)")
