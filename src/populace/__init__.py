"""populace: population-aligned persona sets for LLM-based social simulation.

Implements Hu et al., "Population-Aligned Persona Generation for LLM-based
Social Simulation" (arXiv:2509.10127) and extends it.
"""

__version__ = "0.1.0"


def __getattr__(name):  # lazy Python API: populace.target(...)
    if name == "target":
        import importlib

        return importlib.import_module("populace.targeting")
    raise AttributeError(f"module 'populace' has no attribute {name!r}")
