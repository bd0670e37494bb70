"""Exact tests and intervals for counts: one proportion, two proportions and 2x2 tables, risk
and rate ratios, and the exact trend test of a binary outcome over ordered scores.

The scalar functions (`proportion`, `binom_test_vs`, `fisher_2x2`, `risk_ratio`, `rate_ratio`)
return a `StatResult`; the `*_many` functions (`proportion_ci_many`, `wilson_ci_many`,
`newcombe_diff_ci_many`, `binom_test_many`, `fisher_p_many`) take arrays of counts, one entry per
specification, and return arrays.

Stands on scipy: `scipy.special` (inverse incomplete beta, binomial tails, log-gamma, normal
quantiles) and `scipy.stats` (`fisher_exact` and `contingency.odds_ratio` for the scalar Fisher
test, `hypergeom` for the one-sided Fisher tails). Written by hand, for speed: scipy's
`binomtest` / `fisher_exact` and statsmodels' `proportion_confint` take one Python call per
table, while a specification curve asks for hundreds; the `*_many` functions compute them in one
numpy pass (Clopper-Pearson bounds as beta quantiles, Wilson and Newcombe intervals in closed
form, two-sided exact p-values as the sum over the outcomes as or less likely than the observed
one, with R's and scipy's relative tolerance 1 + 1e-7 for ties). Each equals its scipy or
statsmodels counterpart (tests/test_stats.py), which `plain_loop()` calls instead (reference).
`exact_score_trend`, the exact Cochran-Armitage test, is written out because scipy and
statsmodels offer only the asymptotic test; it counts the permutation distribution with exact
integers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import special

from ._lazy import scipy_stats
from .reference import _binom_test_loop, _confint_loop, _fisher_p_loop, plain_loop_active
from .results import _ALTS, StatResult, _check_alpha, _check_alt, _check_count, _inconclusive, _num

# ------------------------------------------------------------------ one proportion


def proportion_ci_many(k: Any, n: Any, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised Clopper-Pearson (exact) interval for k/n; NaN where n == 0.

    lower = Beta^-1(alpha/2; k, n-k+1) (0 when k = 0),
    upper = Beta^-1(1-alpha/2; k+1, n-k) (1 when k = n).
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    if plain_loop_active():
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
    return StatResult(
        method=method,
        estimate=k / n,
        ci_low=float(lo),
        ci_high=float(hi),
        p_value=None,
        n=n,
        extra={"k": k, "alpha": alpha},
    )


def binom_test_vs(k: int, n: int, p0: float, alternative: str = "greater", alpha: float = 0.05) -> StatResult:
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
    return StatResult(method=method, estimate=k / n, ci_low=lo, ci_high=hi, p_value=pval, n=n, extra=extra)


# ------------------------------------------------------------ two proportions / 2x2


def wilson_ci_many(k: Any, n: Any, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised Wilson score interval (no continuity correction); NaN where n == 0."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    if plain_loop_active():
        return _confint_loop(k, n, alpha, "wilson")
    z = float(special.ndtri(1 - alpha / 2))
    z2 = z * z
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (2 * k + z2) / (2 * (n + z2))
        half = z * np.sqrt(z2 + 4 * k * (1 - p)) / (2 * (n + z2))
    return centre - half, centre + half


def newcombe_diff_ci_many(
    a: Any, n1: Any, c: Any, n2: Any, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def _minlike_pvalues(
    lo: np.ndarray,
    hi: np.ndarray,
    obs: np.ndarray,
    logpmf: Callable[[np.ndarray, np.ndarray], np.ndarray],
    max_cells: int = 2_000_000,
) -> np.ndarray:
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
    if plain_loop_active():
        return _binom_test_loop(k, n, p0, alternative)
    if alternative == "greater":
        out = np.where(k <= 0, 1.0, special.bdtrc(np.maximum(k - 1, 0), n, p0))
    elif alternative == "less":
        out = special.bdtr(k, n, p0)
    else:
        lgn = special.gammaln(n + 1.0)

        def logpmf(rows, x):
            nn, pp = n[rows, None], p0[rows, None]
            with np.errstate(divide="ignore", invalid="ignore"):
                return (
                    lgn[rows, None]
                    - special.gammaln(x + 1.0)
                    - special.gammaln(nn - x + 1.0)
                    + special.xlogy(x, pp)
                    + special.xlog1py(nn - x, -pp)
                )

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
    if plain_loop_active():
        return _fisher_p_loop(a, b, c, d, alternative)
    r1, c1 = a + b, a + c
    N = a + b + c + d
    lo = np.maximum(0, r1 - (b + d))
    hi = np.minimum(r1, c1)
    lnorm = (
        special.gammaln(c1 + 1.0)
        + special.gammaln(N - c1 + 1.0)
        + special.gammaln(r1 + 1.0)
        + special.gammaln(N - r1 + 1.0)
        - special.gammaln(N + 1.0)
    )

    def logpmf(rows, x):
        cc, rr, nn = c1[rows, None], r1[rows, None], N[rows, None]
        return (
            lnorm[rows, None]
            - special.gammaln(x + 1.0)
            - special.gammaln(cc - x + 1.0)
            - special.gammaln(rr - x + 1.0)
            - special.gammaln(nn - cc - rr + x + 1.0)
        )

    if alternative == "two-sided":
        out = _minlike_pvalues(lo, hi, a, logpmf)
    else:
        # tails from scipy's hypergeometric (accurate, vectorised): M=N, n=c1, N=r1
        if alternative == "greater":
            out = scipy_stats.hypergeom.sf(a - 1, N, c1, r1)
        else:
            out = scipy_stats.hypergeom.cdf(a, N, c1, r1)
        out = np.minimum(1.0, np.asarray(out, dtype=float))
    degenerate = (r1 == 0) | (N - r1 == 0) | (c1 == 0) | (N - c1 == 0)
    return np.where(degenerate, np.nan, out)


def fisher_2x2(
    a: int, b: int, c: int, d: int, alternative: str = "two-sided", alpha: float = 0.05, or_kind: str = "conditional"
) -> StatResult:
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
    extra: dict[str, Any] = {"table": [[a, b], [c, d]], "n1": n1, "n2": n2, "alternative": alternative, "alpha": alpha}
    if n1 == 0 or n2 == 0:
        return _inconclusive(method, "a group (table row) is empty", n=n, **extra)
    if a + c == 0 or b + d == 0:
        return _inconclusive(method, "no variation in outcome (a table column is empty)", n=n, **extra)
    tab = [[a, b], [c, d]]
    p = {alt: float(scipy_stats.fisher_exact(tab, alternative=alt).pvalue) for alt in _ALTS}
    orr = scipy_stats.contingency.odds_ratio(tab, kind=or_kind)
    ci = orr.confidence_interval(confidence_level=1 - alpha, alternative=alternative)
    ci2 = orr.confidence_interval(confidence_level=1 - alpha)
    rd, rlo, rhi = newcombe_diff_ci_many(a, n1, c, n2, alpha)
    warns = []
    if not math.isfinite(orr.statistic):
        warns.append("odds ratio is infinite or undefined (a zero cell); only bounds are reported")
    or_sample = (a * d) / (b * c) if b * c > 0 else None
    extra.update(
        p_two_sided=p["two-sided"],
        p_greater=p["greater"],
        p_less=p["less"],
        or_sample=or_sample,
        ci2_low=_num(ci2.low),
        ci2_high=_num(ci2.high),
        p1=a / n1,
        p2=c / n2,
        rd=float(rd),
        rd_ci_low=float(rlo),
        rd_ci_high=float(rhi),
    )
    return StatResult(
        method=method,
        estimate=orr.statistic,
        ci_low=ci.low,
        ci_high=ci.high,
        p_value=p[alternative],
        n=n,
        warnings=warns,
        extra=extra,
    )


def risk_ratio(a: int, n1: int, c: int, n2: int, alpha: float = 0.05, zero: str = "none") -> StatResult:
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
    extra: dict[str, Any] = {"a": a, "n1": n1, "c": c, "n2": n2, "alpha": alpha, "continuity_corrected": False}
    if n1 == 0 or n2 == 0:
        return _inconclusive(method, "a group is empty", n=n1 + n2, **extra)
    warns = []
    aa, cc, m1, m2 = float(a), float(c), float(n1), float(n2)
    if a == 0 or c == 0:
        if zero == "none":
            which = "a" if a == 0 else "c"
            return _inconclusive(
                method, f"zero events in a group ({which} = 0): log risk ratio undefined", n=n1 + n2, **extra
            )
        aa, cc, m1, m2 = aa + 0.5, cc + 0.5, m1 + 1, m2 + 1
        extra["continuity_corrected"] = True
        method += " (Haldane 0.5 continuity correction)"
        warns.append("zero cell: 0.5 added to event counts (Haldane); estimate is biased towards 1")
    log_rr = math.log((aa / m1) / (cc / m2))
    se = math.sqrt(1 / aa - 1 / m1 + 1 / cc - 1 / m2)
    z = float(special.ndtri(1 - alpha / 2))
    pval = float(2 * special.ndtr(-abs(log_rr) / se)) if se > 0 else None
    extra.update(log_rr=log_rr, se_log_rr=se)
    return StatResult(
        method=method,
        estimate=math.exp(log_rr),
        ci_low=math.exp(log_rr - z * se),
        ci_high=math.exp(log_rr + z * se),
        p_value=pval,
        n=n1 + n2,
        warnings=warns,
        extra=extra,
    )


def rate_ratio(
    k1: int, t1: float, k2: int, t2: float, alpha: float = 0.05, alternative: str = "two-sided"
) -> StatResult:
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
    extra: dict[str, Any] = {
        "k1": k1,
        "t1": t1,
        "k2": k2,
        "t2": t2,
        "rate1": k1 / t1,
        "rate2": k2 / t2,
        "alternative": alternative,
        "alpha": alpha,
    }
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
    return StatResult(
        method=method, estimate=est, ci_low=lo, ci_high=hi, p_value=pval, n=k, warnings=warns, extra=extra
    )


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
        return {
            **out,
            "slope": None,
            "p_lower": None,
            "p_upper": None,
            "reason": "no variation in the outcome or in the score",
        }
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
