"""What every estimator returns, `StatResult`, and the argument checks the estimators share.

`StatResult` holds the core fields (method, estimate, ci_low, ci_high, p_value, n, reason,
warnings) plus extras; `.to_dict()` gives a flat, JSON-safe dict. `json_safe` converts numpy and
pandas scalars and arrays to Python and NaN, infinities and missing values to None (the result
files are JSON). `_inconclusive` builds a result that says why no estimate exists; `_check_count`,
`_check_alpha` and `_check_alt` raise `ValueError` for impossible input (a caller's bug, never a
fact about the data). Plain Python over numpy/pandas types: nothing here computes a statistic.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

_CORE = ("method", "estimate", "ci_low", "ci_high", "p_value", "n", "reason", "warnings")


def _num(x: Any) -> float | None:
    """float(x), or None for None / NaN / +-inf."""
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def json_safe(obj: Any) -> Any:
    """Recursively convert numpy scalars/arrays to Python and NaN/inf to None."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return _num(obj)
    if isinstance(obj, Mapping):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray, pd.Series)):
        return [json_safe(v) for v in list(obj)]
    if obj is pd.NA or obj is pd.NaT:
        return None
    return obj


@dataclass
class StatResult:
    """One estimate with its interval and test. See the module docstring."""

    method: str
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    n: int | None = None
    reason: str | None = None
    warnings: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.estimate = _num(self.estimate)
        self.ci_low = _num(self.ci_low)
        self.ci_high = _num(self.ci_high)
        self.p_value = _num(self.p_value)
        self.n = None if self.n is None else int(self.n)
        clash = set(self.extra) & set(_CORE)
        if clash:  # pragma: no cover - programming error
            raise ValueError(f"extra fields shadow core fields: {sorted(clash)}")

    @property
    def ok(self) -> bool:
        """True when the result is usable (no blocking reason)."""
        return self.reason is None

    def __getitem__(self, key: str) -> Any:
        if key in _CORE:
            return getattr(self, key)
        return self.extra[key]

    def to_dict(self) -> dict[str, Any]:
        """Flat JSON-safe dict: core fields then extras (NaN/inf -> None)."""
        out = {k: getattr(self, k) for k in _CORE}
        out["warnings"] = list(self.warnings)
        out.update(self.extra)
        return json_safe(out)


def _inconclusive(method: str, reason: str, n: int | None = None, **extra: Any) -> StatResult:
    return StatResult(method=method, n=n, reason=reason, extra=extra)


def _check_count(name: str, v: Any) -> int:
    if isinstance(v, (bool, np.bool_)):
        raise ValueError(f"{name} must be a count, not a bool")
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a non-negative integer, got {v!r}") from None
    if not math.isfinite(f) or f < 0 or f != int(f):
        raise ValueError(f"{name} must be a non-negative integer, got {v!r}")
    return int(f)


def _check_alpha(alpha: float) -> float:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    return float(alpha)


_ALTS = ("two-sided", "greater", "less")


def _check_alt(alternative: str) -> str:
    if alternative not in _ALTS:
        raise ValueError(f"alternative must be one of {_ALTS}, got {alternative!r}")
    return alternative
