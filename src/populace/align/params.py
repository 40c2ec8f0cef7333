"""The registry of the aligners' parameters: one place that types and checks them.

Every value of ``align(..., **params)`` (the Python API, ``populace align
--param NAME=VALUE`` and a run config's ``[align.params]``) goes through
:func:`check_params` before an aligner runs, so a mistyped or out-of-range
value is one clear error naming the parameter, never a traceback or a quietly
degenerate selection.  Values may come as text (the CLI): ``None``/``null``
means None where the parameter allows it, numbers are parsed, ``true``/``false``
are booleans and ``0.5,1`` is a list.

A parameter whose default is None accepts None; others only where ``nullable``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from populace.errors import PopulaceError

_NONE = ("none", "null", "")
_TRUE = ("true", "yes", "1", "on")
_FALSE = ("false", "no", "0", "off")


@dataclass(frozen=True)
class Spec:
    kind: str  # float | int | bool | choice | floats
    low: float | None = None  # bound (inclusive unless low_open)
    low_open: bool = False
    high: float | None = None
    high_open: bool = False
    choices: tuple[str, ...] = ()  # kind choice; for float: words allowed besides numbers
    nullable: bool = False
    allow_inf: bool = False
    meaning: str = ""

    def describe(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "bool":
            return "true or false"
        what = {
            "float": "a number",
            "int": "a whole number",
            "floats": "a list of numbers (e.g. 0.5,1)",
        }[self.kind]
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.low_open else '>='} {self.low:g}")
        if self.high is not None:
            parts.append(f"{'<' if self.high_open else '<='} {self.high:g}")
        out = what + (" " + " and ".join(parts) if parts else "")
        if self.choices:
            out += " or " + ", ".join(repr(c) for c in self.choices)
        return out


_POS = {"low": 0.0, "low_open": True}
_ROWS = Spec("int", low=2, nullable=True, meaning="reference rows kept (None: all)")
SPECS: dict[str, Spec] = {
    "bandwidth": Spec("float", **_POS, choices=("scott",)),
    "keep": Spec("float", low=0.0, low_open=True, high=1.0),
    "is_select": Spec("choice", choices=("top", "sample")),
    "readout": Spec("choice", choices=("rowsum", "gibbs", "matching")),
    "reg": Spec("float", **_POS),
    "n_iter": Spec("int", low=1),
    "batch_size": Spec("int", low=1),
    "max_reference": _ROWS,
    "ot_reference": _ROWS,
    "exclude_self": Spec("bool"),
    "rho": Spec("float", low=0.0, allow_inf=True),
    "use_is": Spec("bool"),
    "candidates": Spec("int", low=1),
    "scales": Spec("floats", **_POS),
    "refine": Spec("int", low=0),
    "kernel": Spec("choice", choices=("gaussian", "energy", "gaussian+energy")),
    "max_repeat": Spec("int", low=1, nullable=True),
    "corr_weight": Spec("float", low=0.0),
}
#: (method, parameter) -> a spec that differs from the shared one
OVERRIDES: dict[tuple[str, str], Spec] = {
    ("herding", "bandwidth"): Spec(
        "float", **_POS, nullable=True, meaning="None: median heuristic"
    ),
}


def spec_of(method: str, name: str, default=None) -> Spec | None:
    spec = OVERRIDES.get((method, name)) or SPECS.get(name)
    if spec is not None and default is None and not spec.nullable:
        spec = Spec(**{**spec.__dict__, "nullable": True})
    return spec


def _bad(method, name, value, spec: Spec) -> PopulaceError:
    none = " or None" if spec.nullable else ""
    return PopulaceError(
        f"align parameter {name}={value!r} (method {method}): must be {spec.describe()}{none}"
    )


def _number(value, integer: bool):
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, str):
        value = value.strip()
        value = (
            float(value) if not integer or any(c in value.lower() for c in ".en") else int(value)
        )
    if integer:
        f = float(value)
        if not math.isfinite(f) or f != int(f):
            raise ValueError
        return int(f)
    return float(value)


def coerce(method: str, name: str, value, spec: Spec):
    """``value`` typed and checked against ``spec`` (see the module doc)."""
    if value is None or (isinstance(value, str) and value.strip().lower() in _NONE):
        if spec.nullable:
            return None
        raise _bad(method, name, value, spec)
    try:
        if spec.kind == "bool":
            if isinstance(value, bool):
                return value
            s = str(value).strip().lower()
            if s in _TRUE or s in _FALSE:
                return s in _TRUE
            raise ValueError
        if spec.kind == "choice":
            if isinstance(value, str) and value.strip() in spec.choices:
                return value.strip()
            raise ValueError
        if spec.kind == "floats":
            items = (
                value.split(",")
                if isinstance(value, str)
                else (list(value) if isinstance(value, (list, tuple)) else [value])
            )
            out = tuple(_number(v, False) for v in items)
            if not out:
                raise ValueError
            for v in out:
                _check_range(v, spec)
            return out
        if spec.kind == "float" and isinstance(value, str) and value.strip() in spec.choices:
            return value.strip()
        v = _number(value, spec.kind == "int")
        _check_range(v, spec)
        return v
    except (TypeError, ValueError, OverflowError):
        raise _bad(method, name, value, spec) from None


def _check_range(v: float, spec: Spec) -> None:
    if math.isnan(v) or (math.isinf(v) and not spec.allow_inf):
        raise ValueError
    if spec.low is not None and (v < spec.low or (spec.low_open and v == spec.low)):
        raise ValueError
    if spec.high is not None and (v > spec.high or (spec.high_open and v == spec.high)):
        raise ValueError


def check_params(method: str, params: dict, defaults: dict) -> dict:
    """``params`` typed and checked for ``method`` (``defaults``: its parameters and
    their defaults); an unknown name or a bad value is one PopulaceError."""
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        raise PopulaceError(
            f"method {method!r} has no parameter(s) {unknown}; it takes "
            f"{', '.join(defaults) or 'none'}"
        )
    out = {}
    for name, value in params.items():
        spec = spec_of(method, name, defaults[name])
        out[name] = value if spec is None else coerce(method, name, value, spec)
    return out
