"""Statistics layer: exact tests, intervals, clustered logits, count breaks, spec curves.

Everything here is data-independent: functions take counts or arrays and return a
`StatResult` (a plain dataclass; `.to_dict()` gives a flat, JSON-safe dict in which
NaN and infinities are `None`). Core fields are the same for every estimator:

    method, estimate, ci_low, ci_high, p_value, n, reason, warnings, + extras

`reason` is `None` when the result is usable. When data make an estimate impossible or
untrustworthy (no events, an empty group, perfect separation, non-convergence, ...)
the function does **not** raise: it returns a result with `reason` set and the
affected numbers `None`, so a claim can be declared *inconclusive* and say why.
`ValueError` is raised only for impossible input (k > n, negative counts, arrays of
different lengths): those are bugs in the caller, not facts about the data.
`warnings` lists caveats that do not block use (a continuity correction, few
clusters, quasi-separation on a control variable).

Confidence intervals are two-sided at level 1 - alpha unless a function says
otherwise (the exact one-sample binomial test and Fisher's test report the interval
matching their `alternative`, so that the interval excludes the null exactly when the
test rejects; the two-sided interval is then also given as `ci2_low`/`ci2_high`).

Speed for specification curves comes from sharing work, not from approximations:
`LogitData` validates and cleans a design once (cache it per sample, covariate set
and outcome with `DesignCache`), fits it once with a Newton/IRLS solver in numpy whose
coefficients and cluster-robust (CRV1) covariance match statsmodels' GLM
`cov_type="cluster"` (same small-sample factor G/(G-1)*(N-1)/(N-K)), and reuses
that fit for every term, clustering, alpha and inference choice; the `*_many`
functions are vectorised exact computations for proportion and 2x2 specifications
(Clopper-Pearson, Wilson/Newcombe, Fisher and binomial p-values). Results never
depend on the order in which specifications are run (no warm starts; each fit starts
from the same point; seeds come from `step_seed`).
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import itertools
import json
import math
import warnings as _warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import special


class _LazyScipyStats:
    """`scipy.stats`, imported on first use (0.7 s): most claim jobs never need it."""

    def __getattr__(self, name: str) -> Any:
        from scipy import stats as _stats

        return getattr(_stats, name)


stats = _LazyScipyStats()

__all__ = [
    "plain_loop",
    "plain_loop_active",
    "StatResult",
    "json_safe",
    "proportion",
    "proportion_ci_many",
    "binom_test_vs",
    "wilson_ci_many",
    "newcombe_diff_ci_many",
    "fisher_2x2",
    "fisher_p_many",
    "binom_test_many",
    "risk_ratio",
    "rate_ratio",
    "LogitFit",
    "Clustering",
    "fit_logit_numpy",
    "LogitData",
    "logit_clustered",
    "poisson_or_nb_break",
    "permutation_test",
    "step_seed",
    "DesignCache",
    "spec_curve",
    "curve_records",
]

_CORE = ("method", "estimate", "ci_low", "ci_high", "p_value", "n", "reason", "warnings")

# ------------------------------------------------------------ the plain-loop reference

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


# --------------------------------------------------------------------------- results


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


def _sm_glm():
    """statsmodels' GLM and its families, imported on first use (not statsmodels.api,
    which also loads formulas, time series and more: about 0.6 s per process)."""
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    return GLM, families


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


# ------------------------------------------------------------------ one proportion


def _confint_loop(k: np.ndarray, n: np.ndarray, alpha: float, method: str) -> tuple[np.ndarray, np.ndarray]:
    """The plain loop's intervals: statsmodels `proportion_confint` once per (k, n); NaN where n == 0."""
    from statsmodels.stats.proportion import proportion_confint

    k, n = np.broadcast_arrays(k, n)
    ci = [proportion_confint(kk, nn, alpha, method=method) if nn > 0 else (np.nan, np.nan)
          for kk, nn in zip(k.ravel().tolist(), n.ravel().tolist())]
    return (np.array([c[0] for c in ci], dtype=float).reshape(k.shape),
            np.array([c[1] for c in ci], dtype=float).reshape(k.shape))


def proportion_ci_many(k: Any, n: Any, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised Clopper-Pearson (exact) interval for k/n; NaN where n == 0.

    lower = Beta^-1(alpha/2; k, n-k+1) (0 when k = 0),
    upper = Beta^-1(1-alpha/2; k+1, n-k) (1 when k = n).
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    if _PLAIN[0]:
        return _confint_loop(k, n, alpha, "beta")
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(k > 0, special.betaincinv(k, n - k + 1, alpha / 2), 0.0)
        hi = np.where(k < n, special.betaincinv(k + 1, n - k, 1 - alpha / 2), 1.0)
    bad = n <= 0
    lo = np.where(bad, np.nan, lo)
    hi = np.where(bad, np.nan, hi)
    return lo, hi


def proportion(k: int, n: int, alpha: float = 0.05) -> StatResult:
    """Share k/n with the exact Clopper-Pearson interval (scipy `binomtest`).

    Returns estimate = k/n, ci_low, ci_high, p_value None (no test), n, and extras
    k, alpha. n = 0 gives reason "n = 0".
    """
    k, n, alpha = _check_count("k", k), _check_count("n", n), _check_alpha(alpha)
    method = "proportion, Clopper-Pearson exact interval"
    if k > n:
        raise ValueError(f"k ({k}) > n ({n})")
    if n == 0:
        return _inconclusive(method, "n = 0: no observations", n=0, k=k, alpha=alpha)
    lo, hi = proportion_ci_many(k, n, alpha)  # = scipy binomtest(...).proportion_ci("exact") (tested)
    return StatResult(method=method, estimate=k / n, ci_low=float(lo), ci_high=float(hi),
                      p_value=None, n=n, extra={"k": k, "alpha": alpha})


def binom_test_vs(k: int, n: int, p0: float, alternative: str = "greater",
                  alpha: float = 0.05) -> StatResult:
    """Exact binomial test of H0: p = p0 (scipy `binomtest`).

    `alternative` is "greater" (H1: p > p0), "less" or "two-sided". ci_low/ci_high
    is the exact (Clopper-Pearson) interval for the same alternative (one-sided
    intervals have a bound at 0 or 1); ci2_low/ci2_high is the two-sided one.
    Extras: k, p0, alternative, alpha, ci2_low, ci2_high.
    """
    k, n, alpha = _check_count("k", k), _check_count("n", n), _check_alpha(alpha)
    alternative = _check_alt(alternative)
    if not 0 <= p0 <= 1:
        raise ValueError(f"p0 must be in [0, 1], got {p0!r}")
    if k > n:
        raise ValueError(f"k ({k}) > n ({n})")
    method = f"exact binomial test ({alternative}) vs p0={p0:g}"
    extra = {"k": k, "p0": float(p0), "alternative": alternative, "alpha": alpha}
    if n == 0:
        return _inconclusive(method, "n = 0: no observations", n=0, **extra)
    # the vectorised exact functions (equal to scipy's binomtest and its proportion_ci, tested)
    pval = float(binom_test_many(k, n, p0, alternative=alternative)[0])
    lo2, hi2 = (float(v) for v in proportion_ci_many(k, n, alpha))
    if alternative == "two-sided":
        lo, hi = lo2, hi2
    elif alternative == "less":  # one-sided upper bound at 1 - alpha
        lo, hi = 0.0, float(proportion_ci_many(k, n, 2 * alpha)[1])
    else:
        lo, hi = float(proportion_ci_many(k, n, 2 * alpha)[0]), 1.0
    extra.update(ci2_low=lo2, ci2_high=hi2)
    return StatResult(method=method, estimate=k / n, ci_low=lo, ci_high=hi,
                      p_value=pval, n=n, extra=extra)


# ------------------------------------------------------------ two proportions / 2x2


def wilson_ci_many(k: Any, n: Any, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised Wilson score interval (no continuity correction); NaN where n == 0."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    if _PLAIN[0]:
        return _confint_loop(k, n, alpha, "wilson")
    z = float(special.ndtri(1 - alpha / 2))
    z2 = z * z
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (2 * k + z2) / (2 * (n + z2))
        half = z * np.sqrt(z2 + 4 * k * (1 - p)) / (2 * (n + z2))
    return centre - half, centre + half


def newcombe_diff_ci_many(a: Any, n1: Any, c: Any, n2: Any,
                          alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Risk difference p1 - p2 = a/n1 - c/n2 with Newcombe's hybrid score interval.

    Newcombe (1998) method 10: with Wilson intervals (l1, u1) for p1 and (l2, u2)
    for p2, L = d - sqrt((p1-l1)^2 + (u2-p2)^2), U = d + sqrt((u1-p1)^2 + (p2-l2)^2).
    Returns (d, L, U) arrays; NaN where a group is empty.
    """
    a, n1, c, n2 = (np.asarray(v, dtype=float) for v in (a, n1, c, n2))
    l1, u1 = wilson_ci_many(a, n1, alpha)
    l2, u2 = wilson_ci_many(c, n2, alpha)
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = a / n1, c / n2
        d = p1 - p2
        lo = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
        hi = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, lo, hi


_RELTOL = 1 + 1e-7  # R's tolerance for "as or less likely" in exact two-sided tests


def _minlike_pvalues(lo: np.ndarray, hi: np.ndarray, obs: np.ndarray,
                     logpmf: Callable[[np.ndarray, np.ndarray], np.ndarray],
                     max_cells: int = 2_000_000) -> np.ndarray:
    """Two-sided exact p: sum of P(x) over the support with P(x) <= P(obs)*(1+1e-7).

    Vectorised over tests on a padded grid of support points (chunked so that a
    chunk holds at most `max_cells` points). `logpmf(rows, x)` gives log P(x) for
    the tests `rows` at the points x (2-D).
    """
    out = np.full(len(lo), np.nan)
    length = hi - lo + 1
    order = np.argsort(length, kind="stable")
    i = 0
    while i < len(order):
        j = i + 1
        while j < len(order) and int(length[order[j]]) * (j - i + 1) <= max_cells:
            j += 1
        rows = order[i:j]
        width = int(length[rows].max())
        x = lo[rows, None] + np.arange(width)[None, :]
        valid = x <= hi[rows, None]
        lp = np.where(valid, logpmf(rows, np.where(valid, x, lo[rows, None])), -np.inf)
        lobs = logpmf(rows, obs[rows, None])
        keep = lp <= lobs + math.log(_RELTOL)
        out[rows] = np.minimum(1.0, np.where(keep, np.exp(lp), 0.0).sum(axis=1))
        i = j
    return out


def binom_test_many(k: Any, n: Any, p0: Any, alternative: str = "greater") -> np.ndarray:
    """Vectorised exact binomial test p-values (same as scipy `binomtest`).

    greater: P(X >= k) = bdtrc(k-1, n, p0); less: P(X <= k) = bdtr(k, n, p0);
    two-sided: sum of P(x) with P(x) <= P(k)*(1+1e-7). NaN where n == 0.
    """
    alternative = _check_alt(alternative)
    k, n = np.asarray(k, dtype=np.int64), np.asarray(n, dtype=np.int64)
    k, n, p0 = np.broadcast_arrays(k, n, np.asarray(p0, dtype=float))
    k, n, p0 = k.ravel(), n.ravel(), p0.ravel()
    if _PLAIN[0]:
        return np.array([stats.binomtest(int(kk), int(nn), float(pp), alternative=alternative).pvalue
                         if nn > 0 else np.nan for kk, nn, pp in zip(k, n, p0)], dtype=float)
    if alternative == "greater":
        out = np.where(k <= 0, 1.0, special.bdtrc(np.maximum(k - 1, 0), n, p0))
    elif alternative == "less":
        out = special.bdtr(k, n, p0)
    else:
        lgn = special.gammaln(n + 1.0)

        def logpmf(rows, x):
            nn, pp = n[rows, None], p0[rows, None]
            with np.errstate(divide="ignore", invalid="ignore"):
                return (lgn[rows, None] - special.gammaln(x + 1.0) - special.gammaln(nn - x + 1.0)
                        + special.xlogy(x, pp) + special.xlog1py(nn - x, -pp))

        out = _minlike_pvalues(np.zeros_like(n), n, k, logpmf)
    return np.where(n > 0, out, np.nan)


def fisher_p_many(a: Any, b: Any, c: Any, d: Any, alternative: str = "two-sided") -> np.ndarray:
    """Vectorised Fisher exact p-values for many 2x2 tables [[a, b], [c, d]].

    Hypergeometric probabilities from log-gamma on the support of the (1,1) cell;
    two-sided sums the tables as or less likely than the observed (relative
    tolerance 1e-7, as R); "greater"/"less" are the upper/lower tails. Equal to
    scipy `fisher_exact` (tested). NaN where a row or column total is zero.
    """
    alternative = _check_alt(alternative)
    a, b, c, d = (np.asarray(v, dtype=np.int64).ravel() for v in (a, b, c, d))
    if _PLAIN[0]:
        return np.array([np.nan if min(aa + bb, cc + dd, aa + cc, bb + dd) == 0 else
                         stats.fisher_exact([[aa, bb], [cc, dd]], alternative=alternative)[1]
                         for aa, bb, cc, dd in zip(a.tolist(), b.tolist(), c.tolist(), d.tolist())], dtype=float)
    r1, c1 = a + b, a + c
    N = a + b + c + d
    lo = np.maximum(0, r1 - (b + d))
    hi = np.minimum(r1, c1)
    lnorm = (special.gammaln(c1 + 1.0) + special.gammaln(N - c1 + 1.0) + special.gammaln(r1 + 1.0)
             + special.gammaln(N - r1 + 1.0) - special.gammaln(N + 1.0))

    def logpmf(rows, x):
        cc, rr, nn = c1[rows, None], r1[rows, None], N[rows, None]
        return (lnorm[rows, None] - special.gammaln(x + 1.0) - special.gammaln(cc - x + 1.0)
                - special.gammaln(rr - x + 1.0) - special.gammaln(nn - cc - rr + x + 1.0))

    if alternative == "two-sided":
        out = _minlike_pvalues(lo, hi, a, logpmf)
    else:
        # tails from scipy's hypergeometric (accurate, vectorised): M=N, n=c1, N=r1
        if alternative == "greater":
            out = stats.hypergeom.sf(a - 1, N, c1, r1)
        else:
            out = stats.hypergeom.cdf(a, N, c1, r1)
        out = np.minimum(1.0, np.asarray(out, dtype=float))
    degenerate = (r1 == 0) | (N - r1 == 0) | (c1 == 0) | (N - c1 == 0)
    return np.where(degenerate, np.nan, out)


def fisher_2x2(a: int, b: int, c: int, d: int, alternative: str = "two-sided",
               alpha: float = 0.05, or_kind: str = "conditional") -> StatResult:
    """Fisher's exact test on [[a, b], [c, d]] (rows: group 1, group 2; cols: event, no event).

    estimate: odds ratio (`or_kind="conditional"`: conditional MLE with exact interval;
    `"sample"`: a*d/(b*c) with Woolf interval) from scipy.stats.contingency.odds_ratio;
    the interval matches `alternative`. p_value: Fisher's exact p for `alternative`.
    Extras: p_two_sided, p_greater, p_less, or_sample, ci2_low/ci2_high (two-sided OR
    interval), p1, p2, n1, n2, rd, rd_ci_low, rd_ci_high (risk difference p1 - p2 with
    Newcombe's hybrid score interval, two-sided), table. An infinite odds ratio or
    bound is reported as None with a warning.
    """
    a, b, c, d = (_check_count(nm, v) for nm, v in zip("abcd", (a, b, c, d)))
    alternative, alpha = _check_alt(alternative), _check_alpha(alpha)
    if or_kind not in ("conditional", "sample"):
        raise ValueError(f"or_kind must be 'conditional' or 'sample', got {or_kind!r}")
    method = f"Fisher exact test ({alternative}); {or_kind} odds ratio"
    n1, n2 = a + b, c + d
    n = n1 + n2
    extra: dict[str, Any] = {"table": [[a, b], [c, d]], "n1": n1, "n2": n2,
                             "alternative": alternative, "alpha": alpha}
    if n1 == 0 or n2 == 0:
        return _inconclusive(method, "a group (table row) is empty", n=n, **extra)
    if a + c == 0 or b + d == 0:
        return _inconclusive(method, "no variation in outcome (a table column is empty)", n=n, **extra)
    tab = [[a, b], [c, d]]
    p = {alt: float(stats.fisher_exact(tab, alternative=alt).pvalue) for alt in _ALTS}
    orr = stats.contingency.odds_ratio(tab, kind=or_kind)
    ci = orr.confidence_interval(confidence_level=1 - alpha, alternative=alternative)
    ci2 = orr.confidence_interval(confidence_level=1 - alpha)
    rd, rlo, rhi = newcombe_diff_ci_many(a, n1, c, n2, alpha)
    warns = []
    if not math.isfinite(orr.statistic):
        warns.append("odds ratio is infinite or undefined (a zero cell); only bounds are reported")
    or_sample = (a * d) / (b * c) if b * c > 0 else None
    extra.update(
        p_two_sided=p["two-sided"], p_greater=p["greater"], p_less=p["less"],
        or_sample=or_sample, ci2_low=_num(ci2.low), ci2_high=_num(ci2.high),
        p1=a / n1, p2=c / n2, rd=float(rd), rd_ci_low=float(rlo), rd_ci_high=float(rhi),
    )
    return StatResult(method=method, estimate=orr.statistic, ci_low=ci.low, ci_high=ci.high,
                      p_value=p[alternative], n=n, warnings=warns, extra=extra)


def risk_ratio(a: int, n1: int, c: int, n2: int, alpha: float = 0.05,
               zero: str = "none") -> StatResult:
    """Risk ratio (a/n1)/(c/n2) with the log (Katz) interval and a Wald test on log RR.

    SE(log RR) = sqrt(1/a - 1/n1 + 1/c - 1/n2). With a zero event count (a = 0 or
    c = 0) the log interval does not exist: `zero="none"` returns reason and None;
    `zero="haldane"` adds 0.5 to a and c and 1 to n1 and n2, and flags the result
    (`continuity_corrected=True`, a warning). Extras: a, n1, c, n2, log_rr, se_log_rr,
    continuity_corrected.
    """
    a, n1, c, n2 = (_check_count(nm, v) for nm, v in zip(("a", "n1", "c", "n2"), (a, n1, c, n2)))
    alpha = _check_alpha(alpha)
    if zero not in ("none", "haldane"):
        raise ValueError(f"zero must be 'none' or 'haldane', got {zero!r}")
    if a > n1 or c > n2:
        raise ValueError(f"events exceed group size: a={a}, n1={n1}, c={c}, n2={n2}")
    method = "risk ratio, log (Katz) interval"
    extra: dict[str, Any] = {"a": a, "n1": n1, "c": c, "n2": n2, "alpha": alpha,
                             "continuity_corrected": False}
    if n1 == 0 or n2 == 0:
        return _inconclusive(method, "a group is empty", n=n1 + n2, **extra)
    warns = []
    aa, cc, m1, m2 = float(a), float(c), float(n1), float(n2)
    if a == 0 or c == 0:
        if zero == "none":
            which = "a" if a == 0 else "c"
            return _inconclusive(method, f"zero events in a group ({which} = 0): "
                                 "log risk ratio undefined", n=n1 + n2, **extra)
        aa, cc, m1, m2 = aa + 0.5, cc + 0.5, m1 + 1, m2 + 1
        extra["continuity_corrected"] = True
        method += " (Haldane 0.5 continuity correction)"
        warns.append("zero cell: 0.5 added to event counts (Haldane); estimate is biased towards 1")
    log_rr = math.log((aa / m1) / (cc / m2))
    se = math.sqrt(1 / aa - 1 / m1 + 1 / cc - 1 / m2)
    z = float(special.ndtri(1 - alpha / 2))
    pval = float(2 * special.ndtr(-abs(log_rr) / se)) if se > 0 else None
    extra.update(log_rr=log_rr, se_log_rr=se)
    return StatResult(method=method, estimate=math.exp(log_rr), ci_low=math.exp(log_rr - z * se),
                      ci_high=math.exp(log_rr + z * se), p_value=pval, n=n1 + n2,
                      warnings=warns, extra=extra)


def rate_ratio(k1: int, t1: float, k2: int, t2: float, alpha: float = 0.05,
               alternative: str = "two-sided") -> StatResult:
    """Poisson rate ratio (k1/t1)/(k2/t2), exact conditional test and interval.

    Conditional on k = k1 + k2, k1 ~ Binomial(k, pi) with pi = t1*R/(t1*R + t2).
    p_value: exact binomial test of pi = t1/(t1+t2) (R = 1; scipy `binomtest`,
    equal to statsmodels `test_poisson_2indep(method="exact-cond")`). Interval:
    the Clopper-Pearson interval (pL, pU) for pi mapped to R = pi/(1-pi) * t2/t1
    (two-sided 1 - alpha, whatever the alternative). k2 = 0 gives an infinite
    estimate: estimate and ci_high None, ci_low kept, a warning. Extras: k1, t1, k2,
    t2, rate1, rate2, alternative.
    """
    k1, k2 = _check_count("k1", k1), _check_count("k2", k2)
    alternative, alpha = _check_alt(alternative), _check_alpha(alpha)
    t1, t2 = float(t1), float(t2)
    if not (t1 > 0 and t2 > 0 and math.isfinite(t1) and math.isfinite(t2)):
        raise ValueError(f"exposures must be positive and finite, got t1={t1}, t2={t2}")
    method = "Poisson rate ratio, exact conditional (binomial) test and interval"
    k = k1 + k2
    extra: dict[str, Any] = {"k1": k1, "t1": t1, "k2": k2, "t2": t2, "rate1": k1 / t1,
                             "rate2": k2 / t2, "alternative": alternative, "alpha": alpha}
    if k == 0:
        return _inconclusive(method, "no events in either group", n=0, **extra)
    pi0 = t1 / (t1 + t2)
    pval = float(binom_test_many(k1, k, pi0, alternative=alternative)[0])  # = scipy binomtest (tested)
    lo_pi, hi_pi = (float(v[()]) for v in proportion_ci_many(k1, k, alpha))
    scale = t2 / t1
    lo = lo_pi / (1 - lo_pi) * scale
    hi = hi_pi / (1 - hi_pi) * scale if hi_pi < 1 else math.inf
    warns = []
    est = (k1 / t1) / (k2 / t2) if k2 > 0 else math.inf
    if k2 == 0:
        warns.append("k2 = 0: rate ratio is infinite; only the lower bound is finite")
    extra["infinite_estimate"] = k2 == 0
    return StatResult(method=method, estimate=est, ci_low=lo, ci_high=hi, p_value=pval, n=k,
                      warnings=warns, extra=extra)


# ------------------------------------------------------------------- logistic model


@dataclass
class LogitFit:
    """Low-level result of `fit_logit_numpy` (numpy arrays, not JSON)."""

    params: np.ndarray
    cov: np.ndarray | None
    converged: bool
    n_iter: int
    llf: float
    fitted: np.ndarray
    n_clusters: int | None
    error: str | None = None

    @property
    def bse(self) -> np.ndarray:
        if self.cov is None:
            return np.full(len(self.params), np.nan)
        return np.sqrt(np.clip(np.diag(self.cov), 0, None))


class Clustering:
    """Cluster labels turned into a sparse G x n indicator, for fast score sums.

    Build it once per sample and clustering variable and pass it to `LogitData`
    (in `groups`) to share it between designs; `subset(mask)` gives the clustering
    of a row subset.
    """

    def __init__(self, groups: Any = None, *, _codes: np.ndarray | None = None) -> None:
        if _codes is None:
            g = np.asarray(groups)
            if g.ndim != 1:
                g = g.ravel()
            _, codes = np.unique(g, return_inverse=True)
            codes = codes.ravel().astype(np.int64)
        else:
            codes = _codes
        self.codes = codes
        self.n_clusters = int(codes.max()) + 1 if len(codes) else 0
        self._indicator = None

    @property
    def indicator(self):
        if self._indicator is None:
            from scipy import sparse

            n = len(self.codes)
            counts = np.bincount(self.codes, minlength=self.n_clusters)
            indptr = np.r_[0, np.cumsum(counts)]
            indices = np.argsort(self.codes, kind="stable")
            self._indicator = sparse.csr_matrix((np.ones(n), indices, indptr), shape=(self.n_clusters, n))
        return self._indicator

    def __len__(self) -> int:
        return len(self.codes)

    def subset(self, mask: np.ndarray) -> "Clustering":
        """Clustering of the rows where `mask` is true (empty clusters removed)."""
        sub = self.codes[np.asarray(mask, dtype=bool)]
        present = np.bincount(sub, minlength=self.n_clusters) > 0
        remap = np.cumsum(present) - 1
        return Clustering(_codes=remap[sub].astype(np.int64))

    def sums(self, S: np.ndarray) -> np.ndarray:
        """Per-cluster column sums of S (G x k)."""
        return np.asarray(self.indicator @ S)


@dataclass
class _Core:
    params: np.ndarray
    fitted: np.ndarray
    hinv: np.ndarray | None
    converged: bool
    n_iter: int
    llf: float
    error: str | None


def _newton_logit(X: np.ndarray, y: np.ndarray, start: np.ndarray | None,
                  tol: float, max_iter: int, XT: np.ndarray | None = None) -> _Core:
    """Newton-Raphson for the logit MLE with step-halving; see `fit_logit_numpy`.

    XT (optional) is X.T as a C-contiguous array; column-wise work uses it because
    reductions along rows of a tall C-ordered array are slow in numpy.
    """
    n, k = X.shape
    if XT is None:
        XT = np.ascontiguousarray(X.T)
    if start is None:
        beta = np.zeros(k)
        ybar = min(max(float(y.mean()), 1e-6), 1 - 1e-6) if n else 0.5
        const = np.flatnonzero((XT.min(axis=1) == 1.0) & (XT.max(axis=1) == 1.0)) if n else []
        if len(const):
            beta[const[0]] = math.log(ybar / (1 - ybar))
    else:
        beta = np.array(start, dtype=float)
    is1 = y == 1.0

    def probs(b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        eta = X @ b
        q = special.expit(-eta)  # 1 - p, accurate where p is near 1
        return eta, 1.0 - q, q

    def loglik(eta: np.ndarray, p: np.ndarray, q: np.ndarray) -> float:
        pr = np.where(is1, p, q)
        if pr.min() < 1e-12:  # p = 1 - q lost precision (eta < -27): exact path
            return float(np.where(is1, special.log_expit(eta), special.log_expit(-eta)).sum())
        return float(np.log(pr).sum())

    eta, p, q = probs(beta)
    ll = loglik(eta, p, q)
    scale = abs(ll) + 1.0
    converged, it, error = False, 0, None
    for it in range(1, max_iter + 1):
        H = (XT * (p * q)) @ X
        g = XT @ (y - p)
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            error = "singular information matrix"
            break
        lam2 = float(g @ step)  # Newton decrement^2: ~2 x (max llf - llf)
        t = 1.0
        if lam2 > 1.0:
            # damped phase: halve the step until the log-likelihood does not fall
            if ll is None:
                ll = loglik(eta, p, q)
            for _ in range(40):
                b_new = beta + t * step
                eta_n, p_n, q_n = probs(b_new)
                ll_new = loglik(eta_n, p_n, q_n)
                if ll_new >= ll - 1e-12 * (abs(ll) + 1):
                    break
                t *= 0.5
            else:
                error = "line search failed (log-likelihood does not increase)"
                break
            ll = ll_new
        else:
            # quadratic phase: full Newton steps (the log-likelihood is not needed)
            b_new = beta + step
            eta_n, p_n, q_n = probs(b_new)
            ll = None
        beta, eta, p, q = b_new, eta_n, p_n, q_n
        if (np.max(np.abs(t * step)) < tol * (1 + np.max(np.abs(beta)))
                or 0.5 * lam2 < 1e-2 * tol * scale):
            converged = True
            break
    if ll is None:
        ll = loglik(eta, p, q)
    hinv = None
    if error is None:
        try:
            hinv = np.linalg.inv((XT * (p * q)) @ X)
        except np.linalg.LinAlgError:
            error = "singular information matrix"
    return _Core(beta, p, hinv, converged, it, ll, error)


def _crv1(X: np.ndarray, resid: np.ndarray, hinv: np.ndarray, cl: Clustering) -> np.ndarray:
    """CRV1 sandwich with statsmodels' factor G/(G-1) * (N-1)/(N-K)."""
    n, k = X.shape
    Sg = cl.sums(X * resid[:, None])
    cov = hinv @ (Sg.T @ Sg) @ hinv
    G = cl.n_clusters
    if G > 1 and n > k:
        cov *= G / (G - 1.0) * (n - 1.0) / (n - k)
    return cov


def fit_logit_numpy(X: Any, y: Any, groups: Any = None, *, start: Any = None,
                    tol: float = 1e-8, max_iter: int = 100) -> LogitFit:
    """Maximum-likelihood logit by Newton-Raphson (= IRLS for the canonical link).

    Starts from b = 0 with the intercept (a column of ones) at logit(mean y).
    While the squared Newton decrement g'H^-1 g exceeds 1 (far from the optimum)
    steps are halved until the log-likelihood does not fall; closer in, full Newton
    steps are taken. Converged when the largest step is below tol*(1 + max|b|)
    (Newton converges quadratically, so the remaining error is then ~tol^2) or half
    the squared decrement (the predicted remaining gain in log-likelihood) is below
    0.01*tol*(|llf at start| + 1), which also stops quasi-separated fits, whose
    coefficients drift while the likelihood flattens. With `groups`, `cov` is the
    CRV1 cluster-robust covariance with statsmodels' small-sample factor
    G/(G-1) * (N-1)/(N-K) (as GLM/Logit `cov_type="cluster"`); without, the
    model-based inverse information.
    """
    X = np.ascontiguousarray(X, dtype=float)
    y = np.ascontiguousarray(y, dtype=float).ravel()
    core = _newton_logit(X, y, None if start is None else np.asarray(start, float), tol, max_iter)
    cov, G = core.hinv, None
    if groups is not None and core.hinv is not None:
        cl = groups if isinstance(groups, Clustering) else Clustering(groups)
        cov, G = _crv1(X, y - core.fitted, core.hinv, cl), cl.n_clusters
    return LogitFit(params=core.params, cov=cov, converged=core.converged, n_iter=core.n_iter,
                    llf=core.llf, fitted=core.fitted, n_clusters=G, error=core.error)


def _to_float(v: Any, name: str) -> np.ndarray:
    """1-D float array; None/NA -> NaN; non-numeric values raise ValueError."""
    arr = np.asarray(v)
    if arr.ndim != 1:
        arr = arr.ravel()
    if arr.dtype.kind in "fiub":
        return arr.astype(float)
    out = pd.to_numeric(pd.Series(arr, dtype=object), errors="coerce").to_numpy(dtype=float)
    if np.isnan(out).sum() != pd.isna(pd.Series(arr, dtype=object)).sum():
        raise ValueError(f"{name} must be numeric")
    return out


def _as_frame(X: Any, names: Sequence[str] | None) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    if isinstance(X, Mapping):
        return pd.DataFrame(dict(X))
    arr = np.asarray(X, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    cols = list(names) if names is not None else [f"x{i}" for i in range(arr.shape[1])]
    return pd.DataFrame(arr, columns=cols)


class LogitData:
    """A validated logit design, prepared once and fitted many times.

    Build it once per (sample, covariate set, outcome) and keep it in a
    `DesignCache`. Construction drops incomplete rows (counted in `n_dropped`; with
    missing="raise" it raises), adds a constant (`add_const`) and runs the checks
    that depend only on the data: outcome variation, rank, too few rows, and binary
    columns that separate the outcome (a zero cell in the column-by-outcome table
    means the MLE does not exist). `groups` is one array of cluster labels, a
    mapping name -> labels for alternative clusterings (rows missing in any are
    dropped), or None; labels may be prebuilt `Clustering` objects (shared between
    designs on the same rows).

    The point fit is computed once and reused: `fit(term, cluster=...)` for another
    term, clustering, alpha or inference choice costs only the sandwich.
    """

    def __init__(self, y: Any, X: Any, groups: Any = None, *, names: Sequence[str] | None = None,
                 add_const: bool = True, missing: str = "drop") -> None:
        if missing not in ("drop", "raise"):
            raise ValueError("missing must be 'drop' or 'raise'")
        if isinstance(X, pd.DataFrame):
            cols = [str(c) for c in X.columns]
            try:
                Xall = X.to_numpy(dtype=float, na_value=np.nan)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"X must be numeric (encode categories as dummies first): {exc}") from None
        elif isinstance(X, Mapping):
            Xf = _as_frame(X, names)
            cols = [str(c) for c in Xf.columns]
            Xall = Xf.to_numpy(dtype=float)
        else:
            Xall = np.asarray(X, dtype=float)
            if Xall.ndim == 1:
                Xall = Xall[:, None]
            cols = [str(c) for c in names] if names is not None else [f"x{i}" for i in range(Xall.shape[1])]
            if len(cols) != Xall.shape[1]:
                raise ValueError(f"{len(cols)} names for {Xall.shape[1]} columns")
        yall = _to_float(y, "y")
        if len(yall) != len(Xall):
            raise ValueError(f"y has {len(yall)} rows but X has {len(Xall)}")
        if groups is None:
            gmap: dict[str, Any] = {}
        elif isinstance(groups, Mapping):
            gmap = {str(k): v if isinstance(v, Clustering) else np.asarray(v) for k, v in groups.items()}
        else:
            gmap = {"default": groups if isinstance(groups, Clustering) else np.asarray(groups)}
        for nm, gv in gmap.items():
            if len(gv) != len(yall):
                raise ValueError(f"groups {nm!r} has {len(gv)} rows but y has {len(yall)}")
        bad = np.isnan(yall) | np.isnan(Xall).any(axis=1)
        for gv in gmap.values():
            if isinstance(gv, Clustering):
                continue
            bad |= np.isnan(gv) if gv.dtype.kind == "f" else (pd.isna(gv) if gv.dtype.kind == "O" else False)
        if bad.any() and missing == "raise":
            raise ValueError(f"{int(bad.sum())} rows have missing values")
        keep = ~bad
        self.n_input = len(yall)
        self.n_dropped = int(bad.sum())
        if self.n_dropped:
            Xa, ya = Xall[keep], yall[keep]
            gmap = {k: v.subset(keep) if isinstance(v, Clustering) else v[keep] for k, v in gmap.items()}
        else:
            Xa, ya = Xall, yall
        if not np.isin(ya, (0.0, 1.0)).all():
            raise ValueError("y must be binary (0/1 or bool)")
        names_ = cols
        if len(set(names_)) != len(names_):
            raise ValueError(f"duplicate column names in X: {names_}")
        XT = np.ascontiguousarray(Xa.T)  # k x n: fast column-wise reductions
        if add_const and "const" not in names_:
            has_const = len(ya) > 0 and bool(np.any((XT.min(axis=1) == XT.max(axis=1)) & (XT[:, 0] != 0)))
            if not has_const:
                XT = np.vstack([np.ones((1, len(ya))), XT])
                names_ = ["const"] + names_
        self.names = names_
        self.XT = XT
        self.X = np.ascontiguousarray(XT.T)
        self.y = np.ascontiguousarray(ya)
        self.n = len(self.y)
        self.clusterings = {nm: gv if isinstance(gv, Clustering) else Clustering(gv) for nm, gv in gmap.items()}
        self._core: dict[int, _Core] = {}
        self._warm: LogitData | None = None
        self._checks = self._data_checks()

    def warm_start_from(self, other: "LogitData") -> None:
        """Start this design's Newton fit at `other`'s estimates (matched by column name,
        0 for columns `other` lacks), e.g. a design on the same rows and outcome that
        differs in a few columns. The logit MLE is unique, so only the number of
        iterations changes, not the estimates (beyond the convergence tolerance).
        Ignored if `other`'s fit failed or did not converge."""
        if other is not self:
            self._warm = other

    def _data_checks(self) -> dict[str, Any]:
        X, XT, y, n = self.X, self.XT, self.y, self.n
        out: dict[str, Any] = {"reason": None, "separated": [], "constant": [], "rank_reason": None}
        k = X.shape[1]
        if n == 0:
            out["reason"] = "no complete observations"
            return out
        if n <= k:
            out["reason"] = f"too few observations ({n}) for {k} parameters"
            return out
        ysum = float(y.sum())
        if ysum == 0 or ysum == n:
            out["reason"] = "outcome has no variation"
            return out
        cmin, cmax = XT.min(axis=1), XT.max(axis=1)
        const = cmin == cmax
        has_const = bool(const.any())
        binary = (cmin == 0.0) & (cmax == 1.0)
        for j in np.flatnonzero(binary):
            col = XT[j]
            if np.count_nonzero(col) != np.count_nonzero(col == 1.0):
                binary[j] = False
        n1 = XT[binary].sum(axis=1)
        y1 = XT[binary] @ y
        bnames = [nm for nm, b in zip(self.names, binary) if b]
        for nm, a1, b1 in zip(bnames, n1, y1):
            cells = [b1, a1 - b1] + ([ysum - b1, (n - a1) - (ysum - b1)] if has_const else [])
            if min(cells) == 0:
                out["separated"].append(nm)
        icpt = [j for j in range(k) if const[j] and X[0, j] != 0]
        if "const" in self.names and self.names.index("const") in icpt:
            icpt.remove(self.names.index("const"))
        elif icpt:
            icpt.pop(0)
        out["constant"] = [nm for j, nm in enumerate(self.names) if const[j] and (X[0, j] == 0 or j in icpt)]
        G = XT @ X
        dsc = np.sqrt(np.diag(G))
        dsc[dsc == 0] = 1.0
        ev = np.linalg.eigvalsh(G / np.outer(dsc, dsc))
        if ev.min() < 1e-10 * max(ev.max(), 1.0):
            out["rank_reason"] = ("design matrix is rank-deficient: " + (
                f"no variation in {out['constant']}" if out["constant"] else "collinear columns"))
        return out

    def core(self, max_iter: int = 100) -> _Core:
        """The point fit (cached; deterministic, so reuse never changes results)."""
        if max_iter not in self._core:
            start = None
            if self._warm is not None:
                oc = self._warm.core(max_iter)
                if oc.error is None and oc.converged and np.all(np.isfinite(oc.params)):
                    pos = {nm: i for i, nm in enumerate(self._warm.names)}
                    start = np.array([oc.params[pos[nm]] if nm in pos else 0.0 for nm in self.names])
            self._core[max_iter] = _newton_logit(self.X, self.y, start, 1e-8, max_iter, XT=self.XT)
        return self._core[max_iter]

    def fit(self, term: str, *, cluster: str | None = None, alpha: float = 0.05,
            use_t: bool = False, engine: str | None = None, max_iter: int = 100) -> StatResult:
        """Fit (or reuse the fit) and report the coefficient of `term` (log-odds).

        cluster: name of the clustering (default: the first given; None if the data
        have no groups -> model-based SEs). Returns a StatResult: estimate, ci, p for
        `term`; extras term, se, odds_ratio, or_ci_low, or_ci_high, n_clusters,
        cluster, converged, n_iter, llf, params, bse, n_dropped, engine, cov_type.
        Blocking reasons: the data checks, separation on `term`, complete
        separation, non-convergence, a singular information matrix, < 2 clusters.
        """
        _check_alpha(alpha)
        if engine is None:
            engine = "statsmodels" if _PLAIN[0] else "numpy"
        if engine not in ("numpy", "statsmodels"):
            raise ValueError("engine must be 'numpy' or 'statsmodels'")
        if term not in self.names:
            raise ValueError(f"term {term!r} not in design columns {self.names}")
        if cluster is None and self.clusterings:
            cluster = next(iter(self.clusterings))
        if cluster is not None and cluster not in self.clusterings:
            raise ValueError(f"unknown clustering {cluster!r}; have {list(self.clusterings)}")
        cl = self.clusterings.get(cluster) if cluster is not None else None
        cov_type = "cluster (CRV1)" if cl is not None else "model-based"
        dist_name = ("t(G-1)" if cl is not None else "t(n-k)") if use_t else "normal"
        method = f"logit, {cov_type} SE, {dist_name} inference [{engine}]"
        base: dict[str, Any] = {"term": term, "cluster": cluster,
                                "n_clusters": cl.n_clusters if cl is not None else None,
                                "n_dropped": self.n_dropped, "engine": engine, "cov_type": cov_type}
        chk = self._checks
        if chk["reason"]:
            return _inconclusive(method, chk["reason"], n=self.n, **base)
        if cl is not None and cl.n_clusters < 2:
            return _inconclusive(method, "fewer than 2 clusters: cluster-robust SEs undefined", n=self.n, **base)
        if term in chk["constant"]:
            return _inconclusive(method, f"term {term!r} has no variation", n=self.n, **base)
        if chk["rank_reason"]:
            return _inconclusive(method, chk["rank_reason"], n=self.n, **base)
        if term in chk["separated"]:
            return _inconclusive(method, f"term {term!r} separates the outcome (a zero cell in "
                                 f"{term} x outcome): the MLE does not exist", n=self.n, **base)
        warns = []
        others = [s for s in chk["separated"] if s != term]
        if others:
            warns.append(f"quasi-separation on other columns {others}: their coefficients diverge")
        if cl is not None and cl.n_clusters < 20:
            warns.append(f"only {cl.n_clusters} clusters: cluster-robust SEs may be too small")
        if engine == "numpy":
            c = self.core(max_iter)
            params, conv, nit, llf, fitted, err = c.params, c.converged, c.n_iter, c.llf, c.fitted, c.error
            cov = None
            if err is None:
                cov = _crv1(self.X, self.y - fitted, c.hinv, cl) if cl is not None else c.hinv
        else:
            params, cov, conv, nit, llf, fitted, err = self._fit_statsmodels(max_iter, use_t, cl)
        if err:
            return _inconclusive(method, f"fit failed: {err}", n=self.n, **base)
        if not conv:
            return _inconclusive(method, f"did not converge in {nit} iterations", n=self.n, **base)
        boundary = int(np.count_nonzero((fitted < 1e-9) | (fitted > 1 - 1e-9)))
        if boundary == self.n:
            return _inconclusive(method, "complete separation: every observation fitted at 0 or 1",
                                 n=self.n, **base)
        if boundary and not others:
            warns.append(f"{boundary} observations fitted at 0 or 1 (quasi-separation)")
        j = self.names.index(term)
        bse = np.sqrt(np.clip(np.diag(cov), 0, None))
        b, se = float(params[j]), float(bse[j])
        if not (math.isfinite(se) and se > 0):
            return _inconclusive(method, "standard error is zero or undefined", n=self.n, **base)
        zstat = b / se
        if use_t:
            df = (cl.n_clusters - 1) if cl is not None else (self.n - len(params))
            q = float(special.stdtrit(df, 1 - alpha / 2))
            pval = float(2 * special.stdtr(df, -abs(zstat)))
        else:
            q = float(special.ndtri(1 - alpha / 2))
            pval = float(2 * special.ndtr(-abs(zstat)))
        lo, hi = b - q * se, b + q * se
        ex = lambda v: math.exp(v) if abs(v) < 700 else None  # noqa: E731
        extra = dict(base, se=se, odds_ratio=ex(b), or_ci_low=ex(lo), or_ci_high=ex(hi),
                     converged=bool(conv), n_iter=int(nit), llf=float(llf),
                     params=dict(zip(self.names, map(float, params))),
                     bse=dict(zip(self.names, map(float, bse))), alpha=alpha)
        return StatResult(method=method, estimate=b, ci_low=lo, ci_high=hi, p_value=pval,
                          n=self.n, warnings=warns, extra=extra)

    def _fit_statsmodels(self, max_iter: int, use_t: bool, cl: Clustering | None):
        from statsmodels.tools.sm_exceptions import ConvergenceWarning

        GLM, families = _sm_glm()

        kw: dict[str, Any] = {"maxiter": max_iter}
        if cl is not None:
            kw.update(cov_type="cluster", cov_kwds={"groups": cl.codes}, use_t=use_t)
        else:
            kw.update(use_t=use_t)
        conv = True
        try:
            with _warnings.catch_warnings(record=True) as caught:
                _warnings.simplefilter("always")
                res = GLM(self.y, self.X, family=families.Binomial()).fit(**kw)
        except Exception as exc:  # statsmodels raises for some degenerate data
            return None, None, False, 0, math.nan, None, f"{type(exc).__name__}: {exc}"
        for w in caught:
            if issubclass(w.category, ConvergenceWarning):
                conv = False
        conv = conv and bool(res.converged)
        return (np.asarray(res.params), np.asarray(res.cov_params()), conv,
                int(res.fit_history["iteration"]), float(res.llf), np.asarray(res.fittedvalues), None)


def logit_clustered(y: Any, X: Any, groups: Any, term: str, *, alpha: float = 0.05,
                    names: Sequence[str] | None = None, add_const: bool = True,
                    use_t: bool = False, engine: str | None = None, missing: str = "drop",
                    max_iter: int = 100) -> StatResult:
    """Logistic regression with cluster-robust (CRV1) SEs; report the `term` coefficient.

    y: 0/1 outcome; X: DataFrame / mapping / 2-D array (with `names`) of regressors
    (a constant is added unless present); groups: cluster labels (None for
    model-based SEs). engine "numpy" (fast, validated against statsmodels) or
    "statsmodels" (GLM Binomial, `cov_type="cluster"`). Inference is normal, as
    statsmodels' default, or t with G-1 df (`use_t=True`). Never raises for data
    reasons: perfect separation, no outcome variation, collinearity, fewer than 2
    clusters or non-convergence return a result with `reason` (see LogitData.fit
    for the fields).
    """
    data = LogitData(y, X, groups, names=names, add_const=add_const, missing=missing)
    return data.fit(term, alpha=alpha, use_t=use_t, engine=engine, max_iter=max_iter)


# ----------------------------------------------------------------- count time series


def _nb2_profile(y: np.ndarray, X: np.ndarray, off: np.ndarray | None, start: np.ndarray):
    """NB2 by profile likelihood: maximise over log(alpha) a GLM fit with alpha fixed.

    The mean coefficients at the profile maximum are the joint MLE. Their SEs come
    from the GLM at alpha-hat (expected information; in NB2 the mean parameters and
    alpha are orthogonal, so treating alpha as known does not change them
    asymptotically). log(alpha) is searched in [-12, 5]; at the lower bound the
    model is Poisson. Returns (GLM result, alpha, at_lower_bound).
    """
    from scipy import optimize

    GLM, families = _sm_glm()

    def fit(log_a: float):
        fam = families.NegativeBinomial(alpha=math.exp(log_a))
        return GLM(y, X, family=fam, offset=off).fit(start_params=start, tol=1e-12)

    res = optimize.minimize_scalar(lambda la: -fit(la).llf, bounds=(-12.0, 5.0), method="bounded",
                                   options={"xatol": 1e-6})
    la = float(res.x)
    return fit(la), math.exp(la), la < -11.5


@dataclass
class _CountFit:
    params: np.ndarray
    bse: np.ndarray
    llf: float
    mu: np.ndarray
    converged: bool


def _count_fit_numpy(y: np.ndarray, X: np.ndarray, off: np.ndarray | None, nb_alpha: float | None = None,
                     start: np.ndarray | None = None, tol: float = 1e-12, max_iter: int = 100) -> _CountFit:
    """Poisson (nb_alpha None) or NB2 with alpha fixed, log link, by Fisher scoring (= IRLS).

    The same model and standard errors as statsmodels' GLM (Poisson / NegativeBinomial
    family, expected information: weights mu / (1 + alpha mu)); tested against it.
    Starts like statsmodels' IRLS, from mu = (y + mean y) / 2, unless `start` is given.
    """
    a = 0.0 if nb_alpha is None else float(nb_alpha)
    o = np.zeros_like(y) if off is None else off
    if start is None:
        b = np.linalg.lstsq(X, np.log((y + y.mean()) / 2.0) - o, rcond=None)[0]
    else:
        b = np.array(start, dtype=float)
    conv = False
    for _ in range(max_iter):
        mu = np.exp(X @ b + o)
        H = (X.T * (mu / (1.0 + a * mu))) @ X
        step = np.linalg.solve(H, X.T @ ((y - mu) / (1.0 + a * mu)))
        b = b + step
        if np.max(np.abs(step)) < tol * (1.0 + np.max(np.abs(b))):
            conv = True
            break
    mu = np.exp(X @ b + o)
    bse = np.sqrt(np.diag(np.linalg.inv((X.T * (mu / (1.0 + a * mu))) @ X)))
    if a == 0.0:
        llf = float(np.sum(special.xlogy(y, mu) - mu - special.gammaln(y + 1.0)))
    else:
        ia = 1.0 / a
        llf = float(np.sum(special.gammaln(y + ia) - special.gammaln(ia) - special.gammaln(y + 1.0)
                           + special.xlogy(y, a * mu / (1.0 + a * mu)) - ia * np.log1p(a * mu)))
    return _CountFit(b, bse, llf, mu, conv)


def _nb2_profile_numpy(y: np.ndarray, X: np.ndarray, off: np.ndarray | None, start: np.ndarray):
    """`_nb2_profile` with the numpy fit (same search, same bounds, same start)."""
    from scipy import optimize

    last = [np.asarray(start, dtype=float)]

    def negllf(la: float) -> float:
        # warm start from the previous evaluation: the search's sequence is deterministic,
        # and each fit converges to 1e-12, so the start does not change the result
        f = _count_fit_numpy(y, X, off, math.exp(la), last[0])
        if f.converged:
            last[0] = f.params
        return -f.llf

    res = optimize.minimize_scalar(negllf, bounds=(-12.0, 5.0), method="bounded", options={"xatol": 1e-6})
    la = float(res.x)
    return _count_fit_numpy(y, X, off, math.exp(la), start), math.exp(la), la < -11.5


def _nb2_mle_numpy(y: np.ndarray, X: np.ndarray, off: np.ndarray | None, start: np.ndarray):
    """NB2 joint MLE of (b, alpha): scoring steps for b alternating with Newton steps for
    rho = log(1/alpha), log(alpha) kept in [-12, 5] like `_nb2_profile`.

    b and alpha are orthogonal in NB2, so the alternation converges about as fast as a
    joint Newton. The maximum is the profile maximum that `_nb2_profile` searches for
    (tested against it). Where the likelihood is not concave in rho (far from the
    maximum) the rho step is a bounded step uphill; without convergence, or at the upper
    bound of alpha, it falls back to the profile search.
    Returns (fit, alpha, at_lower_bound).
    """
    o = np.zeros_like(y) if off is None else off
    n, k = X.shape
    b = np.array(start, dtype=float)
    mu = np.exp(X @ b + o)
    a0 = float(np.sum(((y - mu) ** 2 - y) / mu ** 2) / max(n - k, 1))
    rho = min(max(-math.log(a0), -5.0), 12.0) if a0 > 0 else 12.0
    ok = False
    for _ in range(200):
        r = math.exp(rho)
        a = 1.0 / r
        H = (X.T * (mu / (1.0 + a * mu))) @ X
        sb = np.linalg.solve(H, X.T @ ((y - mu) / (1.0 + a * mu)))
        b = b + sb
        mu = np.exp(X @ b + o)
        rm = r + mu
        gr = float(np.sum(special.digamma(y + r) - special.digamma(r) + math.log(r) + 1.0 - np.log(rm) - (y + r) / rm))
        hr = float(np.sum(special.zeta(2.0, y + r) - special.zeta(2.0, r) + 1.0 / r - 1.0 / rm - (mu - y) / rm ** 2))
        g_rho, h_rho = r * gr, r * r * hr + r * gr
        if rho >= 12.0 and g_rho > 0:  # the maximum lies beyond the bound: alpha -> 0 (Poisson)
            step = 0.0
        elif not math.isfinite(g_rho) or not math.isfinite(h_rho):
            break
        elif not h_rho < 0:  # not concave here (far from the maximum): a bounded uphill step
            step = 2.0 if g_rho > 0 else -2.0
        else:
            step = max(min(-g_rho / h_rho, 2.0), -2.0)
        rho = min(max(rho + step, -5.0), 12.0)
        if (np.max(np.abs(sb)) < 1e-12 * (1.0 + np.max(np.abs(b))) and abs(step) < 1e-12 * (1.0 + abs(rho))):
            ok = True
            break
    if not ok or rho <= -5.0:
        return _nb2_profile_numpy(y, X, off, start)
    alpha = math.exp(-rho)
    return _count_fit_numpy(y, X, off, alpha, b), alpha, -rho < -11.5


COUNT_MODELS = ("poisson", "quasipoisson", "poisson_hc1", "poisson_hac", "negbin")
#: how a negative-binomial fit fails on degenerate data (singular information, overflow, a NaN the
#: optimiser refuses); anything else is a bug and propagates
_NB_FIT_ERRORS = (np.linalg.LinAlgError, FloatingPointError, OverflowError, ZeroDivisionError, ValueError)


def poisson_or_nb_break(counts: Any, years: Any, break_year: int, trend: bool = True, *,
                        exposure: Any = None, model: str = "auto",
                        dispersion_threshold: float = 1.5, alpha: float = 0.05,
                        fits: Sequence[str] = COUNT_MODELS, engine: str | None = None) -> StatResult:
    """Level break in a yearly count series: log E[y] = b0 + b1*(year - break) + b2*post.

    post = 1 for years >= break_year; `trend=False` drops the linear term;
    `exposure` (e.g. number of states) enters as a log offset. The estimate is the
    break's rate ratio exp(b2) with a Wald interval and two-sided p.

    Models fitted (all reported in `alternatives`): "poisson" (MLE, model-based SE),
    "quasipoisson" (SE scaled by the Pearson dispersion), "poisson_hc1"
    (heteroskedasticity-robust SE), "poisson_hac" (Newey-West SE, maxlags =
    floor(4*(n/100)^(2/9)), for serial correlation in yearly series) and "negbin"
    (NB2, alpha by profile maximum likelihood, see `_nb2_profile`).
    `model="auto"` (the pre-declared rule) uses negbin when the Pearson dispersion
    chi2/df of the Poisson fit exceeds `dispersion_threshold` and negbin converged,
    else poisson. Extras: model_used, dispersion, nb_alpha, nb_lr_p (LR test of
    alpha = 0, halved for the boundary), alternatives, n_pre, n_post, params; negbin_error
    (only when the negative-binomial fit raised on these data: which error; "auto" then
    uses Poisson and says so in `warnings`).

    `fits` limits the models fitted (a specification needs only its own; "poisson" is
    always fitted, as the start and the dispersion check; "auto" needs "negbin").
    `engine`: "numpy" fits Poisson and NB2 with `_count_fit_numpy` (the same estimates
    as statsmodels' GLM to about 1e-8), "statsmodels" with GLM; the default is numpy,
    statsmodels inside `plain_loop()`. The robust variants always use statsmodels.
    """
    if model not in ("auto",) + COUNT_MODELS:
        raise ValueError(f"unknown model {model!r}")
    fits = tuple(fits)
    if any(f not in COUNT_MODELS for f in fits):
        raise ValueError(f"unknown fits {fits!r}")
    if model == "auto" and "negbin" not in fits or model != "auto" and model not in fits:
        raise ValueError(f"model {model!r} needs its fit in `fits`")
    if engine is None:
        engine = "statsmodels" if _PLAIN[0] else "numpy"
    if engine not in ("numpy", "statsmodels"):
        raise ValueError("engine must be 'numpy' or 'statsmodels'")
    alpha = _check_alpha(alpha)
    y = np.asarray(counts, dtype=float)
    yr = np.asarray(years, dtype=float)
    if y.shape != yr.shape or y.ndim != 1:
        raise ValueError("counts and years must be 1-D and of equal length")
    if np.any(~np.isfinite(y)) or np.any(y < 0) or np.any(y != np.round(y)):
        raise ValueError("counts must be non-negative integers (no missing values)")
    if len(np.unique(yr)) != len(yr):
        raise ValueError("years must be unique (one count per year)")
    order = np.argsort(yr, kind="stable")
    y, yr = y[order], yr[order]
    off = None
    if exposure is not None:
        ex = np.asarray(exposure, dtype=float)
        if ex.shape != y.shape or np.any(~(ex > 0)):
            raise ValueError("exposure must be positive, one per year")
        off = np.log(ex[order])
    method_base = "count break model"
    post = (yr >= break_year).astype(float)
    cols = [np.ones_like(y)] + ([yr - break_year] if trend else []) + [post]
    names = ["const"] + (["trend"] if trend else []) + ["post"]
    X = np.column_stack(cols)
    n, k = X.shape
    extra: dict[str, Any] = {"break_year": int(break_year), "trend": bool(trend),
                             "n_pre": int((post == 0).sum()), "n_post": int((post == 1).sum()),
                             "total_pre": int(y[post == 0].sum()), "total_post": int(y[post == 1].sum()),
                             "alpha": alpha, "model_requested": model}
    if extra["n_pre"] == 0 or extra["n_post"] == 0:
        return _inconclusive(method_base, "no years before or no years after the break", n=n, **extra)
    if n < k + 2:
        return _inconclusive(method_base, f"too few years ({n}) for {k} parameters", n=n, **extra)
    if y.sum() == 0:
        return _inconclusive(method_base, "all counts are zero", n=n, **extra)
    if extra["total_pre"] == 0 or extra["total_post"] == 0:
        return _inconclusive(method_base, "no events before or after the break: rate ratio is 0 or infinite",
                             n=n, **extra)
    z = float(special.ndtri(1 - alpha / 2))
    alts: dict[str, dict[str, Any]] = {}
    jpost = names.index("post")

    def summarise(b: float, se: float, conv: bool, note: str | None = None) -> dict[str, Any]:
        ok = conv and math.isfinite(se) and se > 0
        return {"rr": _num(math.exp(b)) if ok else None,
                "ci_low": _num(math.exp(b - z * se)) if ok else None,
                "ci_high": _num(math.exp(b + z * se)) if ok else None,
                "p_value": _num(2 * special.ndtr(-abs(b / se))) if ok else None,
                "coef": _num(b), "se": _num(se), "converged": bool(conv), "note": note}

    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        glm = None
        if engine == "statsmodels" or any(f in fits for f in ("poisson_hc1", "poisson_hac")):
            GLM, families = _sm_glm()
            glm = GLM(y, X, family=families.Poisson(), offset=off)
        if engine == "statsmodels":
            pois = glm.fit(tol=1e-12)
            disp = float(pois.pearson_chi2 / pois.df_resid) if pois.df_resid > 0 else math.nan
            p_params, p_bse, p_llf, pconv = (np.asarray(pois.params), np.asarray(pois.bse), float(pois.llf),
                                             bool(pois.converged))
        else:
            pf = _count_fit_numpy(y, X, off)
            df_resid = n - k
            disp = float(np.sum((y - pf.mu) ** 2 / pf.mu) / df_resid) if df_resid > 0 else math.nan
            p_params, p_bse, p_llf, pconv = pf.params, pf.bse, pf.llf, pf.converged
        b = float(p_params[jpost])
        alts["poisson"] = summarise(b, float(p_bse[jpost]), pconv)
        if "quasipoisson" in fits:
            alts["quasipoisson"] = summarise(b, float(p_bse[jpost]) * math.sqrt(disp), pconv)
        if "poisson_hc1" in fits:
            hc = glm.fit(cov_type="HC1")
            alts["poisson_hc1"] = summarise(float(hc.params[jpost]), float(hc.bse[jpost]), bool(hc.converged))
        if "poisson_hac" in fits:
            maxlags = int(math.floor(4 * (n / 100) ** (2 / 9)))
            hac = glm.fit(cov_type="HAC", cov_kwds={"maxlags": maxlags})
            alts["poisson_hac"] = summarise(float(hac.params[jpost]), float(hac.bse[jpost]), bool(hac.converged),
                                            note=f"Newey-West, maxlags={maxlags}")
        nb_alpha, nb_lr_p, nb_error = None, None, None
        if "negbin" in fits:
            try:
                if engine == "statsmodels":
                    nb, nb_alpha, at_bound = _nb2_profile(y, X, off, p_params)
                    nb_params, nb_bse, nb_llf, nb_conv = (np.asarray(nb.params), np.asarray(nb.bse), float(nb.llf),
                                                          bool(nb.converged))
                else:
                    nb, nb_alpha, at_bound = _nb2_mle_numpy(y, X, off, p_params)
                    nb_params, nb_bse, nb_llf, nb_conv = nb.params, nb.bse, nb.llf, nb.converged
                alts["negbin"] = summarise(float(nb_params[jpost]), float(nb_bse[jpost]), nb_conv,
                                           note="alpha at lower bound: NB = Poisson" if at_bound else None)
                lr = max(2 * (nb_llf - p_llf), 0.0)
                nb_lr_p = float(0.5 * special.chdtrc(1, lr)) if lr > 0 else 1.0
            except _NB_FIT_ERRORS as exc:  # the fit itself failed on these data (not a bug): say so
                nb_error = f"{type(exc).__name__}: {exc}"
                alts["negbin"] = summarise(math.nan, math.nan, False, note=f"negative binomial fit failed: {nb_error}")
    use = model
    if model == "auto":
        use = "negbin" if (disp > dispersion_threshold and alts["negbin"]["converged"]) else "poisson"
    chosen = alts[use]
    extra.update(model_used=use, dispersion=_num(disp), dispersion_threshold=dispersion_threshold,
                 nb_alpha=nb_alpha, nb_lr_p=nb_lr_p, alternatives=alts,
                 params=dict(zip(names, map(float, p_params))))
    warns = []
    if model == "auto" and disp > dispersion_threshold and use == "poisson":
        why = f"its fit failed ({nb_error})" if nb_error else "did not converge"
        warns.append(f"overdispersed but negative binomial {why}; Poisson used, its SEs are too small")
    if nb_error is not None:
        extra["negbin_error"] = nb_error
    method = f"{method_base}: {use}, {'linear trend + ' if trend else ''}post-{break_year} level shift"
    if chosen["rr"] is None:
        return StatResult(method=method, n=n, reason=f"{use} fit did not converge", warnings=warns, extra=extra)
    return StatResult(method=method, estimate=chosen["rr"], ci_low=chosen["ci_low"],
                      ci_high=chosen["ci_high"], p_value=chosen["p_value"], n=n,
                      warnings=warns, extra=extra)


# ------------------------------------------------------------------ permutation, seeds


def step_seed(*parts: Any, bits: int = 63) -> int:
    """Deterministic seed for one step, from its key: int(sha256("/".join(parts))).

    In the spirit of R `targets`: the seed depends only on the step's name (e.g.
    step_seed("MH2", "spec_0f3a...")), never on execution order or on other steps.
    Parts are joined with "/", so step_seed("a/b") == step_seed("a", "b"). Returns
    the top `bits` bits of the digest (default 63: fits a signed int64 column).
    """
    if not parts:
        raise ValueError("step_seed needs at least one key part")
    if not 1 <= bits <= 256:
        raise ValueError("bits must be in 1..256")
    key = "/".join(str(p) for p in parts)
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest, "big") >> (256 - bits)


def permutation_test(stat_fn: Callable[[np.ndarray, Any], float], labels: Any, data: Any, *,
                     n_perm: int = 9999, seed: int | str, alternative: str = "two-sided",
                     strata: Any = None) -> StatResult:
    """Generic permutation test: shuffle `labels`, recompute stat_fn(labels, data).

    p = (1 + #{perm stat at least as extreme as observed}) / (n_perm + 1), with
    "greater": stat >= obs, "less": stat <= obs, "two-sided": |stat| >= |obs| (use a
    centred statistic). `seed` is required and recorded (a string is turned into an
    int with `step_seed`); the generator is numpy's default_rng(seed), so the same
    seed gives the same p. `strata` permutes within strata. A relative tolerance of
    1e-12 counts floating-point ties as ties. Permutations whose statistic is not
    finite are excluded from numerator and denominator (counted, with a warning).
    Extras: n_perm, seed, alternative, n_extreme, n_valid, perm_mean, perm_sd.
    """
    alternative = _check_alt(alternative)
    if seed is None:
        raise ValueError("permutation_test needs an explicit seed (record it)")
    seed_int = step_seed(seed) if isinstance(seed, str) else int(seed)
    n_perm = int(n_perm)
    if n_perm < 1:
        raise ValueError("n_perm must be >= 1")
    lab = np.asarray(labels)
    rng = np.random.default_rng(seed_int)
    method = f"permutation test ({alternative}), {n_perm} permutations"
    obs = float(stat_fn(lab, data))
    extra: dict[str, Any] = {"n_perm": n_perm, "seed": seed_int, "alternative": alternative}
    if not math.isfinite(obs):
        return _inconclusive(method, "observed statistic is not finite", n=len(lab), **extra)
    if strata is not None:
        st = np.asarray(strata)
        if len(st) != len(lab):
            raise ValueError("strata and labels differ in length")
        blocks = [np.flatnonzero(st == s) for s in pd.unique(st)]
    perm_stats = np.empty(n_perm)
    for i in range(n_perm):
        if strata is None:
            pl = rng.permutation(lab)
        else:
            pl = lab.copy()
            for idx in blocks:
                pl[idx] = lab[idx][rng.permutation(len(idx))]
        perm_stats[i] = stat_fn(pl, data)
    tol = 1e-12 * max(1.0, abs(obs))
    if alternative == "greater":
        extreme = perm_stats >= obs - tol
    elif alternative == "less":
        extreme = perm_stats <= obs + tol
    else:
        extreme = np.abs(perm_stats) >= abs(obs) - tol
    valid = np.isfinite(perm_stats)
    n_valid = int(valid.sum())
    n_ext = int(np.sum(extreme & valid))
    warns = []
    if n_valid < n_perm:
        warns.append(f"{n_perm - n_valid} permutations gave a non-finite statistic and were excluded")
    extra.update(n_extreme=n_ext, n_valid=n_valid,
                 perm_mean=_num(np.mean(perm_stats[valid])) if n_valid else None,
                 perm_sd=_num(np.std(perm_stats[valid])) if n_valid else None)
    if n_valid == 0:
        return StatResult(method=method, estimate=obs, n=len(lab), warnings=warns,
                          reason="no permutation gave a finite statistic", extra=extra)
    p = (1 + n_ext) / (n_valid + 1)
    return StatResult(method=method, estimate=obs, p_value=p, n=len(lab), warnings=warns, extra=extra)


# ---------------------------------------------------------------------- spec curves


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
        if _PLAIN[0]:  # the reference loop shares nothing
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
        d.update(method=res.method, estimate=res.estimate, ci_low=res.ci_low, ci_high=res.ci_high,
                 p_value=res.p_value, n=res.n, reason=res.reason, warnings=res.warnings)
        return d
    if isinstance(res, Mapping):
        return dict(res)
    raise TypeError(f"spec function must return a StatResult or a dict, got {type(res).__name__}")


def spec_curve(dims: Mapping[str, Sequence[Any]], fn: Callable[..., Any] | None = None, *,
               key: str = "", batch_fn: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
               extra_cols: Sequence[str] = (), cache: DesignCache | None = None,
               errors: str = "record") -> pd.DataFrame:
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


def projected_break(counts: Any, years: Any, break_year: int, *, exposure: Any, trend: bool = True,
                    alpha: float = 0.05, dispersion_threshold: float = 1.5) -> StatResult:
    """A break in a yearly count series against the pre-period's own projection.

    The pre-period (years < break_year) alone is fitted, log E[y] = b0 [+ b1 (year - break)/10]
    + log(exposure), by Poisson maximum likelihood (statsmodels GLM); when its Pearson
    dispersion chi2/df exceeds `dispersion_threshold` (the declared check) the NB2 model
    (statsmodels `NegativeBinomial`, alpha estimated) is used instead, and the likelihood-ratio
    test of alpha = 0 is reported (p halved for the boundary). The post-period's expected count
    M = sum of the projections; the estimate is O / M with O the observed post-period count.
    Interval: Wald on log(O / M) with var = Var(O)/M^2 (Poisson: M; NB2: M + alpha sum mu^2)
    plus the delta-method variance of log M from the pre-period fit. Written out here because
    statsmodels has no projected-break estimator; the fits are statsmodels'.
    """
    import statsmodels.api as sm
    from statsmodels.discrete.discrete_model import NegativeBinomial

    alpha_ = _check_alpha(alpha)
    y = np.asarray(counts, dtype=float)
    yr = np.asarray(years, dtype=float)
    ex = np.asarray(exposure, dtype=float)
    pre, post = yr < break_year, yr >= break_year
    method = (f"projected break: observed / expected onsets from {break_year}, the expectation projected from a "
              f"{'trend ' if trend else 'constant-rate '}model fitted to the years before it only (Poisson, or NB2 when "
              f"the pre-period Pearson dispersion exceeds {dispersion_threshold}); Wald interval on the log ratio")
    n_pre, n_post = int(pre.sum()), int(post.sum())
    extra: dict[str, Any] = {"n_pre": n_pre, "n_post": n_post, "break_year": int(break_year)}
    if n_pre < 5 or n_post < 2:
        return _inconclusive(method, f"too few years on one side of the break ({n_pre} before, {n_post} after)",
                             n=len(y), **extra)
    X = np.column_stack([np.ones(len(y))] + ([(yr - break_year) / 10.0] if trend else []))
    off = np.log(ex)
    pois = sm.GLM(y[pre], X[pre], family=sm.families.Poisson(), offset=off[pre]).fit()
    disp = float(pois.pearson_chi2 / pois.df_resid) if pois.df_resid > 0 else float("nan")
    extra.update(dispersion=disp, total_pre=int(y[pre].sum()), total_post=int(y[post].sum()))
    nb_alpha = 0.0
    if np.isfinite(disp) and disp > dispersion_threshold:
        nb = NegativeBinomial(y[pre], X[pre], loglike_method="nb2", offset=off[pre]).fit(disp=0, maxiter=200)
        if not nb.mle_retvals.get("converged", False):
            return _inconclusive(method, "the negative binomial fit of the pre-period did not converge "
                                         "(the declared dispersion check requires it)", n=len(y), **extra)
        beta, V = np.asarray(nb.params[:-1]), np.asarray(nb.cov_params())[:-1, :-1]
        nb_alpha = float(nb.params[-1])
        lr = 2 * (float(nb.llf) - float(pois.llf))
        extra.update(model_used="negative binomial (NB2)", nb_alpha=nb_alpha,
                     nb_lr_p=float(0.5 * stats.chi2.sf(max(lr, 0.0), 1)))
    else:
        beta, V = np.asarray(pois.params), np.asarray(pois.cov_params())
        extra.update(model_used="poisson")
    mu = np.exp(X[post] @ beta + off[post])
    M, O = float(mu.sum()), float(y[post].sum())
    g = (mu[:, None] * X[post]).sum(axis=0) / M
    var = (M + nb_alpha * float((mu ** 2).sum())) / M ** 2 + float(g @ V @ g)
    extra.update(expected_post=M, observed_post=O, params=[float(b) for b in beta])
    if O == 0:
        return _inconclusive(method, "no onsets after the break: the log ratio is undefined", n=len(y), **extra)
    est = O / M
    se = math.sqrt(var)
    z = stats.norm.ppf(1 - alpha_ / 2)
    p = float(2 * stats.norm.sf(abs(math.log(est)) / se))
    return StatResult(method=method, estimate=est, ci_low=est * math.exp(-z * se), ci_high=est * math.exp(z * se),
                      p_value=p, n=len(y), extra=extra)


def exact_score_trend(scores: Any, y: Any) -> dict[str, Any]:
    """Exact conditional trend test of a binary outcome over integer scores (the exact
    Cochran-Armitage test; the permutation test of the linear-probability slope).

    Conditional on the scores and the number m of cases with y = 1, every set of m cases is
    equally likely under the null; the statistic T = sum of the scores of the y = 1 cases is
    enumerated exactly by counting, for each t, the subsets of size m with score sum t (dynamic
    programming, exact integers). Returns the slope (OLS of y on the score), T, and both
    one-sided p-values: `p_lower` = P(T <= t_obs) (y rarer at higher scores), `p_upper` =
    P(T >= t_obs). The slope is a monotone function of T given the margins, so the two tests
    are tests of the slope."""
    s = np.asarray(scores, dtype=np.int64)
    yy = np.asarray(y, dtype=bool)
    if s.shape != yy.shape or s.ndim != 1:
        raise ValueError("scores and y must be 1-d and of equal length")
    if (s < 0).any():
        raise ValueError("scores must be non-negative integers")
    n, m = len(s), int(yy.sum())
    out = {"n": n, "events": m, "t_obs": int(s[yy].sum())}
    if n < 2 or m in (0, n) or s.min() == s.max():
        return {**out, "slope": None, "p_lower": None, "p_upper": None,
                "reason": "no variation in the outcome or in the score"}
    smax = int(s.sum())
    # ways[k][t]: number of subsets of size k with score sum t (Python ints: exact)
    ways = [[0] * (smax + 1) for _ in range(m + 1)]
    ways[0][0] = 1
    for si in s.tolist():
        for k in range(min(m, n), 0, -1):
            prev, cur = ways[k - 1], ways[k]
            for t in range(smax, si - 1, -1):
                if prev[t - si]:
                    cur[t] += prev[t - si]
    dist = ways[m]
    total = sum(dist)
    t0 = out["t_obs"]
    p_lower = sum(dist[: t0 + 1]) / total
    p_upper = sum(dist[t0:]) / total
    sc = s.astype(float)
    slope = float(np.cov(sc, yy.astype(float), ddof=1)[0, 1] / np.var(sc, ddof=1))
    return {**out, "slope": slope, "p_lower": float(p_lower), "p_upper": float(p_upper), "reason": None}
