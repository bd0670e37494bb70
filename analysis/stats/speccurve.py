"""The specification-curve runner: every combination of a claim's declared analysis choices,
evaluated in a fixed order, into one table.

`spec_curve(dims, fn)` (or `batch_fn=` for a vectorised evaluation) runs the Cartesian product
of the choices and returns one row per specification: its choices, a stable `spec_id` (a hash of
the choices), its `seed` (`step_seed(key, spec_id)`), and the estimate, interval, p-value, n,
method, reason, warnings and error. `DesignCache` shares samples and designs between
specifications that differ only in other choices (inside `plain_loop()` it shares nothing);
`curve_records` turns rows into JSON-safe dicts. The curve holds numbers only: the one decision
rule (analysis.claims.decision) classifies them.

Stands on pandas (the curve is a DataFrame), itertools and hashlib. Written here because the
Python `specification-curve` package runs regressions over formula choices (outcome, controls,
fixed effects, errors), while a claim's specifications are arbitrary functions (exact tests,
count models, samples built per choice) that need stable ids, per-specification seeds and
shared designs.
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .reference import plain_loop_active
from .resampling import step_seed
from .results import StatResult, _num, json_safe


class DesignCache:
    """Memo for work shared between specifications (designs, subsets, tables).

    `cache.get(key, builder)` returns the stored value for a hashable key or calls
    `builder()` once and stores it. Keys should name only the choices the value
    depends on (e.g. ("sample", s, "covars", c)), so specs that differ in other
    choices share it. `hits`/`misses` count reuse.
    """

    def __init__(self) -> None:
        self._d: dict[Any, Any] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: Any, builder: Callable[[], Any]) -> Any:
        if plain_loop_active():  # the reference loop shares nothing
            self.misses += 1
            return builder()
        try:
            v = self._d[key]
        except KeyError:
            self.misses += 1
            v = self._d[key] = builder()
            return v
        self.hits += 1
        return v

    def __len__(self) -> int:
        return len(self._d)


def _scalar(v: Any) -> Any:
    if v is None or isinstance(v, (str, bool, int, float, np.integer, np.floating, np.bool_)):
        return json_safe(v)
    return json.dumps(json_safe(v), sort_keys=True, default=str)


def _spec_id(choices: Mapping[str, Any]) -> str:
    canon = json.dumps({k: _scalar(v) for k, v in choices.items()}, sort_keys=True, default=str)
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()[:12]


_RESULT_COLS = ["estimate", "ci_low", "ci_high", "p_value", "n", "method", "reason", "warnings", "error"]


def _result_row(res: Any) -> dict[str, Any]:
    """Core fields + extras of one result, as a plain dict (no deep conversion)."""
    if isinstance(res, StatResult):
        d = dict(res.extra)
        d.update(
            method=res.method,
            estimate=res.estimate,
            ci_low=res.ci_low,
            ci_high=res.ci_high,
            p_value=res.p_value,
            n=res.n,
            reason=res.reason,
            warnings=res.warnings,
        )
        return d
    if isinstance(res, Mapping):
        return dict(res)
    raise TypeError(f"spec function must return a StatResult or a dict, got {type(res).__name__}")


def spec_curve(
    dims: Mapping[str, Sequence[Any]],
    fn: Callable[..., Any] | None = None,
    *,
    key: str = "",
    batch_fn: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    extra_cols: Sequence[str] = (),
    cache: DesignCache | None = None,
    errors: str = "record",
) -> pd.DataFrame:
    """Evaluate a specification over the Cartesian product of choice dimensions.

    dims: name -> list of options. Order is deterministic: itertools.product over
    `dims` in the given key order, options in list order (`spec_index` 0..N-1).
    `spec_id` is a 12-hex hash of the choices (independent of order and of the other
    options, so it is stable when a dimension gains an option); `seed` =
    step_seed(key, spec_id).

    fn(**choices) -> StatResult or dict; if fn has a `seed` / `cache` parameter it
    receives the spec's seed / the shared `DesignCache`. Alternatively `batch_fn`
    receives the whole grid (spec_index, spec_id, seed, choice columns) and returns
    a DataFrame with one row per grid row, in order (the vectorised path).

    The curve carries numbers only: the one decision rule (analysis.claims.decision)
    classifies its rows.
    Exceptions in fn are recorded in `error` (errors="record") or re-raised
    (errors="raise"). Columns: spec_index, spec_id, <dims>, estimate, ci_low,
    ci_high, p_value, n (Int64), method, reason, warnings ("; "-joined), error,
    seed (int64), <extra_cols>. Floats are NaN where a
    number is missing; `curve_records` turns rows into JSON-safe dicts.
    """
    if errors not in ("record", "raise"):
        raise ValueError("errors must be 'record' or 'raise'")
    if (fn is None) == (batch_fn is None):
        raise ValueError("give exactly one of fn or batch_fn")
    names = list(dims)
    reserved = set(_RESULT_COLS) | {"spec_index", "spec_id", "seed", "cache"}
    bad = [d for d in names if d in reserved]
    if bad:
        raise ValueError(f"dimension names clash with result columns: {bad}")
    options = [list(dims[d]) for d in names]
    if any(len(o) == 0 for o in options):
        raise ValueError("every dimension needs at least one option")
    combos = list(itertools.product(*options))
    ids = [_spec_id(dict(zip(names, c))) for c in combos]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate specifications (an option is listed twice)")
    grid = pd.DataFrame({"spec_index": np.arange(len(combos), dtype=np.int64), "spec_id": ids})
    for j, nm in enumerate(names):
        grid[nm] = [_scalar(c[j]) for c in combos]
    grid["seed"] = np.array([step_seed(key, s) for s in ids], dtype=np.int64)
    cache = cache if cache is not None else DesignCache()

    if batch_fn is not None:
        out = batch_fn(grid.copy())
        if len(out) != len(grid):
            raise ValueError(f"batch_fn returned {len(out)} rows for {len(grid)} specs")
        rows = out.reset_index(drop=True).to_dict("records")
    else:
        params = inspect.signature(fn).parameters
        wants_seed, wants_cache = "seed" in params, "cache" in params
        rows = []
        for c, seed in zip(combos, grid["seed"].tolist()):
            kwargs = dict(zip(names, c))
            if wants_seed:
                kwargs["seed"] = seed
            if wants_cache:
                kwargs["cache"] = cache
            try:
                rows.append(_result_row(fn(**kwargs)))
            except Exception as exc:
                if errors == "raise":
                    raise
                rows.append({"error": f"{type(exc).__name__}: {exc}"})
    for r in rows:
        w = r.get("warnings")
        if isinstance(w, (list, tuple)):
            r["warnings"] = "; ".join(map(str, w)) or None
        for col in ("method", "reason", "warnings", "error"):
            v = r.get(col)
            r[col] = None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)
    res = pd.DataFrame({col: [r.get(col) for r in rows] for col in _RESULT_COLS + list(extra_cols)})
    for col in ("estimate", "ci_low", "ci_high", "p_value"):
        res[col] = pd.to_numeric(res[col], errors="coerce").astype(float)
    res["n"] = pd.array([None if _num(v) is None else int(v) for v in res["n"]], dtype="Int64")
    out = grid.drop(columns="seed").copy()
    for col in _RESULT_COLS:
        out[col] = res[col].to_numpy() if col != "n" else res[col].array
    out["seed"] = grid["seed"].to_numpy()
    for col in extra_cols:
        out[col] = res[col].to_numpy()
    return out


def curve_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a spec-curve DataFrame as JSON-safe dicts (NaN / <NA> -> None)."""
    recs = df.astype(object).where(pd.notna(df), None).to_dict("records")
    return [json_safe(r) for r in recs]
