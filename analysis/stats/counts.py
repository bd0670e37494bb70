"""Count models of yearly event series: a level break at a given year, and a break against the
projection of the years before it.

`poisson_or_nb_break` fits log E[y] = b0 + b1 (year - break) + b2 post (optionally with a log
exposure offset) by Poisson, quasi-Poisson, Poisson with robust (HC1) or Newey-West (HAC)
errors and negative binomial (NB2), and picks Poisson or NB2 by the declared dispersion rule.
`projected_break` compares the post-period count with what a model of the pre-period alone
projects.

Stands on statsmodels: its GLM (Poisson and NegativeBinomial families) is the reference engine
(`engine="statsmodels"`, the default inside `plain_loop()`) and always gives the robust (HC1,
HAC) errors; `projected_break` fits statsmodels' GLM and `NegativeBinomial` and writes out only
the projection and its delta-method interval, which statsmodels does not offer. Written by hand
for speed, on numpy and `scipy.special`/`scipy.optimize`: the Poisson and fixed-alpha NB2 fit by
Fisher scoring (`_count_fit_numpy`, the GLM's estimates and expected-information errors) and
the NB2 joint maximum likelihood (`_nb2_mle_numpy`, scoring steps for the coefficients
alternating with Newton steps in log alpha, falling back to the profile search
`_nb2_profile_numpy`). statsmodels' route, the profile search over log alpha in `_nb2_profile`,
refits the GLM at every step of the search, for every specification; the numpy fits agree with
it to about 1e-8 (tests/test_stats.py).
"""

from __future__ import annotations

import math
import warnings as _warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from ._lazy import _sm_glm, scipy_stats
from .reference import plain_loop_active
from .results import StatResult, _check_alpha, _inconclusive, _num


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

    res = optimize.minimize_scalar(
        lambda la: -fit(la).llf, bounds=(-12.0, 5.0), method="bounded", options={"xatol": 1e-6}
    )
    la = float(res.x)
    return fit(la), math.exp(la), la < -11.5


@dataclass
class _CountFit:
    params: np.ndarray
    bse: np.ndarray
    llf: float
    mu: np.ndarray
    converged: bool


def _count_fit_numpy(
    y: np.ndarray,
    X: np.ndarray,
    off: np.ndarray | None,
    nb_alpha: float | None = None,
    start: np.ndarray | None = None,
    tol: float = 1e-12,
    max_iter: int = 100,
) -> _CountFit:
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
        llf = float(
            np.sum(
                special.gammaln(y + ia)
                - special.gammaln(ia)
                - special.gammaln(y + 1.0)
                + special.xlogy(y, a * mu / (1.0 + a * mu))
                - ia * np.log1p(a * mu)
            )
        )
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
    a0 = float(np.sum(((y - mu) ** 2 - y) / mu**2) / max(n - k, 1))
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
        hr = float(np.sum(special.zeta(2.0, y + r) - special.zeta(2.0, r) + 1.0 / r - 1.0 / rm - (mu - y) / rm**2))
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
        if np.max(np.abs(sb)) < 1e-12 * (1.0 + np.max(np.abs(b))) and abs(step) < 1e-12 * (1.0 + abs(rho)):
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


def poisson_or_nb_break(
    counts: Any,
    years: Any,
    break_year: int,
    trend: bool = True,
    *,
    exposure: Any = None,
    model: str = "auto",
    dispersion_threshold: float = 1.5,
    alpha: float = 0.05,
    fits: Sequence[str] = COUNT_MODELS,
    engine: str | None = None,
) -> StatResult:
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
        engine = "statsmodels" if plain_loop_active() else "numpy"
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
    extra: dict[str, Any] = {
        "break_year": int(break_year),
        "trend": bool(trend),
        "n_pre": int((post == 0).sum()),
        "n_post": int((post == 1).sum()),
        "total_pre": int(y[post == 0].sum()),
        "total_post": int(y[post == 1].sum()),
        "alpha": alpha,
        "model_requested": model,
    }
    if extra["n_pre"] == 0 or extra["n_post"] == 0:
        return _inconclusive(method_base, "no years before or no years after the break", n=n, **extra)
    if n < k + 2:
        return _inconclusive(method_base, f"too few years ({n}) for {k} parameters", n=n, **extra)
    if y.sum() == 0:
        return _inconclusive(method_base, "all counts are zero", n=n, **extra)
    if extra["total_pre"] == 0 or extra["total_post"] == 0:
        return _inconclusive(
            method_base, "no events before or after the break: rate ratio is 0 or infinite", n=n, **extra
        )
    z = float(special.ndtri(1 - alpha / 2))
    alts: dict[str, dict[str, Any]] = {}
    jpost = names.index("post")

    def summarise(b: float, se: float, conv: bool, note: str | None = None) -> dict[str, Any]:
        ok = conv and math.isfinite(se) and se > 0
        return {
            "rr": _num(math.exp(b)) if ok else None,
            "ci_low": _num(math.exp(b - z * se)) if ok else None,
            "ci_high": _num(math.exp(b + z * se)) if ok else None,
            "p_value": _num(2 * special.ndtr(-abs(b / se))) if ok else None,
            "coef": _num(b),
            "se": _num(se),
            "converged": bool(conv),
            "note": note,
        }

    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        glm = None
        if engine == "statsmodels" or any(f in fits for f in ("poisson_hc1", "poisson_hac")):
            GLM, families = _sm_glm()
            glm = GLM(y, X, family=families.Poisson(), offset=off)
        if engine == "statsmodels":
            pois = glm.fit(tol=1e-12)
            disp = float(pois.pearson_chi2 / pois.df_resid) if pois.df_resid > 0 else math.nan
            p_params, p_bse, p_llf, pconv = (
                np.asarray(pois.params),
                np.asarray(pois.bse),
                float(pois.llf),
                bool(pois.converged),
            )
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
            alts["poisson_hac"] = summarise(
                float(hac.params[jpost]),
                float(hac.bse[jpost]),
                bool(hac.converged),
                note=f"Newey-West, maxlags={maxlags}",
            )
        nb_alpha, nb_lr_p, nb_error = None, None, None
        if "negbin" in fits:
            try:
                if engine == "statsmodels":
                    nb, nb_alpha, at_bound = _nb2_profile(y, X, off, p_params)
                    nb_params, nb_bse, nb_llf, nb_conv = (
                        np.asarray(nb.params),
                        np.asarray(nb.bse),
                        float(nb.llf),
                        bool(nb.converged),
                    )
                else:
                    nb, nb_alpha, at_bound = _nb2_mle_numpy(y, X, off, p_params)
                    nb_params, nb_bse, nb_llf, nb_conv = nb.params, nb.bse, nb.llf, nb.converged
                alts["negbin"] = summarise(
                    float(nb_params[jpost]),
                    float(nb_bse[jpost]),
                    nb_conv,
                    note="alpha at lower bound: NB = Poisson" if at_bound else None,
                )
                lr = max(2 * (nb_llf - p_llf), 0.0)
                nb_lr_p = float(0.5 * special.chdtrc(1, lr)) if lr > 0 else 1.0
            except _NB_FIT_ERRORS as exc:  # the fit itself failed on these data (not a bug): say so
                nb_error = f"{type(exc).__name__}: {exc}"
                alts["negbin"] = summarise(math.nan, math.nan, False, note=f"negative binomial fit failed: {nb_error}")
    use = model
    if model == "auto":
        use = "negbin" if (disp > dispersion_threshold and alts["negbin"]["converged"]) else "poisson"
    chosen = alts[use]
    extra.update(
        model_used=use,
        dispersion=_num(disp),
        dispersion_threshold=dispersion_threshold,
        nb_alpha=nb_alpha,
        nb_lr_p=nb_lr_p,
        alternatives=alts,
        params=dict(zip(names, map(float, p_params))),
    )
    warns = []
    if model == "auto" and disp > dispersion_threshold and use == "poisson":
        why = f"its fit failed ({nb_error})" if nb_error else "did not converge"
        warns.append(f"overdispersed but negative binomial {why}; Poisson used, its SEs are too small")
    if nb_error is not None:
        extra["negbin_error"] = nb_error
    method = f"{method_base}: {use}, {'linear trend + ' if trend else ''}post-{break_year} level shift"
    if chosen["rr"] is None:
        return StatResult(method=method, n=n, reason=f"{use} fit did not converge", warnings=warns, extra=extra)
    return StatResult(
        method=method,
        estimate=chosen["rr"],
        ci_low=chosen["ci_low"],
        ci_high=chosen["ci_high"],
        p_value=chosen["p_value"],
        n=n,
        warnings=warns,
        extra=extra,
    )


def projected_break(
    counts: Any,
    years: Any,
    break_year: int,
    *,
    exposure: Any,
    trend: bool = True,
    alpha: float = 0.05,
    dispersion_threshold: float = 1.5,
) -> StatResult:
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
    method = (
        f"projected break: observed / expected onsets from {break_year}, the expectation projected from a "
        f"{'trend ' if trend else 'constant-rate '}model fitted to the years before it only (Poisson, or NB2 when "
        f"the pre-period Pearson dispersion exceeds {dispersion_threshold}); Wald interval on the log ratio"
    )
    n_pre, n_post = int(pre.sum()), int(post.sum())
    extra: dict[str, Any] = {"n_pre": n_pre, "n_post": n_post, "break_year": int(break_year)}
    if n_pre < 5 or n_post < 2:
        return _inconclusive(
            method, f"too few years on one side of the break ({n_pre} before, {n_post} after)", n=len(y), **extra
        )
    X = np.column_stack([np.ones(len(y))] + ([(yr - break_year) / 10.0] if trend else []))
    off = np.log(ex)
    pois = sm.GLM(y[pre], X[pre], family=sm.families.Poisson(), offset=off[pre]).fit()
    disp = float(pois.pearson_chi2 / pois.df_resid) if pois.df_resid > 0 else float("nan")
    extra.update(dispersion=disp, total_pre=int(y[pre].sum()), total_post=int(y[post].sum()))
    nb_alpha = 0.0
    if np.isfinite(disp) and disp > dispersion_threshold:
        nb = NegativeBinomial(y[pre], X[pre], loglike_method="nb2", offset=off[pre]).fit(disp=0, maxiter=200)
        if not nb.mle_retvals.get("converged", False):
            return _inconclusive(
                method,
                "the negative binomial fit of the pre-period did not converge "
                "(the declared dispersion check requires it)",
                n=len(y),
                **extra,
            )
        beta, V = np.asarray(nb.params[:-1]), np.asarray(nb.cov_params())[:-1, :-1]
        nb_alpha = float(nb.params[-1])
        lr = 2 * (float(nb.llf) - float(pois.llf))
        extra.update(
            model_used="negative binomial (NB2)",
            nb_alpha=nb_alpha,
            nb_lr_p=float(0.5 * scipy_stats.chi2.sf(max(lr, 0.0), 1)),
        )
    else:
        beta, V = np.asarray(pois.params), np.asarray(pois.cov_params())
        extra.update(model_used="poisson")
    mu = np.exp(X[post] @ beta + off[post])
    expected, observed = float(mu.sum()), float(y[post].sum())
    g = (mu[:, None] * X[post]).sum(axis=0) / expected
    var = (expected + nb_alpha * float((mu**2).sum())) / expected**2 + float(g @ V @ g)
    extra.update(expected_post=expected, observed_post=observed, params=[float(b) for b in beta])
    if observed == 0:
        return _inconclusive(method, "no onsets after the break: the log ratio is undefined", n=len(y), **extra)
    est = observed / expected
    se = math.sqrt(var)
    z = scipy_stats.norm.ppf(1 - alpha_ / 2)
    p = float(2 * scipy_stats.norm.sf(abs(math.log(est)) / se))
    return StatResult(
        method=method,
        estimate=est,
        ci_low=est * math.exp(-z * se),
        ci_high=est * math.exp(z * se),
        p_value=p,
        n=len(y),
        extra=extra,
    )
