"""Tests for analysis.stats: every estimator against scipy/statsmodels on the same data
and against small cases computed by hand (plain binomial / hypergeometric sums written
out with math.comb, closed forms), plus determinism of seeds, permutations and spec
curves. Fixtures are built in code; no data files are needed.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import optimize
from scipy import stats as sps
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint
from statsmodels.stats.rates import test_poisson_2indep as sm_test_poisson_2indep

from analysis import stats as S

Z975 = 1.959963984540054


def _json_ok(res) -> dict:
    d = res.to_dict() if hasattr(res, "to_dict") else res
    json.dumps(d, allow_nan=False)  # raises on NaN / inf
    return d


# ------------------------------------------------------------ hand-computation helpers


def binom_pmf(i: int, n: int, p: float) -> float:
    return math.comb(n, i) * p**i * (1 - p) ** (n - i)


def binom_upper_tail(k: int, n: int, p: float) -> float:  # P(X >= k)
    return sum(binom_pmf(i, n, p) for i in range(k, n + 1))


def binom_lower_tail(k: int, n: int, p: float) -> float:  # P(X <= k)
    return sum(binom_pmf(i, n, p) for i in range(0, k + 1))


def cp_by_hand(k: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Clopper-Pearson by solving the two binomial tail equations (no beta function)."""
    lo = (
        0.0
        if k == 0
        else optimize.brentq(lambda p: binom_upper_tail(k, n, p) - alpha / 2, 1e-12, 1 - 1e-12, xtol=1e-14)
    )
    hi = (
        1.0
        if k == n
        else optimize.brentq(lambda p: binom_lower_tail(k, n, p) - alpha / 2, 1e-12, 1 - 1e-12, xtol=1e-14)
    )
    return lo, hi


def minlike_two_sided(k: int, n: int, p: float) -> float:
    """Two-sided exact binomial p: sum of P(i) over i with P(i) <= P(k) (R/scipy rule)."""
    pk = binom_pmf(k, n, p)
    return min(1.0, sum(binom_pmf(i, n, p) for i in range(n + 1) if binom_pmf(i, n, p) <= pk * (1 + 1e-7)))


# ------------------------------------------------------------------------- proportion


def test_clopper_pearson_hand_cases():
    # 0/10 and 10/10 have closed forms: 1 - (alpha/2)^(1/n) and (alpha/2)^(1/n)
    r0 = S.proportion(0, 10)
    assert r0.estimate == 0 and r0.ci_low == 0
    assert r0.ci_high == pytest.approx(1 - 0.025**0.1, abs=1e-12)  # 0.308497
    r10 = S.proportion(10, 10)
    assert r10.ci_low == pytest.approx(0.025**0.1, abs=1e-12) and r10.ci_high == 1  # 0.691503
    r = S.proportion(6, 41)
    lo, hi = cp_by_hand(6, 41)
    assert (r.ci_low, r.ci_high) == pytest.approx((lo, hi), abs=1e-10)
    assert (round(r.ci_low, 4), round(r.ci_high, 4)) == (0.0557, 0.2917)
    assert r.n == 41 and r.p_value is None and r.ok
    _json_ok(r)


@pytest.mark.parametrize("k,n", [(0, 1), (1, 1), (0, 10), (3, 10), (6, 41), (20, 41), (41, 41), (17, 150), (149, 150)])
def test_proportion_matches_statsmodels_and_vectorised(k, n):
    r = S.proportion(k, n)
    lo, hi = proportion_confint(k, n, alpha=0.05, method="beta")
    assert (r.ci_low, r.ci_high) == pytest.approx((lo, hi), abs=1e-10)
    vlo, vhi = S.proportion_ci_many([k], [n])
    assert (vlo[0], vhi[0]) == pytest.approx((r.ci_low, r.ci_high), abs=1e-12)


def test_proportion_edge_cases():
    r = S.proportion(0, 0)
    assert r.reason and r.estimate is None
    _json_ok(r)
    with pytest.raises(ValueError):
        S.proportion(5, 4)
    with pytest.raises(ValueError):
        S.proportion(-1, 4)
    with pytest.raises(ValueError):
        S.proportion(1.5, 4)
    lo, hi = S.proportion_ci_many([0, 1], [0, 2])
    assert np.isnan(lo[0]) and not np.isnan(lo[1])


def test_binom_test_vs_hand_and_scipy():
    r = S.binom_test_vs(9, 10, 0.5, "greater")
    assert r.p_value == pytest.approx(11 / 1024, abs=1e-15)  # P(X>=9) = (10+1)/2^10
    assert r.ci_high == 1.0  # one-sided interval matches the one-sided test
    # one-sided lower bound: P(X >= 9 | p) = alpha
    lo = optimize.brentq(lambda p: binom_upper_tail(9, 10, p) - 0.05, 1e-9, 1 - 1e-9, xtol=1e-14)
    assert r.ci_low == pytest.approx(lo, abs=1e-10)
    assert (r["ci2_low"], r["ci2_high"]) == pytest.approx(cp_by_hand(9, 10), abs=1e-10)
    r2 = S.binom_test_vs(3, 20, 0.4, "two-sided")
    assert r2.p_value == pytest.approx(sps.binomtest(3, 20, 0.4).pvalue, rel=1e-12)
    assert r2.p_value == pytest.approx(minlike_two_sided(3, 20, 0.4), rel=1e-9)
    r3 = S.binom_test_vs(3, 20, 0.4, "less")
    assert r3.p_value == pytest.approx(binom_lower_tail(3, 20, 0.4), rel=1e-12) and r3.ci_low == 0.0
    _json_ok(r3)


# ------------------------------------------------------------------------ 2x2 tables


def test_fisher_lady_tasting_tea():
    r = S.fisher_2x2(3, 1, 1, 3)
    # hypergeometric by hand: P(X=x) = C(4,x)C(4,4-x)/C(8,4), C(8,4) = 70
    assert r.p_value == pytest.approx(34 / 70, abs=1e-12)  # 0.4857
    assert round(r.p_value, 4) == 0.4857
    assert r["p_greater"] == pytest.approx(17 / 70, abs=1e-12)
    assert r["p_less"] == pytest.approx(69 / 70, abs=1e-12)
    assert r["or_sample"] == 9.0
    # conditional MLE and exact limits from the noncentral hypergeometric, written out:
    # weights C(4,x)^2 psi^x = 1, 16psi, 36psi^2, 16psi^3, psi^4
    w = lambda psi: np.array([1, 16 * psi, 36 * psi**2, 16 * psi**3, psi**4])  # noqa: E731
    mean = lambda psi: (np.arange(5) * w(psi)).sum() / w(psi).sum()  # noqa: E731
    mle = optimize.brentq(lambda t: mean(math.exp(t)) - 3, -10, 10, xtol=1e-14)
    up = optimize.brentq(lambda t: w(math.exp(t))[:4].sum() / w(math.exp(t)).sum() - 0.025, 0, 15, xtol=1e-14)
    lo = optimize.brentq(lambda t: w(math.exp(t))[3:].sum() / w(math.exp(t)).sum() - 0.025, -10, 5, xtol=1e-14)
    assert r.estimate == pytest.approx(math.exp(mle), rel=1e-5)
    assert r.ci_low == pytest.approx(math.exp(lo), rel=1e-5)
    assert r.ci_high == pytest.approx(math.exp(up), rel=1e-4)
    # R fisher.test(TeaTasting): OR 6.408309, CI 0.2117329 to 621.9337505; R's upper
    # limit is off by ~0.7% (uniroot tolerance) -- the hand solution above is 626.24.
    assert r.estimate == pytest.approx(6.408309, rel=1e-5)
    assert r.ci_low == pytest.approx(0.2117329, rel=1e-4)
    rg = S.fisher_2x2(3, 1, 1, 3, alternative="greater")
    assert rg.p_value == pytest.approx(17 / 70) and rg.ci_high is None  # +inf -> None
    assert rg.ci_low == pytest.approx(0.3135693, rel=1e-4)  # R, alternative="greater"
    _json_ok(rg)


def test_fisher_matches_scipy_and_zero_cells():
    tab = (12, 5, 7, 19)
    r = S.fisher_2x2(*tab)
    assert r.p_value == pytest.approx(sps.fisher_exact([[12, 5], [7, 19]]).pvalue, rel=1e-12)
    orr = sps.contingency.odds_ratio([[12, 5], [7, 19]])
    assert r.estimate == pytest.approx(orr.statistic, rel=1e-12)
    z = S.fisher_2x2(5, 0, 1, 6)  # zero cell: conditional MLE infinite
    assert z.ok and z.estimate is None and z.ci_high is None and z.ci_low > 0 and z.warnings
    _json_ok(z)
    e = S.fisher_2x2(0, 0, 3, 4)
    assert e.reason and e.p_value is None
    n = S.fisher_2x2(0, 3, 0, 4)
    assert n.reason


# Newcombe (1998), Table II, method 10 (score interval without continuity correction).
NEWCOMBE_T2 = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize("counts,expected", NEWCOMBE_T2)
def test_newcombe_method10_table(counts, expected):
    a, n1, c, n2 = counts
    d, lo, hi = S.newcombe_diff_ci_many(a, n1, c, n2)
    assert float(d) == pytest.approx(a / n1 - c / n2)
    assert (round(float(lo), 4), round(float(hi), 4)) == expected
    slo, shi = confint_proportions_2indep(a, n1, c, n2, method="newcomb", compare="diff")
    assert (float(lo), float(hi)) == pytest.approx((slo, shi), abs=1e-12)
    r = S.fisher_2x2(a, n1 - a, c, n2 - c)
    if r.ok:
        assert (r["rd_ci_low"], r["rd_ci_high"]) == pytest.approx((float(lo), float(hi)), abs=1e-12)


def test_newcombe_by_hand_56_70_vs_48_80():
    # Wilson limits written out: (2x + z^2 -+ z sqrt(z^2 + 4x(1-x/n))) / (2(n + z^2))
    def wilson(x, n):
        z = Z975
        c = 2 * x + z * z
        h = z * math.sqrt(z * z + 4 * x * (1 - x / n))
        return (c - h) / (2 * (n + z * z)), (c + h) / (2 * (n + z * z))

    l1, u1 = wilson(56, 70)
    l2, u2 = wilson(48, 80)
    d = 0.8 - 0.6
    lo = d - math.sqrt((0.8 - l1) ** 2 + (u2 - 0.6) ** 2)
    hi = d + math.sqrt((u1 - 0.8) ** 2 + (0.6 - l2) ** 2)
    r = S.fisher_2x2(56, 14, 48, 32)
    assert r["rd"] == pytest.approx(0.2, abs=1e-12)
    assert (r["rd_ci_low"], r["rd_ci_high"]) == pytest.approx((lo, hi), abs=1e-12)


def test_risk_ratio_hand_and_statsmodels():
    r = S.risk_ratio(10, 100, 5, 100)
    se = math.sqrt(1 / 10 - 1 / 100 + 1 / 5 - 1 / 100)
    assert r.estimate == pytest.approx(2.0)
    assert (r.ci_low, r.ci_high) == pytest.approx((2 * math.exp(-Z975 * se), 2 * math.exp(Z975 * se)), rel=1e-12)
    assert r.p_value == pytest.approx(2 * sps.norm.sf(math.log(2) / se), rel=1e-10)
    t = Table2x2(np.array([[17, 83], [6, 54]]))
    r2 = S.risk_ratio(17, 100, 6, 60)
    assert r2.estimate == pytest.approx(t.riskratio, rel=1e-12)
    assert (r2.ci_low, r2.ci_high) == pytest.approx(t.riskratio_confint(), rel=1e-10)
    assert r2.p_value == pytest.approx(t.riskratio_pvalue(), rel=1e-10)


def test_risk_ratio_zero_cells():
    r = S.risk_ratio(10, 100, 0, 100)
    assert r.reason and r.estimate is None and not r["continuity_corrected"]
    h = S.risk_ratio(10, 100, 0, 100, zero="haldane")
    assert h.ok and h["continuity_corrected"] and h.warnings
    assert h.estimate == pytest.approx((10.5 / 101) / (0.5 / 101))
    _json_ok(r), _json_ok(h)
    assert S.risk_ratio(0, 0, 1, 5).reason
    with pytest.raises(ValueError):
        S.risk_ratio(6, 5, 1, 5)


def test_rate_ratio_exact_conditional():
    k1, t1, k2, t2 = 10, 100.0, 3, 120.0
    r = S.rate_ratio(k1, t1, k2, t2)
    pi0 = t1 / (t1 + t2)
    assert r.estimate == pytest.approx(4.0)
    assert r.p_value == pytest.approx(minlike_two_sided(10, 13, pi0), rel=1e-9)
    sm_res = sm_test_poisson_2indep(k1, t1, k2, t2, method="exact-cond")
    assert r.p_value == pytest.approx(sm_res.pvalue, rel=1e-12)
    # limits by hand: at R_L, P(K1 >= 10 | pi(R_L)) = .025; at R_U, P(K1 <= 10) = .025
    pi = lambda R: t1 * R / (t1 * R + t2)  # noqa: E731
    assert binom_upper_tail(10, 13, pi(r.ci_low)) == pytest.approx(0.025, abs=1e-10)
    assert binom_lower_tail(10, 13, pi(r.ci_high)) == pytest.approx(0.025, abs=1e-10)
    for alt in ("greater", "less"):
        ra = S.rate_ratio(k1, t1, k2, t2, alternative=alt)
        assert ra.p_value == pytest.approx(
            sm_test_poisson_2indep(
                k1, t1, k2, t2, method="exact-cond", alternative="larger" if alt == "greater" else "smaller"
            ).pvalue,
            rel=1e-10,
        )
    assert S.rate_ratio(10, 100, 3, 120, alternative="greater").p_value == pytest.approx(
        binom_upper_tail(10, 13, pi0), rel=1e-10
    )


def test_rate_ratio_zero_counts():
    inf = S.rate_ratio(5, 100, 0, 120)
    assert inf.ok and inf.estimate is None and inf.ci_high is None and inf.ci_low > 0 and inf["infinite_estimate"]
    zero = S.rate_ratio(0, 100, 4, 120)
    assert zero.estimate == 0 and zero.ci_low == 0 and zero.ci_high > 0
    none = S.rate_ratio(0, 100, 0, 120)
    assert none.reason
    for res in (inf, zero, none):
        _json_ok(res)
    with pytest.raises(ValueError):
        S.rate_ratio(1, 0, 1, 1)


# ------------------------------------------------------------------------------ logit


def _panel(seed=20261125, n=3000, G=60, beta_d=0.5):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, G, n)
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["x1", "x2", "x3"])
    X["d"] = rng.integers(0, 2, n).astype(float)
    u = rng.normal(scale=0.7, size=G)[g]
    eta = -1.5 + X.to_numpy() @ np.array([0.4, -0.3, 0.0, beta_d]) + u
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    return y, X, g


@pytest.fixture(scope="module")
def panel():
    return _panel()


def test_numpy_logit_matches_statsmodels_cluster(panel):
    y, X, g = panel
    Xc = sm.add_constant(X)
    ref = sm.GLM(y, Xc, family=sm.families.Binomial()).fit(cov_type="cluster", cov_kwds={"groups": g}, tol=1e-12)
    fit = S.fit_logit_numpy(Xc.to_numpy(), y, g)
    assert fit.converged and fit.n_clusters == 60
    np.testing.assert_allclose(fit.params, ref.params.to_numpy(), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(fit.bse, ref.bse.to_numpy(), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(fit.cov, ref.cov_params().to_numpy(), rtol=1e-6, atol=1e-10)
    assert fit.llf == pytest.approx(ref.llf, rel=1e-10)
    # and against the discrete Logit model's cluster covariance
    ref2 = sm.Logit(y, Xc).fit(disp=0, cov_type="cluster", cov_kwds={"groups": g})
    np.testing.assert_allclose(fit.bse, ref2.bse.to_numpy(), rtol=1e-6)
    # model-based (no clusters)
    ref3 = sm.GLM(y, Xc, family=sm.families.Binomial()).fit(tol=1e-12)
    np.testing.assert_allclose(S.fit_logit_numpy(Xc.to_numpy(), y).bse, ref3.bse.to_numpy(), rtol=1e-6)


def test_logit_clustered_result_fields_and_engines(panel):
    y, X, g = panel
    a = S.logit_clustered(y, X, g, "d")
    b = S.logit_clustered(y, X, g, "d", engine="statsmodels")
    assert a.ok and b.ok and a.n == b.n == 3000 and a["n_clusters"] == 60
    for f in ("estimate", "ci_low", "ci_high", "p_value"):
        assert getattr(a, f) == pytest.approx(getattr(b, f), rel=1e-6, abs=1e-10)
    assert a["se"] == pytest.approx(b["se"], rel=1e-6)
    assert a["odds_ratio"] == pytest.approx(math.exp(a.estimate))
    assert (a.ci_low, a.ci_high) == pytest.approx((a.estimate - Z975 * a["se"], a.estimate + Z975 * a["se"]))
    # t(G-1) inference, as statsmodels use_t=True
    at = S.logit_clustered(y, X, g, "d", use_t=True)
    bt = S.logit_clustered(y, X, g, "d", use_t=True, engine="statsmodels")
    assert (at.ci_low, at.p_value) == pytest.approx((bt.ci_low, bt.p_value), rel=1e-6)
    assert at.p_value > a.p_value
    _json_ok(a)


def test_logitdata_shares_fit_across_terms_and_clusterings(panel):
    y, X, g = panel
    region = g // 10
    data = S.LogitData(y, X, {"country": g, "region": region})
    r1 = data.fit("d", cluster="country")
    r2 = data.fit("d", cluster="region")
    assert len(data._core) == 1  # one point fit, two sandwiches
    assert r1.estimate == r2.estimate and r1["se"] != r2["se"] and r2["n_clusters"] == 6
    assert r2.warnings  # few clusters
    ref = sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial()).fit(
        cov_type="cluster", cov_kwds={"groups": region}, tol=1e-12
    )
    assert r2["se"] == pytest.approx(ref.bse["d"], rel=1e-6)
    assert data.fit("x1").estimate == pytest.approx(ref.params["x1"], rel=1e-6)


def test_logit_never_raises_for_data_reasons(panel):
    y, X, g = panel
    Xs = X.copy()
    Xs["sep"] = y  # perfect predictor
    r = S.logit_clustered(y, Xs, g, "sep")
    assert r.reason and "separat" in r.reason and r.estimate is None
    r = S.logit_clustered(y, Xs, g, "d")
    assert r.reason and "separation" in r.reason
    # quasi-separation on a control: term still estimable, warning, same as statsmodels
    Xq = X.copy()
    Xq["reg"] = 0.0
    Xq.loc[np.flatnonzero(y == 0)[:100], "reg"] = 1.0
    q = S.logit_clustered(y, Xq, g, "d")
    qs = S.logit_clustered(y, Xq, g, "d", engine="statsmodels")
    assert q.ok and any("quasi-separation" in w for w in q.warnings)
    assert q.estimate == pytest.approx(qs.estimate, rel=1e-5)
    assert S.logit_clustered(np.zeros(len(y)), X, g, "d").reason == "outcome has no variation"
    Xc = X.copy()
    Xc["dup"] = 2 * Xc["x1"]
    assert "rank" in S.logit_clustered(y, Xc, g, "d").reason
    Xk = X.copy()
    Xk["k"] = 1.0
    assert "no variation" in S.logit_clustered(y, Xk.assign(const=1.0), g, "k").reason
    assert "2 clusters" in S.logit_clustered(y, X, np.zeros(len(y)), "d").reason
    assert "converge" in S.logit_clustered(y, X, g, "d", max_iter=1).reason
    assert S.logit_clustered(y[:3], X.iloc[:3], g[:3], "d").reason  # too few rows
    # missing values are dropped and counted
    Xm = X.copy()
    Xm.loc[:9, "x2"] = np.nan
    m = S.logit_clustered(y, Xm, g, "d")
    assert m.ok and m.n == 2990 and m["n_dropped"] == 10
    with pytest.raises(ValueError):  # caller bugs still raise
        S.logit_clustered(y[:-1], X, g, "d")
    with pytest.raises(ValueError):
        S.logit_clustered(y, X, g, "nope")


# ------------------------------------------------------------------ count break model


def test_break_without_trend_is_ratio_of_means():
    years = np.arange(1990, 2016)
    counts = np.array([3, 5, 2, 4, 6, 3, 2, 5, 4, 3, 4, 2, 5, 3, 4, 7, 8, 6, 9, 7, 6, 8, 10, 7, 6, 9])
    r = S.poisson_or_nb_break(counts, years, 2005, trend=False, model="poisson")
    pre, post = counts[years < 2005], counts[years >= 2005]
    rr = post.mean() / pre.mean()
    se = math.sqrt(1 / post.sum() + 1 / pre.sum())
    assert r.estimate == pytest.approx(rr, rel=1e-8)
    assert (r.ci_low, r.ci_high) == pytest.approx((rr * math.exp(-Z975 * se), rr * math.exp(Z975 * se)), rel=1e-6)
    assert r.p_value == pytest.approx(2 * sps.norm.sf(math.log(rr) / se), rel=1e-5)
    assert r["n_pre"] == 15 and r["n_post"] == 11 and r.n == 26
    # with an exposure offset the MLE is the ratio of rates
    expo = np.linspace(150, 195, len(years))
    re = S.poisson_or_nb_break(counts, years, 2005, trend=False, exposure=expo, model="poisson")
    rate_rr = (post.sum() / expo[years >= 2005].sum()) / (pre.sum() / expo[years < 2005].sum())
    assert re.estimate == pytest.approx(rate_rr, rel=1e-8)
    _json_ok(r)


def test_break_model_selection_and_alternatives():
    rng = np.random.default_rng(7)
    years = np.arange(1946, 2020)
    mu = np.exp(1.0 + 0.01 * (years - 2005) + 0.4 * (years >= 2005))
    pois = S.poisson_or_nb_break(rng.poisson(mu), years, 2005)
    assert pois["model_used"] == "poisson" and pois["dispersion"] < 1.5
    assert set(pois["alternatives"]) == {"poisson", "quasipoisson", "poisson_hc1", "poisson_hac", "negbin"}
    r_nb = 1.5
    over = rng.negative_binomial(r_nb, r_nb / (r_nb + mu * 4))
    nb = S.poisson_or_nb_break(over, years, 2005)
    assert nb["dispersion"] > 1.5 and nb["model_used"] == "negbin" and nb.ok
    alt = nb["alternatives"]
    assert nb.estimate == alt["negbin"]["rr"]
    assert alt["quasipoisson"]["rr"] == alt["poisson"]["rr"]
    assert alt["quasipoisson"]["se"] > alt["poisson"]["se"]
    # negbin agrees with statsmodels' NB2 fitted directly
    X = np.column_stack([np.ones(len(years)), years - 2005, (years >= 2005).astype(float)])
    ref = sm.NegativeBinomial(over, X, loglike_method="nb2").fit(disp=0, maxiter=500)
    assert alt["negbin"]["coef"] == pytest.approx(ref.params[2], rel=1e-4, abs=1e-5)
    _json_ok(nb)


def test_break_edge_cases():
    years = np.arange(2000, 2010)
    assert S.poisson_or_nb_break(np.zeros(10), years, 2005).reason == "all counts are zero"
    assert "no years" in S.poisson_or_nb_break(np.ones(10), years, 2015).reason
    assert S.poisson_or_nb_break([0, 0, 0, 0, 0, 1, 2, 1, 3, 1], years, 2005).reason
    assert "too few" in S.poisson_or_nb_break([1, 2, 3, 4], np.arange(2003, 2007), 2005).reason
    with pytest.raises(ValueError):
        S.poisson_or_nb_break([1, -1, 2], [1, 2, 3], 2)
    with pytest.raises(ValueError):
        S.poisson_or_nb_break([1, 1, 2], [1, 1, 3], 2)


# ------------------------------------------------------------- permutation and seeds


def _mean_diff(labels, data):
    return data[labels == 1].mean() - data[labels == 0].mean()


def test_permutation_determinism_and_power():
    rng = np.random.default_rng(3)
    labels = np.repeat([0, 1], 30)
    sep = np.r_[rng.normal(0, 1, 30), rng.normal(3, 1, 30)]
    null = rng.normal(0, 1, 60)
    a = S.permutation_test(_mean_diff, labels, null, n_perm=999, seed=42)
    b = S.permutation_test(_mean_diff, labels, null, n_perm=999, seed=42)
    assert a.p_value == b.p_value and a["seed"] == 42 and a["n_perm"] == 999
    c = S.permutation_test(_mean_diff, labels, null, n_perm=999, seed=43)
    assert c.p_value != a.p_value or c["perm_mean"] != a["perm_mean"]
    assert a.p_value > 0.05
    s = S.permutation_test(_mean_diff, labels, sep, n_perm=999, seed=42, alternative="greater")
    assert s.p_value == pytest.approx(1 / 1000)  # the +1 correction: never 0
    assert S.permutation_test(_mean_diff, labels, sep, n_perm=999, seed=42, alternative="less").p_value > 0.99
    k = S.permutation_test(_mean_diff, labels, null, n_perm=99, seed="MH2/perm")
    assert k["seed"] == S.step_seed("MH2/perm")
    _json_ok(k)
    with pytest.raises(ValueError):
        S.permutation_test(_mean_diff, labels, null, n_perm=10, seed=None)


def test_permutation_excludes_non_finite_statistics():
    labels = np.repeat([0, 1], 5)

    def stat(lab, data):
        return float("nan") if lab[0] == 1 else float(lab[:5].sum())

    r = S.permutation_test(stat, labels, None, n_perm=200, seed=3, alternative="greater")
    assert r["n_valid"] < 200 and r.warnings
    assert r.p_value == (1 + r["n_extreme"]) / (r["n_valid"] + 1)


def test_permutation_within_strata():
    labels = np.array([1, 0, 0, 1, 0, 0])
    strata = np.array([0, 0, 0, 1, 1, 1])
    seen = []

    def stat(lab, data):
        seen.append(lab.copy())
        return float(lab[:3].sum())

    S.permutation_test(stat, labels, None, n_perm=50, seed=1, strata=strata)
    assert all(s[:3].sum() == 1 and s[3:].sum() == 1 for s in seen)


def test_step_seed():
    assert S.step_seed("MH2", "s1") == 7724691874935450163  # pinned: sha256("MH2/s1") >> 193
    assert S.step_seed("MH2", "s1") == S.step_seed("MH2/s1")
    assert S.step_seed("MH2", "s1") != S.step_seed("MH2", "s2")
    assert 0 <= S.step_seed("x") < 2**63 and S.step_seed("x", bits=32) < 2**32
    np.random.default_rng(S.step_seed("x"))  # usable as a numpy seed


# ------------------------------------------------------------------------ spec curves


def test_spec_curve_order_ids_and_seeds():
    dims = {"sample": ["all", "post1990"], "k": [3, 5, 8]}
    calls = []

    def fn(sample, k, seed):
        calls.append((sample, k))
        n = 20 if sample == "all" else 10
        return S.proportion(k, n)

    df = S.spec_curve(dims, fn, key="TEST")
    assert calls == [("all", 3), ("all", 5), ("all", 8), ("post1990", 3), ("post1990", 5), ("post1990", 8)]
    assert list(df["spec_index"]) == list(range(6))
    assert list(df.columns[:4]) == ["spec_index", "spec_id", "sample", "k"]
    assert list(df["seed"]) == [S.step_seed("TEST", s) for s in df["spec_id"]]
    again = S.spec_curve(dict(reversed(list(dims.items()))), fn, key="TEST")
    # spec_id depends on the choices only, not on the order of dimensions or options
    m = df.merge(again, on="spec_id", suffixes=("", "_2"))
    assert len(m) == 6 and (m["estimate"] == m["estimate_2"]).all()
    grown = S.spec_curve({"sample": ["all", "post1990", "pre1990"], "k": [3, 5, 8]}, fn, key="TEST")
    assert set(df["spec_id"]) <= set(grown["spec_id"])
    assert list(df["ci_low"]) == [
        r.ci_low for r in (S.proportion(k, 20 if s == "all" else 10) for s in ("all", "post1990") for k in (3, 5, 8))
    ]
    # the curve carries numbers only: the registry's one rule classifies it
    assert "supports" not in df.columns and "outcome" not in df.columns


def test_spec_curve_writes_parquet_byte_identically(tmp_path):
    from analysis.io import write_parquet

    def fn(k, size):
        return S.proportion(k, size)

    dims = {"k": [0, 3], "size": [0, 10]}
    paths = []
    for i in range(2):
        df = S.spec_curve(dims, fn, key="PQ")
        paths.append(write_parquet(df, tmp_path / f"c{i}.parquet"))
    assert paths[0].read_bytes() == paths[1].read_bytes()
    back = pd.read_parquet(paths[0])
    assert back["reason"].notna().sum() == 1  # 0/0: inconclusive
    assert back["error"].str.contains("ValueError").sum() == 1  # 3/0: a caller bug, recorded
    assert str(back["n"].dtype) == "Int64"


def test_spec_curve_errors_reasons_cache_and_batch():
    cache = S.DesignCache()

    def fn(size, k, cache):
        table = cache.get(("size", size), lambda: {"n": size})
        if k == "boom":
            raise RuntimeError("bad spec")
        return S.binom_test_vs(k, table["n"], 0.5, "less")

    df = S.spec_curve({"size": [0, 10], "k": [0, 2, "boom"]}, fn, cache=cache)
    assert cache.misses == 2 and cache.hits == 4
    boom = df[df["k"] == "boom"]
    assert boom["error"].str.contains("RuntimeError").all() and boom["estimate"].isna().all()
    assert df.loc[(df["size"] == 0) & (df["k"] == 0), "reason"].notna().all()
    assert df.loc[(df["size"] == 10) & (df["k"] == 0), "p_value"].item() == pytest.approx(0.5**10)
    recs = S.curve_records(df)
    json.dumps(recs, allow_nan=False)
    with pytest.raises(RuntimeError):
        S.spec_curve({"k": ["boom"], "size": [1]}, fn, errors="raise")
    with pytest.raises(ValueError):
        S.spec_curve({"estimate": [1]}, fn)

    # vectorised batch path gives the same rows as the per-spec path
    dims = {"k": [0, 3, 7], "size": [7, 20]}

    def batch(grid):
        lo, hi = S.proportion_ci_many(grid["k"], grid["size"])
        return pd.DataFrame(
            {
                "estimate": grid["k"] / grid["size"],
                "ci_low": lo,
                "ci_high": hi,
                "n": grid["size"],
                "method": "proportion, Clopper-Pearson exact interval",
            }
        )

    fast = S.spec_curve(dims, batch_fn=batch)
    slow = S.spec_curve(dims, lambda k, size: S.proportion(k, size))
    pd.testing.assert_frame_equal(
        fast.drop(columns=["p_value"]), slow.drop(columns=["p_value"]), check_dtype=False, rtol=1e-12
    )


def test_spec_curve_logit_fast_path_equals_statsmodels(panel):
    y, X, g = panel
    df = pd.concat([X, pd.Series(y, name="y"), pd.Series(g, name="g")], axis=1)
    df["year"] = np.arange(len(df)) % 40 + 1980
    samples = {"all": df["year"] > 0, "post1990": df["year"] >= 1990}
    controls = {"none": [], "x1": ["x1"], "x1x2": ["x1", "x2"]}

    def fast(sample, controls_, cluster, cache):
        def build():
            sub = df[samples[sample]]
            return S.LogitData(sub["y"], sub[["d"] + controls[controls_]], {"g": sub["g"], "g10": sub["g"] // 10})

        return cache.get((sample, controls_), build).fit("d", cluster=cluster)

    def slow(sample, controls_, cluster):
        sub = df[samples[sample]]
        groups = sub["g"] if cluster == "g" else sub["g"] // 10
        r = sm.GLM(sub["y"], sm.add_constant(sub[["d"] + controls[controls_]]), family=sm.families.Binomial()).fit(
            cov_type="cluster", cov_kwds={"groups": groups}
        )
        lo, hi = r.conf_int().loc["d"]
        return {"estimate": r.params["d"], "ci_low": lo, "ci_high": hi, "p_value": r.pvalues["d"], "n": int(r.nobs)}

    dims = {"sample": list(samples), "controls_": list(controls), "cluster": ["g", "g10"]}
    a = S.spec_curve(dims, fast, key="L")
    b = S.spec_curve(dims, slow, key="L")
    assert len(a) == 12 and a["reason"].isna().all()
    for col in ("estimate", "ci_low", "ci_high", "p_value"):
        np.testing.assert_allclose(a[col], b[col], rtol=1e-6, atol=1e-9)
    assert (a["n"] == b["n"]).all()


# ------------------------------------------------------------ vectorised fast paths


def test_fisher_p_many_matches_scipy():
    rng = np.random.default_rng(11)
    m = 150
    a, c = rng.integers(0, 40, m), rng.integers(0, 40, m)
    b, d = rng.integers(0, 200, m), rng.integers(0, 2000, m)
    a[:4], b[:4], c[:4], d[:4] = [3, 0, 5, 0], [1, 0, 0, 7], [1, 3, 1, 0], [3, 4, 6, 9]
    for alt in ("two-sided", "greater", "less"):
        got = S.fisher_p_many(a, b, c, d, alt)
        for i in range(m):
            if min(a[i] + b[i], c[i] + d[i], a[i] + c[i], b[i] + d[i]) == 0:
                assert np.isnan(got[i])
            else:
                ref = sps.fisher_exact([[a[i], b[i]], [c[i], d[i]]], alternative=alt).pvalue
                assert got[i] == pytest.approx(ref, rel=1e-9, abs=1e-300)
    assert S.fisher_p_many([3], [1], [1], [3])[0] == pytest.approx(34 / 70)


def test_binom_test_many_matches_scipy():
    rng = np.random.default_rng(12)
    n = rng.integers(1, 400, 120)
    k = (rng.random(120) * (n + 1)).astype(int)
    p0 = rng.uniform(0.01, 0.9, 120)
    for alt in ("two-sided", "greater", "less"):
        got = S.binom_test_many(k, n, p0, alt)
        ref = [sps.binomtest(int(k[i]), int(n[i]), p0[i], alternative=alt).pvalue for i in range(120)]
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-250)  # scipy underflows to 0 first
    assert np.isnan(S.binom_test_many([0], [0], 0.5)[0])
    assert S.binom_test_many([9], [10], 0.5, "greater")[0] == pytest.approx(11 / 1024)


def test_clustering_subset_and_prebuilt_clusterings(panel):
    y, X, g = panel
    mask = (np.arange(len(y)) % 3 != 0) & (g != 5)
    full = S.Clustering(g)
    sub = full.subset(mask)
    direct = S.Clustering(g[mask])
    assert sub.n_clusters == direct.n_clusters == 59
    np.testing.assert_array_equal(sub.codes, direct.codes)
    a = S.LogitData(y[mask], X.to_numpy()[mask], sub, names=list(X.columns)).fit("d")
    b = S.logit_clustered(y[mask], X[mask], g[mask], "d")
    assert a.estimate == pytest.approx(b.estimate, rel=1e-12) and a["se"] == pytest.approx(b["se"], rel=1e-12)
    # missing rows are dropped from a prebuilt clustering too
    Xm = X.to_numpy()[mask].copy()
    Xm[0, 1] = np.nan
    m = S.LogitData(y[mask], Xm, sub, names=list(X.columns))
    assert m.n_dropped == 1 and len(m.clusterings["default"]) == m.n


def test_break_model_is_invariant_to_row_order():
    rng = np.random.default_rng(5)
    years = np.arange(1970, 2016)
    counts = rng.poisson(np.exp(1.2 + 0.3 * (years >= 1999)))
    perm = rng.permutation(len(years))
    a = S.poisson_or_nb_break(counts, years, 1999)
    b = S.poisson_or_nb_break(counts[perm], years[perm], 1999)
    assert a.to_dict() == b.to_dict()


def test_numpy_count_fits_equal_statsmodels_glm():
    import statsmodels.api as sm

    from analysis.stats.counts import _count_fit_numpy, _nb2_mle_numpy, _nb2_profile

    rng = np.random.default_rng(7)
    n = 60
    t = np.arange(n) / 10.0
    X = np.column_stack([np.ones(n), t, (np.arange(n) >= 30).astype(float)])
    off = np.log(rng.integers(50, 150, n).astype(float))
    for y in (
        rng.negative_binomial(3, 3 / (3 + np.exp(-2 + 0.1 * t + off))).astype(float),  # overdispersed
        rng.poisson(np.exp(-3 + off)).astype(float),
    ):  # Poisson: alpha at the lower bound
        pf = _count_fit_numpy(y, X, off)
        ref = sm.GLM(y, X, family=sm.families.Poisson(), offset=off).fit(tol=1e-12)
        np.testing.assert_allclose(pf.params, ref.params, rtol=1e-9)
        np.testing.assert_allclose(pf.bse, ref.bse, rtol=1e-9)
        assert pf.llf == pytest.approx(ref.llf, rel=1e-12)
        nb, a, bound = _nb2_mle_numpy(y, X, off, pf.params)
        nb_ref, a_ref, bound_ref = _nb2_profile(y, X, off, pf.params)
        assert bound == bound_ref
        assert a == pytest.approx(a_ref, rel=1e-4, abs=1e-8)
        np.testing.assert_allclose(nb.params, nb_ref.params, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(nb.bse, nb_ref.bse, rtol=1e-5)
        assert nb.llf >= nb_ref.llf - 1e-9  # the joint maximum is at least the profile search's


@pytest.mark.parametrize("alt", ["two-sided", "less", "greater"])
def test_binom_test_vs_and_proportion_equal_scipy_binomtest(alt):
    from scipy import stats as st

    from analysis.stats import binom_test_vs, proportion

    for k, n, p0 in [(0, 7, 0.25), (7, 7, 0.25), (3, 20, 0.25), (6, 41, 0.5), (20, 41, 0.5), (1, 1, 0.3)]:
        ref = st.binomtest(k, n, p0, alternative=alt)
        ci = ref.proportion_ci(confidence_level=0.95, method="exact")
        ci2 = st.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
        r = binom_test_vs(k, n, p0, alternative=alt)
        assert r.p_value == pytest.approx(ref.pvalue, rel=1e-10, abs=1e-15)
        assert (r.ci_low, r.ci_high) == (pytest.approx(ci.low, abs=1e-12), pytest.approx(ci.high, abs=1e-12))
        assert (r.extra["ci2_low"], r.extra["ci2_high"]) == (
            pytest.approx(ci2.low, abs=1e-12),
            pytest.approx(ci2.high, abs=1e-12),
        )
        pr = proportion(k, n)
        assert (pr.ci_low, pr.ci_high) == (pytest.approx(ci2.low, abs=1e-12), pytest.approx(ci2.high, abs=1e-12))


def test_nb2_joint_mle_equals_profile_search_on_short_overdispersed_series():
    """Short series (36 years) where the joint Newton starts outside the concave region of
    log(1/alpha) for some draws (it then takes bounded uphill steps): same maximum as the
    statsmodels profile search."""
    from analysis.stats.counts import _count_fit_numpy, _nb2_mle_numpy, _nb2_profile

    rng = np.random.default_rng(3)
    n = 36
    t = np.arange(n) / 10.0
    X = np.column_stack([np.ones(n), t, (np.arange(n) >= 18).astype(float)])
    for _ in range(40):
        off = np.log(rng.integers(100, 200, n).astype(float))
        r = rng.choice([0.5, 2, 5, 20, 80])
        mu = np.exp(-4 + 0.1 * t + off)
        y = rng.negative_binomial(r, r / (r + mu)).astype(float)
        pf = _count_fit_numpy(y, X, off)
        nb, a, bound = _nb2_mle_numpy(y, X, off, pf.params)
        nb_ref, a_ref, bound_ref = _nb2_profile(y, X, off, pf.params)
        assert bound == bound_ref
        if not bound:
            assert a == pytest.approx(a_ref, rel=1e-3)
            np.testing.assert_allclose(nb.params, nb_ref.params, rtol=1e-5, atol=1e-8)
        assert nb.llf >= nb_ref.llf - 1e-8  # at least the profile search's maximum (to rounding)


def test_logit_warm_start_changes_iterations_not_estimates(panel):
    y, X, g = panel
    first = S.LogitData(y, X, g)
    X2 = X.assign(x4=(X["x1"] > 0).astype(float))  # same rows and outcome, one more column
    cold = S.LogitData(y, X2, g)
    warm = S.LogitData(y, X2, g)
    warm.warm_start_from(first)
    rc, rw = cold.fit("d"), warm.fit("d")
    for f in ("estimate", "ci_low", "ci_high", "p_value"):
        assert getattr(rw, f) == pytest.approx(getattr(rc, f), rel=1e-8, abs=1e-12)
    assert warm.core().n_iter < cold.core().n_iter
    # a sibling whose fit failed is ignored (cold start)
    bad = S.LogitData(np.zeros_like(y), X, g)  # no outcome variation: no fit
    other = S.LogitData(y, X2, g)
    other.warm_start_from(bad)
    assert other.fit("d").estimate == pytest.approx(rc.estimate, rel=1e-8)
