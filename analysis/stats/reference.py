"""The reference ("plain loop") switch: the same specifications computed the slow, obvious way.

Inside `with plain_loop():` every fast path of the package gives way to one library call per
specification, so that the fast paths can be checked against it (tests/conftest.py
`assert_plain_loop_equal`) and timed against it (bench/bench_claims.py):

- `DesignCache.get` (speccurve) shares nothing: every sample and design is rebuilt;
- `LogitData.fit` (logit) fits statsmodels' GLM Binomial with `cov_type="cluster"` instead of
  the shared Newton fit and hand-written CRV1 sandwich;
- `poisson_or_nb_break` (counts) fits statsmodels' GLM, NB2 by its profile search
  (`_nb2_profile`), instead of the numpy scoring fits;
- the vectorised exact functions (exact) call scipy's `binomtest` / `fisher_exact` and
  statsmodels' `proportion_confint` once per specification: those loops are here.

The switch is one module-level flag (`_PLAIN`), read only through `plain_loop_active()`.
Results inside and outside the block must be equal; only the time differs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np

from ._lazy import scipy_stats

_PLAIN = [False]


@contextlib.contextmanager
def plain_loop() -> Iterator[None]:
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


def _binom_test_loop(k: np.ndarray, n: np.ndarray, p0: np.ndarray, alternative: str) -> np.ndarray:
    """The plain loop's binomial p-values: scipy `binomtest` once per (k, n, p0); NaN where n == 0."""
    return np.array(
        [
            scipy_stats.binomtest(int(kk), int(nn), float(pp), alternative=alternative).pvalue if nn > 0 else np.nan
            for kk, nn, pp in zip(k, n, p0)
        ],
        dtype=float,
    )


def _fisher_p_loop(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, alternative: str) -> np.ndarray:
    """The plain loop's Fisher p-values: scipy `fisher_exact` once per table; NaN where a margin is zero."""
    return np.array(
        [
            np.nan
            if min(aa + bb, cc + dd, aa + cc, bb + dd) == 0
            else scipy_stats.fisher_exact([[aa, bb], [cc, dd]], alternative=alternative)[1]
            for aa, bb, cc, dd in zip(a.tolist(), b.tolist(), c.tolist(), d.tolist())
        ],
        dtype=float,
    )
