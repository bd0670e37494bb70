"""The plain-loop reference switch."""

from __future__ import annotations

import contextlib

import numpy as np

_PLAIN = [False]


@contextlib.contextmanager
def plain_loop():
    """Run specification curves as a plain statsmodels/scipy loop (the benchmark's reference).

    Inside the block nothing is shared between specifications and nothing is
    vectorised: `DesignCache.get` rebuilds every sample and design, logits are fitted
    by statsmodels' GLM (`cov_type="cluster"`), and the `*_many` exact functions call
    scipy's `binomtest` / `fisher_exact` and statsmodels' `proportion_confint` once per
    specification. Results must equal the fast path's (checked in tests and by
    `bench/bench_claims.py`); only the time differs.
    """
    old = _PLAIN[0]
    _PLAIN[0] = True
    try:
        yield
    finally:
        _PLAIN[0] = old


def plain_loop_active() -> bool:
    """True inside `plain_loop()`."""
    return _PLAIN[0]


def _confint_loop(k: np.ndarray, n: np.ndarray, alpha: float, method: str) -> tuple[np.ndarray, np.ndarray]:
    """The plain loop's intervals: statsmodels `proportion_confint` once per (k, n); NaN where n == 0."""
    from statsmodels.stats.proportion import proportion_confint

    k, n = np.broadcast_arrays(k, n)
    ci = [
        proportion_confint(kk, nn, alpha, method=method) if nn > 0 else (np.nan, np.nan)
        for kk, nn in zip(k.ravel().tolist(), n.ravel().tolist())
    ]
    return (
        np.array([c[0] for c in ci], dtype=float).reshape(k.shape),
        np.array([c[1] for c in ci], dtype=float).reshape(k.shape),
    )
