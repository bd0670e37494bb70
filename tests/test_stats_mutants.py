"""Tests written to kill surviving mutants of analysis/stats/ (bench/mutation.py).

Each asserts a fact computed independently of the code under test: statsmodels or scipy on
the same data, or a hand computation. They cover the weak spots issue 22 names: the logit
separation pre-check (a zero cell vs a count of 1), the two-cluster boundary of the
clustered errors, the NB-vs-Poisson likelihood-ratio p-value, a failing negative-binomial
fit, `fisher_p_many` with a row or column without cases, and Newcombe's / Wilson's
intervals at an alpha other than 0.05.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats as sps
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from analysis import stats as S
from analysis.stats import counts

# --------------------------------------------------------------------------- logit separation


def _sep_data(cell: int):
    """y by a binary x: x=1 has `cell` non-events and 6 events; x=0 has 8 events in 20."""
    x = [1] * (6 + cell) + [0] * 20
    y = [1] * 6 + [0] * cell + [1] * 8 + [0] * 12
    return np.array(y, float), np.array(x, float)


def test_a_zero_cell_is_separation_and_a_count_of_one_is_not():
    y, x = _sep_data(0)
    r = S.logit_clustered(y, {"x": x}, None, "x")
    assert not r.ok and "separates the outcome" in r.reason and "zero cell" in r.reason
    # the same table with one non-event where x = 1: the MLE exists, = log of the cross-product ratio
    y1, x1 = _sep_data(1)
    r1 = S.logit_clustered(y1, {"x": x1}, None, "x")
    assert r1.ok, r1.reason
    assert r1.estimate == pytest.approx(math.log((6 / 1) / (8 / 12)), rel=1e-7)
    # model-based SE of a saturated 2x2 logit = sqrt(1/a + 1/b + 1/c + 1/d) (Woolf)
    assert r1["se"] == pytest.approx(math.sqrt(1 / 6 + 1 / 1 + 1 / 8 + 1 / 12), rel=1e-6)
    ref = sm.GLM(y1, sm.add_constant(x1), family=sm.families.Binomial()).fit()
    assert r1.p_value == pytest.approx(ref.pvalues[1], rel=1e-6)
    lo, hi = ref.conf_int()[1]
    assert (r1.ci_low, r1.ci_high) == pytest.approx((lo, hi), rel=1e-6, abs=1e-6)


def test_each_zero_cell_of_the_column_by_outcome_table_is_flagged():
    # x=1 rows all non-events (the other zero cell), and x=0 rows all events / non-events
    for y, x in (
        ([0, 0, 0, 1, 1, 0, 1, 0], [1, 1, 1, 0, 0, 0, 0, 0]),  # x=1: no events
        ([1, 1, 0, 1, 0, 1, 1, 1], [0, 0, 0, 0, 0, 1, 1, 1]),  # x=1: no non-events
        ([1, 1, 1, 1, 0, 1, 0, 0], [0, 0, 0, 0, 1, 1, 1, 1]),  # x=0: no non-events
        ([0, 0, 0, 1, 0, 1, 1, 0], [0, 0, 0, 1, 1, 1, 1, 1]),
    ):  # x=0: no events
        d = S.LogitData(np.array(y, float), {"x": np.array(x, float)})
        assert d._checks["separated"] == ["x"], (y, x)
        r = d.fit("x")
        assert "separates the outcome" in (r.reason or "")
    # without a constant only the x = 1 cells can separate
    d = S.LogitData(
        np.array([1, 1, 0, 1, 0, 1, 1, 1], float), {"x": np.array([1, 1, 1, 1, 0, 0, 0, 0], float)}, add_const=False
    )
    assert d._checks["separated"] == []


def test_separation_on_another_column_is_a_warning_not_a_block():
    rng = np.random.default_rng(3)
    n = 60
    z = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(float)
    s = np.zeros(n)
    s[np.flatnonzero(y == 1)[:3]] = 1.0  # s = 1 only among events: a zero cell
    r = S.logit_clustered(y, {"z": z, "s": s}, None, "z")
    assert r.ok
    assert any("quasi-separation on other columns ['s']" in w for w in r.warnings)


def test_a_binary_looking_column_with_other_values_is_not_checked_for_separation():
    # x in {0, 0.5, 1}: not binary, so no zero-cell check even though x=1 rows are all events
    y = np.array([1, 1, 0, 1, 0, 0, 1, 0, 1, 0], float)
    x = np.array([1, 1, 0.5, 0.5, 0, 0, 0, 0, 0.5, 0], float)
    d = S.LogitData(y, {"x": x})
    assert d._checks["separated"] == []


def test_complete_separation_and_no_variation():
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1], float)
    x = np.array([1, 2, 3, 4, 5, 6, 7, 8], float)  # continuous: separates completely
    r = S.logit_clustered(y, {"x": x}, None, "x")
    assert not r.ok and r.reason and ("separation" in r.reason or "converge" in r.reason)
    r0 = S.logit_clustered(np.ones(8), {"x": x}, None, "x")
    assert r0.reason == "outcome has no variation"
    rf = S.logit_clustered(y[:2], {"x": x[:2]}, None, "x")
    assert rf.reason == "too few observations (2) for 2 parameters"


# --------------------------------------------------------------------------- clustered errors


def _cluster_data(G: int, seed: int = 11, n: int = 80):
    rng = np.random.default_rng(seed)
    g = np.arange(n) % G
    x = rng.normal(size=n) + 0.3 * g
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.4 * x - 0.2)))).astype(float)
    return y, x, g


@pytest.mark.parametrize("G", [2, 3])
def test_clustered_se_at_the_two_cluster_boundary_equals_statsmodels(G):
    y, x, g = _cluster_data(G)
    r = S.logit_clustered(y, {"x": x}, g, "x")
    assert r.ok and r["n_clusters"] == G
    ref = sm.GLM(y, sm.add_constant(x), family=sm.families.Binomial()).fit(cov_type="cluster", cov_kwds={"groups": g})
    assert r.estimate == pytest.approx(ref.params[1], rel=1e-7)
    assert r["se"] == pytest.approx(ref.bse[1], rel=1e-6)  # includes G/(G-1) * (N-1)/(N-K)
    assert r.p_value == pytest.approx(ref.pvalues[1], rel=1e-6)
    assert any(f"only {G} clusters" in w for w in r.warnings)
    # t(G-1) inference
    rt = S.logit_clustered(y, {"x": x}, g, "x", use_t=True)
    assert rt.p_value == pytest.approx(2 * sps.t.sf(abs(r.estimate / r["se"]), G - 1), rel=1e-8)
    q = sps.t.ppf(0.975, G - 1)
    assert (rt.ci_low, rt.ci_high) == pytest.approx((r.estimate - q * r["se"], r.estimate + q * r["se"]), rel=1e-8)


def test_one_cluster_is_inconclusive_and_twenty_clusters_give_no_warning():
    y, x, _ = _cluster_data(2)
    r = S.logit_clustered(y, {"x": x}, np.zeros(len(y)), "x")
    assert r.reason == "fewer than 2 clusters: cluster-robust SEs undefined"
    y20, x20, g20 = _cluster_data(20)
    r20 = S.logit_clustered(y20, {"x": x20}, g20, "x")
    assert r20.ok and not any("clusters" in w for w in r20.warnings)
    y19, x19, g19 = _cluster_data(19)
    assert any("only 19 clusters" in w for w in S.logit_clustered(y19, {"x": x19}, g19, "x").warnings)


def test_model_based_inference_with_t_uses_n_minus_k_df():
    y, x, _ = _cluster_data(2)
    r = S.logit_clustered(y, {"x": x}, None, "x")
    rt = S.logit_clustered(y, {"x": x}, None, "x", use_t=True)
    assert rt.p_value == pytest.approx(2 * sps.t.sf(abs(r.estimate / r["se"]), len(y) - 2), rel=1e-8)
    ref = sm.GLM(y, sm.add_constant(x), family=sm.families.Binomial()).fit()
    assert r["se"] == pytest.approx(ref.bse[1], rel=1e-6)
    # alpha other than 0.05: the normal quantile moves with it
    r90 = S.logit_clustered(y, {"x": x}, None, "x", alpha=0.10)
    z = sps.norm.ppf(0.95)
    assert (r90.ci_low, r90.ci_high) == pytest.approx((r.estimate - z * r["se"], r.estimate + z * r["se"]), rel=1e-8)
    assert r90["or_ci_low"] == pytest.approx(math.exp(r90.ci_low), rel=1e-12)


# --------------------------------------------------------------------------- count break models


def _overdispersed():
    rng = np.random.default_rng(7)
    years = np.arange(1946, 2020)
    mu = np.exp(1.0 + 0.01 * (years - 2005) + 0.4 * (years >= 2005))
    r_nb = 1.5
    y = rng.negative_binomial(r_nb, r_nb / (r_nb + mu * 4))
    X = np.column_stack([np.ones(len(years)), years - 2005, (years >= 2005).astype(float)])
    return y, years, X


def test_nb_vs_poisson_likelihood_ratio_p_value_equals_statsmodels():
    y, years, X = _overdispersed()
    r = S.poisson_or_nb_break(y, years, 2005)
    llf_nb = sm.NegativeBinomial(y, X, loglike_method="nb2").fit(disp=0, maxiter=500).llf
    llf_p = sm.Poisson(y, X).fit(disp=0).llf
    lr = 2 * (llf_nb - llf_p)
    assert lr > 1
    # alpha = 0 lies on the boundary: half a chi2(1) tail
    assert r["nb_lr_p"] == pytest.approx(0.5 * sps.chi2.sf(lr, 1), rel=1e-3)
    # Pearson dispersion of the Poisson fit, from statsmodels
    pois = sm.GLM(y, X, family=sm.families.Poisson()).fit()
    assert r["dispersion"] == pytest.approx(pois.pearson_chi2 / pois.df_resid, rel=1e-7)
    # a Poisson series: NB collapses onto Poisson, LR = 0, p = 1
    rng = np.random.default_rng(1)
    yp = rng.poisson(np.full(40, 5.0))
    rp = S.poisson_or_nb_break(yp, np.arange(1980, 2020), 2000)
    llf_pp = (
        sm.Poisson(
            yp,
            np.column_stack(
                [np.ones(40), np.arange(1980, 2020) - 2000.0, (np.arange(1980, 2020) >= 2000).astype(float)]
            ),
        )
        .fit(disp=0)
        .llf
    )
    assert rp["alternatives"]["negbin"]["rr"] == pytest.approx(rp["alternatives"]["poisson"]["rr"], rel=1e-4)
    if rp["nb_lr_p"] < 1.0:
        assert rp["nb_lr_p"] >= 0.25  # at most a tiny LR: half a chi2 tail close to 0.5
    assert rp["dispersion"] < 1.5 and rp["model_used"] == "poisson" and rp.warnings == []
    assert rp["params"]["post"] == pytest.approx(
        sm.Poisson(
            yp,
            np.column_stack(
                [np.ones(40), np.arange(1980, 2020) - 2000.0, (np.arange(1980, 2020) >= 2000).astype(float)]
            ),
        )
        .fit(disp=0)
        .params[2],
        rel=1e-6,
    )
    assert llf_pp < 0


def test_dispersion_threshold_decides_the_model():
    y, years, _ = _overdispersed()
    r = S.poisson_or_nb_break(y, years, 2005)
    d = r["dispersion"]
    assert r["model_used"] == "negbin"
    # the rule is "dispersion > threshold": at a threshold just above it, Poisson
    above = S.poisson_or_nb_break(y, years, 2005, dispersion_threshold=d * 1.0001)
    assert above["model_used"] == "poisson" and above.estimate == r["alternatives"]["poisson"]["rr"]
    at = S.poisson_or_nb_break(y, years, 2005, dispersion_threshold=d)
    assert at["model_used"] == "poisson"
    below = S.poisson_or_nb_break(y, years, 2005, dispersion_threshold=d * 0.9999)
    assert below["model_used"] == "negbin" and below.estimate == r["alternatives"]["negbin"]["rr"]


def test_a_failing_negative_binomial_fit_is_named_in_the_result(monkeypatch):
    y, years, _ = _overdispersed()

    def boom(*a, **k):
        raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr(counts, "_nb2_mle_numpy", boom)  # where poisson_or_nb_break looks it up
    r = S.poisson_or_nb_break(y, years, 2005)
    assert r["model_used"] == "poisson" and r.ok
    assert r["negbin_error"] == "LinAlgError: Singular matrix"
    assert r["alternatives"]["negbin"]["converged"] is False
    assert "LinAlgError: Singular matrix" in r["alternatives"]["negbin"]["note"]
    assert any(
        "negative binomial its fit failed (LinAlgError: Singular matrix)" in w or "LinAlgError: Singular matrix" in w
        for w in r.warnings
    )
    assert any("Poisson" in w for w in r.warnings)
    # asked for negbin explicitly: no estimate, and the reason says so
    rn = S.poisson_or_nb_break(y, years, 2005, model="negbin")
    assert not rn.ok and rn.reason == "negbin fit did not converge" and rn["negbin_error"].startswith("LinAlgError")


def test_a_bug_in_the_negative_binomial_fit_is_not_swallowed(monkeypatch):
    y, years, _ = _overdispersed()

    def bug(*a, **k):
        raise TypeError("a programming error")

    monkeypatch.setattr(counts, "_nb2_mle_numpy", bug)
    with pytest.raises(TypeError, match="a programming error"):
        S.poisson_or_nb_break(y, years, 2005)


def test_a_successful_fit_records_no_negbin_error():
    y, years, _ = _overdispersed()
    r = S.poisson_or_nb_break(y, years, 2005)
    assert "negbin_error" not in r.extra and r["alternatives"]["negbin"]["note"] is None


def test_break_alpha_other_than_005():
    y, years, X = _overdispersed()
    r = S.poisson_or_nb_break(y, years, 2005, model="poisson", alpha=0.10)
    ref = sm.GLM(y, X, family=sm.families.Poisson()).fit()
    lo, hi = np.exp(ref.conf_int(alpha=0.10)[2])
    assert (r.ci_low, r.ci_high) == pytest.approx((lo, hi), rel=1e-6)
    assert r.p_value == pytest.approx(ref.pvalues[2], rel=1e-5)


# --------------------------------------------------------------------------- Fisher, Newcombe, Wilson


def test_fisher_p_many_is_nan_where_a_row_or_column_has_no_cases():
    a = [0, 3, 0, 2, 0, 4, 1]
    b = [0, 2, 5, 0, 3, 4, 9]
    c = [4, 0, 0, 3, 2, 0, 11]
    d = [6, 0, 7, 0, 0, 1, 3]
    # rows: [0,0] empty group 1; [0,0] empty group 2; first column empty; second column empty;
    # [[0,3],[2,0]] and [[4,4],[0,1]] and [[1,9],[11,3]] are proper tables
    for alt in ("two-sided", "greater", "less"):
        p = S.fisher_p_many(a, b, c, d, alternative=alt)
        assert np.isnan(p[:4]).all(), (alt, p)
        for i in range(4, 7):
            assert p[i] == pytest.approx(
                sps.fisher_exact([[a[i], b[i]], [c[i], d[i]]], alternative=alt)[1], rel=1e-9
            ), (alt, i)
    with S.plain_loop():
        pl = S.fisher_p_many(a, b, c, d)
        pg = S.fisher_p_many(a, b, c, d, alternative="greater")
    assert np.isnan(pl[:4]).all() and not np.isnan(pl[4:]).any()
    assert pg[4:].tolist() == pytest.approx(S.fisher_p_many(a, b, c, d, alternative="greater")[4:].tolist(), rel=1e-9)
    assert pg[6] == pytest.approx(sps.fisher_exact([[1, 9], [11, 3]], alternative="greater")[1], rel=1e-12)
    assert pg[6] != pytest.approx(pl[6], rel=1e-3)


def test_newcombe_and_wilson_follow_alpha():
    a, n1, c, n2 = 17, 40, 9, 45
    for alpha in (0.01, 0.10, 0.20):
        d, lo, hi = S.newcombe_diff_ci_many([a], [n1], [c], [n2], alpha=alpha)
        ref = confint_proportions_2indep(a, n1, c, n2, method="newcomb", compare="diff", alpha=alpha)
        assert d[0] == pytest.approx(a / n1 - c / n2, rel=1e-12)
        assert (lo[0], hi[0]) == pytest.approx(ref, rel=1e-9), alpha
        wl, wh = S.wilson_ci_many([a], [n1], alpha=alpha)
        assert (wl[0], wh[0]) == pytest.approx(proportion_confint(a, n1, alpha=alpha, method="wilson"), rel=1e-9)
    # the intervals nest: a smaller alpha gives a wider interval
    w01 = np.diff(S.newcombe_diff_ci_many([a], [n1], [c], [n2], alpha=0.01)[1:], axis=0)
    w20 = np.diff(S.newcombe_diff_ci_many([a], [n1], [c], [n2], alpha=0.20)[1:], axis=0)
    assert w01[0, 0] > w20[0, 0]
    # an empty group gives NaN
    d, lo, hi = S.newcombe_diff_ci_many([0, 2], [0, 5], [1, 0], [4, 0])
    assert np.isnan([d, lo, hi]).all()


def test_wilson_default_alpha_and_the_plain_loop():
    lo, hi = S.wilson_ci_many([17, 0, 40], [40, 12, 40])
    ref = [proportion_confint(k, n, alpha=0.05, method="wilson") for k, n in ((17, 40), (0, 12), (40, 40))]
    assert np.allclose(np.c_[lo, hi], ref, rtol=1e-12, atol=1e-15)
    with S.plain_loop():
        plo, phi = S.wilson_ci_many([17, 0, 40], [40, 12, 40], alpha=0.1)
    flo, fhi = S.wilson_ci_many([17, 0, 40], [40, 12, 40], alpha=0.1)
    assert np.allclose(plo, flo, rtol=1e-10) and np.allclose(phi, fhi, rtol=1e-10)
    assert plo[0] == pytest.approx(proportion_confint(17, 40, alpha=0.1, method="wilson")[0], rel=1e-10)


def test_clustering_subset_keeps_clusters_with_one_row():
    cl = S.Clustering(np.array(["a", "a", "b", "c", "c", "d"]))
    assert cl.n_clusters == 4
    sub = cl.subset(np.array([True, True, True, False, True, False]))
    assert sub.n_clusters == 3 and sub.codes.tolist() == [0, 0, 1, 2]
    assert np.asarray(sub.sums(np.ones((4, 1)))).ravel().tolist() == [2.0, 1.0, 1.0]


def test_break_argument_errors_and_the_default_threshold():
    y, years, _ = _overdispersed()
    with pytest.raises(ValueError, match="unknown model 'nb3'"):
        S.poisson_or_nb_break(y, years, 2005, model="nb3")
    with pytest.raises(ValueError, match=r"unknown fits \('poisson', 'zip'\)"):
        S.poisson_or_nb_break(y, years, 2005, fits=("poisson", "zip"))
    with pytest.raises(ValueError, match="model 'auto' needs its fit in `fits`"):
        S.poisson_or_nb_break(y, years, 2005, fits=("poisson",))
    with pytest.raises(ValueError, match="model 'quasipoisson' needs its fit"):
        S.poisson_or_nb_break(y, years, 2005, model="quasipoisson", fits=("poisson",))
    # the pre-declared threshold is 1.5: a series with dispersion between 1.5 and 2.5 uses negbin
    yrs = np.arange(1950, 2020)
    for seed in range(40):
        mu = np.full(len(yrs), 6.0)
        yy = np.random.default_rng(seed).negative_binomial(12, 12 / (12 + mu))
        r = S.poisson_or_nb_break(yy, yrs, 1990, fits=("poisson", "negbin"))
        if 1.5 < r["dispersion"] < 2.5 and r["alternatives"]["negbin"]["converged"]:
            assert r["model_used"] == "negbin" and r["dispersion_threshold"] == 1.5
            break
    else:  # pragma: no cover - the seeds above include such a series
        pytest.fail("no series with dispersion between 1.5 and 2.5")


def test_break_input_errors_in_full_and_the_engines():
    y, years, _ = _overdispersed()
    with pytest.raises(ValueError, match="^engine must be 'numpy' or 'statsmodels'$"):
        S.poisson_or_nb_break(y, years, 2005, engine="R")
    with pytest.raises(ValueError, match="^counts and years must be 1-D and of equal length$"):
        S.poisson_or_nb_break(y[:-1], years, 2005)
    with pytest.raises(ValueError, match="^counts and years must be 1-D and of equal length$"):
        S.poisson_or_nb_break(np.c_[y, y], np.c_[years, years], 2005)
    with pytest.raises(ValueError, match=r"^model 'auto' needs its fit in `fits`$"):
        S.poisson_or_nb_break(y, years, 2005, fits=("poisson",))
    # a model other than auto may do without negbin
    assert S.poisson_or_nb_break(y, years, 2005, model="poisson", fits=("poisson",)).ok
    fast = S.poisson_or_nb_break(y, years, 2005, fits=("poisson", "negbin"))
    sm_ = S.poisson_or_nb_break(y, years, 2005, fits=("poisson", "negbin"), engine="statsmodels")
    with S.plain_loop():
        plain = S.poisson_or_nb_break(y, years, 2005, fits=("poisson", "negbin"))
    assert fast.method == sm_.method == plain.method
    assert sm_.estimate == pytest.approx(fast.estimate, rel=1e-4) and plain.estimate == sm_.estimate
    assert plain["nb_lr_p"] == sm_["nb_lr_p"]


@pytest.mark.parametrize(
    "counts,years,kw,msg",
    [
        (
            [1, 2, float("nan"), 4, 5, 6],
            range(2000, 2006),
            {},
            "counts must be non-negative integers (no missing values)",
        ),
        ([1, 2, -1, 4, 5, 6], range(2000, 2006), {}, "counts must be non-negative integers (no missing values)"),
        ([1, 2, 2.5, 4, 5, 6], range(2000, 2006), {}, "counts must be non-negative integers (no missing values)"),
        ([1, 2, 3, 4, 5, 6], [2000, 2001, 2001, 2003, 2004, 2005], {}, "years must be unique (one count per year)"),
        (
            [1, 2, 3, 4, 5, 6],
            range(2000, 2006),
            {"exposure": [1, 1, 0, 1, 1, 1]},
            "exposure must be positive, one per year",
        ),
        ([1, 2, 3, 4, 5, 6], range(2000, 2006), {"exposure": [1, 1, 1]}, "exposure must be positive, one per year"),
    ],
)
def test_break_bad_counts_years_and_exposure(counts, years, kw, msg):
    with pytest.raises(ValueError) as ei:
        S.poisson_or_nb_break(counts, list(years), 2003, **kw)
    assert str(ei.value) == msg


def test_break_sorts_the_years():
    y, years, _ = _overdispersed()
    r = S.poisson_or_nb_break(y, years, 2005, model="poisson", fits=("poisson",))
    rev = S.poisson_or_nb_break(y[::-1], years[::-1], 2005, model="poisson", fits=("poisson",))
    assert rev.estimate == pytest.approx(r.estimate, rel=1e-10) and rev["n_pre"] == r["n_pre"] == 59


# --------------------------------------------------------------------------- results: StatResult, json_safe, checks


def test_json_safe_converts_numpy_pandas_and_nonfinite_values_only():
    import json

    import pandas as pd

    from analysis.stats.results import json_safe

    # bools stay bools (not the int 1 that isinstance(True, int) would give), numpy bools become bools
    assert json_safe(True) is True and json_safe(np.bool_(True)) is True and json_safe(np.bool_(False)) is False
    assert json_safe("x") == "x" and json_safe(None) is None
    assert json_safe(np.int64(7)) == 7 and type(json_safe(np.int64(7))) is int
    assert json_safe(np.float32(1.5)) == 1.5 and json_safe(2.25) == 2.25
    assert json_safe(float("nan")) is None and json_safe(np.inf) is None and json_safe(-math.inf) is None
    assert json_safe(pd.NA) is None and json_safe(pd.NaT) is None
    # keys become strings, values are converted recursively, in lists, tuples, arrays and Series
    got = json_safe({1: np.float64(0.5), "a": [np.int64(2), np.nan], "b": (np.bool_(True),)})
    assert got == {"1": 0.5, "a": [2, None], "b": [True]}
    assert json_safe(np.array([1.0, np.nan])) == [1.0, None]
    assert json_safe(pd.Series([3, 4])) == [3, 4]
    # anything else passes through unchanged (the caller's JSON encoder decides)
    other = object()
    assert json_safe(other) is other
    json.dumps(got, allow_nan=False)


def test_stat_result_fields_items_and_dict():
    r = S.StatResult("m", estimate=np.float64(0.25), ci_low=np.nan, p_value=np.inf, n=np.int64(12), warnings=["w"])
    assert r.estimate == 0.25 and r.ci_low is None and r.p_value is None and r.n == 12 and type(r.n) is int
    assert S.StatResult("m").n is None and S.StatResult("m").ok
    r.extra["k"] = np.int64(3)
    assert r["estimate"] == 0.25 and r["n"] == 12 and r["k"] == 3 and r["warnings"] == ["w"]
    d = r.to_dict()
    assert list(d) == ["method", "estimate", "ci_low", "ci_high", "p_value", "n", "reason", "warnings", "k"]
    assert d["warnings"] == ["w"] and d["k"] == 3 and d["ci_low"] is None
    d["warnings"].append("x")  # a copy: the result's own list is not changed
    assert r.warnings == ["w"]
    with pytest.raises(ValueError, match=r"extra fields shadow core fields: \['estimate', 'n'\]"):
        S.StatResult("m", extra={"n": 1, "estimate": 2, "z": 3})


def test_an_inconclusive_result_keeps_its_method_and_n():
    r = S.proportion(0, 0, alpha=0.1)
    assert r.method == "proportion, Clopper-Pearson exact interval" and r.n == 0 and r.reason
    assert r["alpha"] == 0.1 and r["k"] == 0 and not r.ok
    r = S.binom_test_vs(0, 0, 0.3, "less")
    assert r.n == 0 and r.method == "exact binomial test (less) vs p0=0.3" and r["p0"] == 0.3


@pytest.mark.parametrize("alpha", [0, 0.0, 1, 1.0, 1.5, -0.1])
def test_alpha_outside_the_open_unit_interval_is_refused(alpha):
    with pytest.raises(ValueError, match=r"alpha must be in \(0, 1\), got"):
        S.proportion(3, 10, alpha=alpha)


def test_argument_errors_say_what_is_wrong():
    with pytest.raises(
        ValueError, match=r"alternative must be one of \('two-sided', 'greater', 'less'\), got 'bigger'"
    ):
        S.binom_test_vs(3, 10, 0.5, alternative="bigger")
    with pytest.raises(ValueError, match="k must be a count, not a bool"):
        S.proportion(True, 10)
    with pytest.raises(ValueError, match="n must be a non-negative integer, got 'ten'"):
        S.proportion(3, "ten")
    with pytest.raises(ValueError, match=r"k must be a non-negative integer, got -1"):
        S.proportion(-1, 10)
    with pytest.raises(ValueError, match=r"k must be a non-negative integer, got 1.5"):
        S.proportion(1.5, 10)
    assert S.proportion(np.int64(3), 10.0).n == 10  # integral floats and numpy integers are counts


# --------------------------------------------------------------------------- exact: every field of the scalar results


def _cp(k, n, alpha):
    """Two-sided Clopper-Pearson interval from scipy's binomtest."""
    ci = sps.binomtest(k, n).proportion_ci(confidence_level=1 - alpha, method="exact")
    return ci.low, ci.high


def _approx_dict(got: dict, want: dict):
    assert list(got) == list(want)
    for key, v in want.items():
        if isinstance(v, float) and not math.isfinite(v):  # the result files are JSON: inf is None
            assert got[key] is None, key
        elif isinstance(v, float):
            assert got[key] == pytest.approx(v, rel=1e-10, abs=1e-14), key
        else:
            assert got[key] == v, key


def test_proportion_every_field_at_alpha_010():
    lo, hi = _cp(6, 41, 0.1)
    _approx_dict(
        S.proportion(6, 41, alpha=0.1).to_dict(),
        {
            "method": "proportion, Clopper-Pearson exact interval",
            "estimate": 6 / 41,
            "ci_low": lo,
            "ci_high": hi,
            "p_value": None,
            "n": 41,
            "reason": None,
            "warnings": [],
            "k": 6,
            "alpha": 0.1,
        },
    )
    assert S.proportion(0, 0).to_dict() == {
        "method": "proportion, Clopper-Pearson exact interval",
        "estimate": None,
        "ci_low": None,
        "ci_high": None,
        "p_value": None,
        "n": 0,
        "reason": "n = 0: no observations",
        "warnings": [],
        "k": 0,
        "alpha": 0.05,
    }
    with pytest.raises(ValueError, match=r"^k \(5\) > n \(4\)$"):
        S.proportion(5, 4)


@pytest.mark.parametrize("alt", ["greater", "less", "two-sided"])
def test_binom_test_vs_every_field(alt):
    k, n, p0, alpha = 7, 30, 0.4, 0.1
    ref = sps.binomtest(k, n, p0, alternative=alt)
    one = ref.proportion_ci(confidence_level=1 - alpha, method="exact")  # scipy: matches `alternative`
    lo2, hi2 = _cp(k, n, alpha)
    _approx_dict(
        S.binom_test_vs(k, n, p0, alternative=alt, alpha=alpha).to_dict(),
        {
            "method": f"exact binomial test ({alt}) vs p0=0.4",
            "estimate": 7 / 30,
            "ci_low": one.low,
            "ci_high": one.high,
            "p_value": ref.pvalue,
            "n": 30,
            "reason": None,
            "warnings": [],
            "k": 7,
            "p0": 0.4,
            "alternative": alt,
            "alpha": 0.1,
            "ci2_low": lo2,
            "ci2_high": hi2,
        },
    )


def test_binom_test_vs_defaults_bounds_and_errors():
    r = S.binom_test_vs(9, 10, 0.5)  # the default alternative is "greater"
    assert r["alternative"] == "greater" and r.p_value == pytest.approx(11 / 1024, rel=1e-12)
    assert S.binom_test_vs(0, 0, 0.5).to_dict() == {
        "method": "exact binomial test (greater) vs p0=0.5",
        "estimate": None,
        "ci_low": None,
        "ci_high": None,
        "p_value": None,
        "n": 0,
        "reason": "n = 0: no observations",
        "warnings": [],
        "k": 0,
        "p0": 0.5,
        "alternative": "greater",
        "alpha": 0.05,
    }
    # p0 = 0 and p0 = 1 are allowed: P(X >= 0) = 1, and P(X <= 5 | n = 5) = 1
    assert S.binom_test_vs(0, 5, 0.0).p_value == 1.0
    assert S.binom_test_vs(5, 5, 1.0, "less").p_value == 1.0
    for p0 in (-0.1, 1.5, 2.0):
        with pytest.raises(ValueError, match=rf"^p0 must be in \[0, 1\], got {p0}$"):
            S.binom_test_vs(1, 5, p0)
    with pytest.raises(ValueError, match=r"^k \(6\) > n \(5\)$"):
        S.binom_test_vs(6, 5, 0.5)
    with pytest.raises(ValueError, match="^k must be a non-negative integer"):
        S.binom_test_vs(-1, 5, 0.5)
    with pytest.raises(ValueError, match="^n must be a non-negative integer"):
        S.binom_test_vs(1, -5, 0.5)


@pytest.mark.parametrize("alt", ["two-sided", "less", "greater"])
@pytest.mark.parametrize("kind", ["conditional", "sample"])
def test_fisher_2x2_every_field(alt, kind):
    a, b, c, d, alpha = 12, 5, 7, 19, 0.1
    tab = [[a, b], [c, d]]
    orr = sps.contingency.odds_ratio(tab, kind=kind)
    ci = orr.confidence_interval(confidence_level=1 - alpha, alternative=alt)
    ci2 = orr.confidence_interval(confidence_level=1 - alpha)
    rlo, rhi = confint_proportions_2indep(a, a + b, c, c + d, method="newcomb", compare="diff", alpha=alpha)
    p = {x: sps.fisher_exact(tab, alternative=x).pvalue for x in ("two-sided", "greater", "less")}
    _approx_dict(
        S.fisher_2x2(a, b, c, d, alternative=alt, alpha=alpha, or_kind=kind).to_dict(),
        {
            "method": f"Fisher exact test ({alt}); {kind} odds ratio",
            "estimate": orr.statistic,
            "ci_low": ci.low,
            "ci_high": ci.high,
            "p_value": p[alt],
            "n": 43,
            "reason": None,
            "warnings": [],
            "table": [[12, 5], [7, 19]],
            "n1": 17,
            "n2": 26,
            "alternative": alt,
            "alpha": 0.1,
            "p_two_sided": p["two-sided"],
            "p_greater": p["greater"],
            "p_less": p["less"],
            "or_sample": 12 * 19 / (5 * 7),
            "ci2_low": ci2.low,
            "ci2_high": ci2.high,
            "p1": 12 / 17,
            "p2": 7 / 26,
            "rd": 12 / 17 - 7 / 26,
            "rd_ci_low": rlo,
            "rd_ci_high": rhi,
        },
    )


def test_fisher_2x2_degenerate_tables_and_errors():
    z = S.fisher_2x2(5, 0, 1, 6)
    assert z.warnings == ["odds ratio is infinite or undefined (a zero cell); only bounds are reported"]
    assert z["or_sample"] is None and z.estimate is None
    base = {"estimate": None, "ci_low": None, "ci_high": None, "p_value": None, "warnings": []}
    e = S.fisher_2x2(0, 0, 3, 4).to_dict()
    assert e == {
        "method": "Fisher exact test (two-sided); conditional odds ratio",
        **base,
        "n": 7,
        "reason": "a group (table row) is empty",
        "table": [[0, 0], [3, 4]],
        "n1": 0,
        "n2": 7,
        "alternative": "two-sided",
        "alpha": 0.05,
    } | {k: e[k] for k in ("estimate", "ci_low", "ci_high", "p_value", "warnings")}
    assert [e[k] for k in base] == list(base.values())
    v = S.fisher_2x2(0, 3, 0, 4, alternative="less")
    assert v.reason == "no variation in outcome (a table column is empty)" and v.n == 7
    assert v["table"] == [[0, 3], [0, 4]] and v.method == "Fisher exact test (less); conditional odds ratio"
    # tables that are not degenerate: a group of one, a == c, b == d, one non-event
    for tab in ((2, 3, 1, 0), (2, 3, 2, 1), (2, 3, 1, 3), (2, 1, 3, 0)):
        r = S.fisher_2x2(*tab)
        assert r.ok and r.p_value == pytest.approx(sps.fisher_exact([tab[:2], tab[2:]]).pvalue, rel=1e-12)
    with pytest.raises(ValueError, match=r"^or_kind must be 'conditional' or 'sample', got 'odds'$"):
        S.fisher_2x2(1, 2, 3, 4, or_kind="odds")
    for i, name in enumerate("abcd"):
        cells = [1, 2, 3, 4]
        cells[i] = -1
        with pytest.raises(ValueError, match=rf"^{name} must be a non-negative integer, got -1$"):
            S.fisher_2x2(*cells)


def test_risk_ratio_every_field_at_alpha_010():
    a, n1, c, n2, alpha = 17, 100, 6, 60, 0.1
    lrr = math.log((17 / 100) / (6 / 60))
    se = math.sqrt(1 / 17 - 1 / 100 + 1 / 6 - 1 / 60)
    z = sps.norm.ppf(0.95)
    _approx_dict(
        S.risk_ratio(a, n1, c, n2, alpha=alpha).to_dict(),
        {
            "method": "risk ratio, log (Katz) interval",
            "estimate": 1.7,
            "ci_low": math.exp(lrr - z * se),
            "ci_high": math.exp(lrr + z * se),
            "p_value": 2 * sps.norm.sf(abs(lrr) / se),
            "n": 160,
            "reason": None,
            "warnings": [],
            "a": 17,
            "n1": 100,
            "c": 6,
            "n2": 60,
            "alpha": 0.1,
            "continuity_corrected": False,
            "log_rr": lrr,
            "se_log_rr": se,
        },
    )


def test_risk_ratio_zero_cells_and_empty_groups_in_full():
    h = S.risk_ratio(0, 40, 8, 60, zero="haldane").to_dict()
    lrr = math.log((0.5 / 41) / (8.5 / 61))
    se = math.sqrt(1 / 0.5 - 1 / 41 + 1 / 8.5 - 1 / 61)
    assert h["method"] == "risk ratio, log (Katz) interval (Haldane 0.5 continuity correction)"
    assert h["warnings"] == ["zero cell: 0.5 added to event counts (Haldane); estimate is biased towards 1"]
    assert h["continuity_corrected"] is True and h["n"] == 100
    assert h["log_rr"] == pytest.approx(lrr, rel=1e-12) and h["se_log_rr"] == pytest.approx(se, rel=1e-12)
    assert h["estimate"] == pytest.approx(math.exp(lrr), rel=1e-12)
    common = {"estimate": None, "ci_low": None, "ci_high": None, "p_value": None, "warnings": []}
    for args, which in (((0, 40, 8, 60), "a"), ((8, 40, 0, 60), "c")):
        got = S.risk_ratio(*args).to_dict()
        assert got == {
            "method": "risk ratio, log (Katz) interval",
            **common,
            "n": 100,
            "reason": f"zero events in a group ({which} = 0): log risk ratio undefined",
            "a": args[0],
            "n1": 40,
            "c": args[2],
            "n2": 60,
            "alpha": 0.05,
            "continuity_corrected": False,
        } | {k: got[k] for k in common}
        assert [got[k] for k in common] == list(common.values())
    # a group of one event in one is not a zero cell; both at 100% give RR 1 with SE 0 and no p-value
    one = S.risk_ratio(1, 1, 3, 6)
    assert one.ok and one.estimate == pytest.approx(2.0)
    flat = S.risk_ratio(5, 5, 3, 3)
    assert flat.estimate == 1.0 and flat["se_log_rr"] == 0.0 and flat.p_value is None
    assert S.risk_ratio(1, 5, 5, 5).estimate == pytest.approx(0.2)  # c = n2 is allowed
    for args in ((0, 0, 1, 5), (1, 5, 0, 0)):
        e = S.risk_ratio(*args)
        assert e.reason == "a group is empty" and e.n == 5 and e.method == "risk ratio, log (Katz) interval"
        assert e["n1"] == args[1] and e["continuity_corrected"] is False and e["alpha"] == 0.05
    with pytest.raises(ValueError, match=r"^events exceed group size: a=1, n1=5, c=6, n2=5$"):
        S.risk_ratio(1, 5, 6, 5)
    with pytest.raises(ValueError, match=r"^zero must be 'none' or 'haldane', got 'add'$"):
        S.risk_ratio(1, 5, 1, 5, zero="add")
    for i, name in enumerate(("a", "n1", "c", "n2")):
        cells = [1, 5, 1, 5]
        cells[i] = -2
        with pytest.raises(ValueError, match=rf"^{name} must be a non-negative integer, got -2$"):
            S.risk_ratio(*cells)


def test_rate_ratio_every_field_at_alpha_010():
    from statsmodels.stats.rates import test_poisson_2indep

    k1, t1, k2, t2, alpha = 10, 100.0, 3, 120.0, 0.1
    p = test_poisson_2indep(k1, t1, k2, t2, method="exact-cond").pvalue
    # conditional on 13 events, K1 ~ Bin(13, pi) with pi = t1 R / (t1 R + t2): R = pi / (1 - pi) * t2 / t1
    lo, hi = (pi / (1 - pi) * t2 / t1 for pi in _cp(10, 13, alpha))
    _approx_dict(
        S.rate_ratio(k1, t1, k2, t2, alpha=alpha).to_dict(),
        {
            "method": "Poisson rate ratio, exact conditional (binomial) test and interval",
            "estimate": 4.0,
            "ci_low": lo,
            "ci_high": hi,
            "p_value": p,
            "n": 13,
            "reason": None,
            "warnings": [],
            "k1": 10,
            "t1": 100.0,
            "k2": 3,
            "t2": 120.0,
            "rate1": 0.1,
            "rate2": 0.025,
            "alternative": "two-sided",
            "alpha": 0.1,
            "infinite_estimate": False,
        },
    )


def test_rate_ratio_zero_and_one_counts_and_errors():
    inf = S.rate_ratio(5, 100, 0, 120)
    assert inf.warnings == ["k2 = 0: rate ratio is infinite; only the lower bound is finite"]
    one = S.rate_ratio(5, 100, 1, 120)  # k2 = 1: finite, no warning
    assert one.estimate == pytest.approx((5 / 100) / (1 / 120)) and one.warnings == [] and not one["infinite_estimate"]
    assert S.rate_ratio(0, 0.5, 3, 0.5).estimate == 0.0  # exposures below 1 are fine
    assert S.rate_ratio(2, 3, 3, 0.5).estimate == pytest.approx((2 / 3) / 6)
    none = S.rate_ratio(0, 100, 0, 120, alternative="less").to_dict()
    assert none == {
        "method": "Poisson rate ratio, exact conditional (binomial) test and interval",
        "estimate": None,
        "ci_low": None,
        "ci_high": None,
        "p_value": None,
        "n": 0,
        "reason": "no events in either group",
        "warnings": [],
        "k1": 0,
        "t1": 100.0,
        "k2": 0,
        "t2": 120.0,
        "rate1": 0.0,
        "rate2": 0.0,
        "alternative": "less",
        "alpha": 0.05,
    }
    for t1, t2 in ((0, 1), (1, 0), (-1, 1), (1, math.inf), (math.nan, 1)):
        with pytest.raises(ValueError, match=r"^exposures must be positive and finite, got t1="):
            S.rate_ratio(1, t1, 1, t2)
    with pytest.raises(ValueError, match="^k1 must be a non-negative integer"):
        S.rate_ratio(-1, 1, 1, 1)
    with pytest.raises(ValueError, match="^k2 must be a non-negative integer"):
        S.rate_ratio(1, 1, -1, 1)


# --------------------------------------------------------------------------- exact: the exact trend test


def _trend_by_enumeration(s, y):
    """Every subset of size m equally likely: p-values of T = sum of the scores of the cases, counted."""
    import itertools

    s, y = np.asarray(s), np.asarray(y, bool)
    t0 = int(s[y].sum())
    ts = np.array([s[list(c)].sum() for c in itertools.combinations(range(len(s)), int(y.sum()))])
    return t0, (ts <= t0).mean(), (ts >= t0).mean()


@pytest.mark.parametrize("seed", range(6))
def test_exact_score_trend_equals_enumeration_and_ols(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 12))
    s = rng.integers(0, 5, size=n)
    s[:2] = (0, 4)  # the score varies
    m = int(rng.integers(1, n))
    y = np.zeros(n, bool)
    y[rng.choice(n, m, replace=False)] = True
    t0, pl, pu = _trend_by_enumeration(s, y)
    r = S.exact_score_trend(s.tolist(), y.astype(int).tolist())
    assert (r["n"], r["events"], r["t_obs"], r["reason"]) == (n, m, t0, None)
    assert r["p_lower"] == pytest.approx(pl, rel=1e-12) and r["p_upper"] == pytest.approx(pu, rel=1e-12)
    assert r["slope"] == pytest.approx(sps.linregress(s, y.astype(float)).slope, rel=1e-10, abs=1e-14)
    assert list(r) == ["n", "events", "t_obs", "slope", "p_lower", "p_upper", "reason"]


def test_exact_score_trend_small_cases_by_hand():
    # scores 0, 1, 2 and one case: T is the case's score, each with probability 1/3
    r = S.exact_score_trend([0, 1, 2], [0, 1, 0])
    assert (r["t_obs"], r["p_lower"], r["p_upper"]) == (1, pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert r["slope"] == pytest.approx(0.0, abs=1e-15)
    # all but one are cases: T = 3 - (the non-case's score); here the non-case has score 2, T = 1
    r = S.exact_score_trend([0, 1, 2], [1, 1, 0])
    assert (r["t_obs"], r["p_lower"], r["p_upper"]) == (1, pytest.approx(1 / 3), 1.0)
    assert r["slope"] == pytest.approx(-0.5)
    # two with the same score among four, two cases: C(4,2) = 6 subsets with sums 1,1,2,2,3,3 (scores 0,1,1,2)
    r = S.exact_score_trend([0, 1, 1, 2], [0, 1, 1, 0])
    assert (r["t_obs"], r["p_lower"], r["p_upper"]) == (2, pytest.approx(4 / 6), pytest.approx(4 / 6))
    # two observations are the smallest case with a p-value
    r = S.exact_score_trend([0, 3], [0, 1])
    assert (r["t_obs"], r["p_lower"], r["p_upper"], r["slope"]) == (3, 1.0, pytest.approx(0.5), pytest.approx(1 / 3))


def test_exact_score_trend_without_variation_and_bad_input():
    none = {"slope": None, "p_lower": None, "p_upper": None, "reason": "no variation in the outcome or in the score"}
    assert S.exact_score_trend([1, 2, 3], [0, 0, 0]) == {"n": 3, "events": 0, "t_obs": 0, **none}
    assert S.exact_score_trend([1, 2, 3], [1, 1, 1]) == {"n": 3, "events": 3, "t_obs": 6, **none}
    assert S.exact_score_trend([2, 2, 2], [1, 0, 0]) == {"n": 3, "events": 1, "t_obs": 2, **none}
    assert S.exact_score_trend([4], [1]) == {"n": 1, "events": 1, "t_obs": 4, **none}
    with pytest.raises(ValueError, match="^scores and y must be 1-d and of equal length$"):
        S.exact_score_trend([1, 2, 3], [1, 0])
    with pytest.raises(ValueError, match="^scores and y must be 1-d and of equal length$"):
        S.exact_score_trend([[1, 2], [3, 4]], [[1, 0], [0, 1]])
    with pytest.raises(ValueError, match="^scores must be non-negative integers$"):
        S.exact_score_trend([0, -1, 2], [1, 0, 1])


# --------------------------------------------------------------------------- exact: the vectorised functions


def test_vectorised_functions_give_nan_for_empty_groups_without_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's 0/0 RuntimeWarning would fail here
        lo, hi = S.proportion_ci_many([0, 2], [0, 4])
        assert lo.dtype == hi.dtype == np.float64
        assert np.isnan(lo[0]) and np.isnan(hi[0]) and not np.isnan(hi[1])
        lo, hi = S.wilson_ci_many([0, 2], [0, 4])
        assert np.isnan(lo[0]) and np.isnan(hi[0])
        d, lo, hi = S.newcombe_diff_ci_many([0, 1], [0, 4], [1, 0], [3, 0])
        assert np.isnan(d).all() and np.isnan(lo).all() and np.isnan(hi).all()
        p = S.binom_test_many([0, 3, 2, 0], [0, 5, 4, 3], [0.5, 0.0, 1.0, 0.0], alternative="two-sided")
        assert np.isnan(p[0]) and p[1:].tolist() == [0.0, 0.0, 1.0]


def test_the_plain_loop_of_the_vectorised_functions_follows_its_arguments():
    k, n = np.array([[0, 3], [7, 0]]), np.array([[5, 10], [7, 0]])
    with S.plain_loop():
        lo, hi = S.proportion_ci_many(k, n, alpha=0.1)
        wlo, whi = S.wilson_ci_many(k, n, alpha=0.1)
        pb = S.binom_test_many([3, 9, 0], [10, 10, 0], [0.1, 0.5, 0.5], alternative="less")
    assert lo.shape == hi.shape == (2, 2)
    for i, j in ((0, 0), (0, 1), (1, 0)):
        assert (lo[i, j], hi[i, j]) == pytest.approx(_cp(int(k[i, j]), int(n[i, j]), 0.1), abs=1e-12)
        assert (wlo[i, j], whi[i, j]) == pytest.approx(
            proportion_confint(k[i, j], n[i, j], alpha=0.1, method="wilson"), abs=1e-12
        )
    assert np.isnan(lo[1, 1]) and np.isnan(hi[1, 1]) and np.isnan(wlo[1, 1])
    assert pb[:2] == pytest.approx([sps.binomtest(3, 10, 0.1, "less").pvalue, sps.binomtest(9, 10, 0.5, "less").pvalue])
    assert np.isnan(pb[2])
    # and outside the block the fast path gives the same
    assert S.binom_test_many([3, 9], [10, 10], [0.1, 0.5], alternative="less") == pytest.approx(pb[:2], rel=1e-12)


def test_minlike_pvalues_chunks_hold_at_most_max_cells_points():
    """The two-sided p-values are computed on padded grids chunked to at most `max_cells`
    points (the docstring's memory bound), greedily: each chunk takes the next tests (shortest
    support first) while the padded grid stays within the bound."""
    from analysis.stats.exact import _minlike_pvalues

    n = np.array([9, 2, 5, 5, 1, 3, 7, 1, 4, 6])
    k = np.array([3, 1, 0, 5, 0, 3, 2, 1, 2, 6])
    from scipy import special

    calls = []

    def logpmf(rows, x):
        calls.append((tuple(rows.tolist()), x.shape))
        nn = n[rows, None]
        return (
            special.gammaln(nn + 1.0)
            - special.gammaln(x + 1.0)
            - special.gammaln(nn - x + 1.0)
            + special.xlogy(x, 0.35)
            + special.xlog1py(nn - x, -0.35)
        )

    max_cells = 12
    out = _minlike_pvalues(np.zeros_like(n), n, k, logpmf, max_cells=max_cells)
    ref = [sps.binomtest(int(kk), int(nn), 0.35).pvalue for kk, nn in zip(k, n)]
    assert out == pytest.approx(ref, rel=1e-9)
    grids = [shape for _, shape in calls if shape[1] != 1]  # the grids, not the observed points
    rows = [r for r, shape in calls if shape[1] != 1]
    length = n + 1
    order = sorted(range(len(n)), key=lambda i: (length[i], i))
    assert [i for r in rows for i in r] == order  # every test once, shortest support first
    for r, (h, w) in zip(rows, grids):
        assert h == len(r) and w == max(length[list(r)])
        assert h * w <= max_cells or h == 1  # a single test may exceed the bound
    # greedy: the next test would not have fitted into the chunk
    for (h, _w), nxt in zip(grids, rows[1:]):
        assert length[nxt[0]] * (h + 1) > max_cells
    # a bound below the longest support: such tests go one at a time, with the same p-values
    calls.clear()
    assert _minlike_pvalues(np.zeros_like(n), n, k, logpmf, max_cells=3) == pytest.approx(ref, rel=1e-9)
    assert all(shape[0] == 1 for r, shape in calls if len(r) and shape[1] > 3)
    # a support that does not start at 0 (as Fisher's): the grid is as wide as hi - lo + 1
    calls.clear()
    shifted = lambda rows, x: logpmf(rows, x - 5)  # noqa: E731
    out = _minlike_pvalues(np.full(len(n), 5), n + 5, k + 5, shifted, max_cells=max_cells)
    assert out == pytest.approx(ref, rel=1e-9)
    assert [shape[1] for _, shape in calls if shape[1] != 1] == [w for _, w in grids]


def test_two_sided_exact_p_values_are_capped_at_one():
    # with the observed count at the mode every outcome is "as or less likely": the pmf sums to
    # 1 + 4e-16 in floating point, and a p-value above 1 is not a probability
    p = S.binom_test_many([3, 2, 4], [6, 4, 8], [0.5, 0.5, 0.5], alternative="two-sided")
    assert p.tolist() == [1.0, 1.0, 1.0]
    assert S.fisher_p_many([3, 5], [3, 5], [3, 5], [3, 5]).tolist() == [1.0, 1.0]


def test_exact_score_trend_with_zero_scores_last_and_float_scores():
    # zero scores processed after all the others (the counting table's edge), checked by enumeration
    for s, y in (
        ([3, 1, 2, 0, 0], [1, 0, 1, 0, 0]),
        ([2, 2, 1, 0, 0, 0], [0, 1, 1, 1, 0, 0]),
        ([4, 0], [1, 0]),
        ([3, 0, 0, 0], [1, 1, 0, 0]),  # the first score alone is the total when the zeros come
        ([2, 1, 0, 0], [1, 1, 1, 0]),
        ([1, 3, 0, 2, 0], [0, 0, 1, 1, 1]),
    ):
        t0, pl, pu = _trend_by_enumeration(s, y)
        r = S.exact_score_trend(s, y)
        assert (r["t_obs"], r["p_lower"], r["p_upper"]) == (t0, pytest.approx(pl), pytest.approx(pu)), (s, y)
    # integer scores that arrive as floats (a pandas column with missing values removed)
    r = S.exact_score_trend(np.array([0.0, 1.0, 2.0, 2.0, 3.0]), np.array([0.0, 0.0, 1.0, 0.0, 1.0]))
    assert r == S.exact_score_trend([0, 1, 2, 2, 3], [0, 0, 1, 0, 1])


# --------------------------------------------------------------------------- counts: the projected break


def _pb_series():
    """Twelve years, exposure varying, a constant-rate pre-period (Pearson dispersion below 1.5)."""
    years = np.arange(1990, 2002)
    ex = np.array([10, 12, 11, 13, 12, 14, 15, 15, 16, 18, 17, 20], float)
    y = np.array([3, 4, 2, 5, 4, 4, 9, 10, 12, 11, 13, 15], float)
    return years, ex, y


def test_projected_break_constant_rate_in_closed_form():
    years, ex, y = _pb_series()
    r = S.projected_break(y, years, 1996, exposure=ex, trend=False, alpha=0.1)
    pre, post = years < 1996, years >= 1996
    # Poisson MLE of a constant rate with exposure: total events / total exposure
    rate = y[pre].sum() / ex[pre].sum()
    M, O = rate * ex[post].sum(), y[post].sum()  # noqa: E741
    # Var(log O/M) = Var(O)/M^2 + Var(log rate-hat) = 1/M + 1/(events before)
    se = math.sqrt(1 / M + 1 / y[pre].sum())
    z = sps.norm.ppf(0.95)
    assert r.ok and r.n == 12 and r.warnings == []
    assert r.estimate == pytest.approx(O / M, rel=1e-7)
    # (statsmodels' IRLS stops at a relative change of 1e-8: its covariance matches the closed form to ~1e-6)
    assert (r.ci_low, r.ci_high) == pytest.approx((O / M * math.exp(-z * se), O / M * math.exp(z * se)), rel=1e-5)
    assert r.p_value == pytest.approx(2 * sps.norm.sf(math.log(O / M) / se), rel=1e-4)
    chi2 = ((y[pre] - rate * ex[pre]) ** 2 / (rate * ex[pre])).sum()
    assert r["dispersion"] == pytest.approx(chi2 / (pre.sum() - 1), rel=1e-7) and r["dispersion"] < 1.5
    assert r["model_used"] == "poisson" and "nb_alpha" not in r.extra
    assert (r["n_pre"], r["n_post"], r["break_year"], r["total_pre"], r["total_post"]) == (6, 6, 1996, 22, 70)
    assert r["expected_post"] == pytest.approx(M, rel=1e-7) and r["observed_post"] == 70.0
    assert r["params"] == pytest.approx([math.log(rate)], rel=1e-7)
    assert r.method == (
        "projected break: observed / expected onsets from 1996, the expectation projected from a constant-rate "
        "model fitted to the years before it only (Poisson, or NB2 when the pre-period Pearson dispersion "
        "exceeds 1.5); Wald interval on the log ratio"
    )


def test_projected_break_with_trend_by_numerical_delta_method():
    years, ex, y = _pb_series()
    r = S.projected_break(y, years, 1996, exposure=ex)
    pre, post = years < 1996, years >= 1996
    X = sm.add_constant((years - 1996) / 10.0)
    fit = sm.GLM(y[pre], X[pre], family=sm.families.Poisson(), offset=np.log(ex[pre])).fit()
    logM = lambda b: math.log(np.exp(X[post] @ b + np.log(ex[post])).sum())  # noqa: E731
    M = math.exp(logM(fit.params))
    # gradient of log M by central differences, then the delta method with the fit's covariance
    h = 1e-6
    g = np.array([(logM(fit.params + h * e) - logM(fit.params - h * e)) / (2 * h) for e in np.eye(2)])
    se = math.sqrt(1 / M + g @ fit.cov_params() @ g)
    est = y[post].sum() / M
    assert r.estimate == pytest.approx(est, rel=1e-7)
    z = sps.norm.ppf(0.975)
    assert (r.ci_low, r.ci_high) == pytest.approx((est * math.exp(-z * se), est * math.exp(z * se)), rel=1e-7)
    assert r["params"] == pytest.approx(list(fit.params), rel=1e-7)
    assert "a trend model fitted" in r.method


def test_projected_break_negative_binomial_when_overdispersed():
    from statsmodels.discrete.discrete_model import NegativeBinomial

    years = np.arange(1980, 1996)
    ex = np.full(len(years), 10.0)
    y = np.array([1, 9, 0, 12, 2, 0, 15, 1, 3, 20, 6, 8, 14, 5, 9, 11], float)
    r = S.projected_break(y, years, 1990, exposure=ex, trend=False)
    pre, post = years < 1990, years >= 1990
    X = np.ones((pre.sum(), 1))
    nb = NegativeBinomial(y[pre], X, loglike_method="nb2", offset=np.log(ex[pre])).fit(disp=0, maxiter=200)
    pois = sm.GLM(y[pre], X, family=sm.families.Poisson(), offset=np.log(ex[pre])).fit()
    assert r["dispersion"] > 1.5 and r["model_used"] == "negative binomial (NB2)"
    a = nb.params[-1]
    assert r["nb_alpha"] == pytest.approx(a, rel=1e-6)
    assert r["nb_lr_p"] == pytest.approx(0.5 * sps.chi2.sf(2 * (nb.llf - pois.llf), 1), rel=1e-6)
    mu = np.exp(nb.params[0]) * ex[post]
    M = mu.sum()
    # constant rate: d log M / d b0 = 1, so the delta term is Var(b0-hat); Var(O) = M + alpha sum mu^2
    se = math.sqrt((M + a * (mu**2).sum()) / M**2 + np.asarray(nb.cov_params())[0, 0])
    est = y[post].sum() / M
    assert r.estimate == pytest.approx(est, rel=1e-6)
    assert r.ci_high == pytest.approx(est * math.exp(sps.norm.ppf(0.975) * se), rel=1e-6)
    assert r.p_value == pytest.approx(2 * sps.norm.sf(abs(math.log(est)) / se), rel=1e-6)


def test_projected_break_inconclusive_cases():
    years, ex, y = _pb_series()
    few = S.projected_break(y[2:], years[2:], 1996, exposure=ex[2:])
    assert few.reason == "too few years on one side of the break (4 before, 6 after)" and few.n == 10
    assert few["n_pre"] == 4 and few["n_post"] == 6 and few["break_year"] == 1996
    ok5 = S.projected_break(y[1:], years[1:], 1996, exposure=ex[1:])  # five years before, enough
    assert ok5.ok
    late = S.projected_break(y, years, 2001, exposure=ex)
    assert late.reason == "too few years on one side of the break (11 before, 1 after)"
    assert S.projected_break(y, years, 2000, exposure=ex).ok  # two years after, enough
    zero = np.where(years >= 1996, 0.0, y)
    none = S.projected_break(zero, years, 1996, exposure=ex)
    assert none.reason == "no onsets after the break: the log ratio is undefined"
    assert none["observed_post"] == 0.0 and none["expected_post"] > 0 and none["model_used"] == "poisson"


# --------------------------------------------------------------------------- counts: every field of the break model


def _sm_summary(b, se, z, conv=True, note=None):
    return {
        "rr": math.exp(b),
        "ci_low": math.exp(b - z * se),
        "ci_high": math.exp(b + z * se),
        "p_value": 2 * sps.norm.sf(abs(b / se)),
        "coef": b,
        "se": se,
        "converged": conv,
        "note": note,
    }


def _assert_alt(got, want, rel):
    assert list(got) == list(want)
    for k, v in want.items():
        assert got[k] == (pytest.approx(v, rel=rel) if isinstance(v, float) else v), k


@pytest.mark.parametrize("engine", ["numpy", "statsmodels"])
def test_break_model_every_field_against_statsmodels(engine):
    """30 years in shuffled order with an exposure (0.5 to 2: below 1 is allowed), overdispersed:
    every alternative and extra against statsmodels' GLM, GLM with HC1 / HAC errors and the
    discrete NegativeBinomial (the joint MLE, not the code's profile search)."""
    y, years, _ = _overdispersed()
    years, y = years[-30:], y[-30:]  # 1990-2019
    ex = np.linspace(0.5, 2.0, 30)
    perm = np.random.default_rng(11).permutation(30)
    r = S.poisson_or_nb_break(y[perm], years[perm], 2005, exposure=ex[perm], alpha=0.1, engine=engine)
    X = np.column_stack([np.ones(30), years - 2005.0, (years >= 2005).astype(float)])
    off = np.log(ex)
    glm = sm.GLM(y, X, family=sm.families.Poisson(), offset=off)
    pois = glm.fit(tol=1e-13)
    hc1 = glm.fit(cov_type="HC1")
    maxlags = 3  # floor(4 * (30/100)^(2/9)) = floor(3.06)
    assert math.floor(4 * 0.3 ** (2 / 9)) == maxlags
    hac = glm.fit(cov_type="HAC", cov_kwds={"maxlags": 3})
    nb = sm.NegativeBinomial(y, X, loglike_method="nb2", offset=off).fit(disp=0, maxiter=200)
    assert nb.mle_retvals["converged"]
    a = float(nb.params[-1])
    nbglm = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=a), offset=off).fit(tol=1e-13)
    disp = pois.pearson_chi2 / 27
    z = sps.norm.ppf(0.95)
    assert disp > 1.5
    want = {
        "poisson": _sm_summary(pois.params[2], pois.bse[2], z),
        "quasipoisson": _sm_summary(pois.params[2], pois.bse[2] * math.sqrt(disp), z),
        "poisson_hc1": _sm_summary(hc1.params[2], hc1.bse[2], z),
        "poisson_hac": _sm_summary(hac.params[2], hac.bse[2], z, note="Newey-West, maxlags=3"),
        "negbin": _sm_summary(nbglm.params[2], nbglm.bse[2], z),
    }
    alts = r["alternatives"]
    assert list(alts) == list(want)
    for m in ("poisson", "quasipoisson", "poisson_hc1", "poisson_hac"):
        _assert_alt(alts[m], want[m], 1e-7)
    _assert_alt(alts["negbin"], want["negbin"], 1e-4)  # alpha-hat by another optimiser
    assert r["nb_alpha"] == pytest.approx(a, rel=1e-4)
    assert r["nb_lr_p"] == pytest.approx(0.5 * sps.chi2.sf(2 * (nb.llf - pois.llf), 1), rel=1e-3)
    assert r.method == "count break model: negbin, linear trend + post-2005 level shift"
    assert (r.estimate, r.ci_low, r.ci_high, r.p_value) == tuple(
        alts["negbin"][k] for k in ("rr", "ci_low", "ci_high", "p_value")
    )
    assert r.n == 30 and r.warnings == [] and r.reason is None
    e = dict(r.extra)
    assert e.pop("alternatives") is alts and e.pop("dispersion") == pytest.approx(disp, rel=1e-7)
    assert e.pop("nb_alpha") and e.pop("nb_lr_p")
    params = e.pop("params")
    assert list(params) == ["const", "trend", "post"] and list(params.values()) == pytest.approx(
        list(pois.params), rel=1e-7
    )
    assert e == {
        "break_year": 2005,
        "trend": True,
        "n_pre": 15,
        "n_post": 15,
        "total_pre": int(y[:15].sum()),
        "total_post": int(y[15:].sum()),
        "alpha": 0.1,
        "model_requested": "auto",
        "model_used": "negbin",
        "dispersion_threshold": 1.5,
    }


def test_break_model_without_trend_and_its_names():
    y, years, _ = _overdispersed()
    r = S.poisson_or_nb_break(y, years, 2005, trend=False, model="poisson", fits=("poisson",))
    X = np.column_stack([np.ones(len(y)), (years >= 2005).astype(float)])
    ref = sm.GLM(y, X, family=sm.families.Poisson()).fit(tol=1e-13)
    assert r.method == "count break model: poisson, post-2005 level shift"
    assert list(r["params"]) == ["const", "post"] and r["trend"] is False
    assert r.estimate == pytest.approx(math.exp(ref.params[1]), rel=1e-9)
    # without a trend the rate ratio is the ratio of the mean counts
    pre, post = y[years < 2005], y[years >= 2005]
    assert r.estimate == pytest.approx(post.mean() / pre.mean(), rel=1e-9)
    assert list(r["alternatives"]) == ["poisson"] and r["nb_alpha"] is None and r["nb_lr_p"] is None


def test_a_negative_binomial_fit_that_does_not_converge_is_not_used(monkeypatch):
    y, years, _ = _overdispersed()
    real = counts._nb2_mle_numpy

    def unconverged(*a, **k):
        fit, alpha, at_bound = real(*a, **k)
        fit.converged = False
        return fit, alpha, at_bound

    monkeypatch.setattr(counts, "_nb2_mle_numpy", unconverged)
    r = S.poisson_or_nb_break(y, years, 2005)
    nb = r["alternatives"]["negbin"]
    assert nb["converged"] is False and nb["coef"] is not None and nb["se"] > 0
    assert nb["rr"] is None and nb["ci_low"] is None and nb["ci_high"] is None and nb["p_value"] is None
    assert r["model_used"] == "poisson" and "negbin_error" not in r.extra
    assert r.warnings == ["overdispersed but negative binomial did not converge; Poisson used, its SEs are too small"]
    rn = S.poisson_or_nb_break(y, years, 2005, model="negbin")
    assert rn.reason == "negbin fit did not converge" and rn.estimate is None and rn.n == len(y)
    assert rn.warnings == [] and rn["model_used"] == "negbin"
    assert rn.method == "count break model: negbin, linear trend + post-2005 level shift"


def test_break_model_boundaries_and_inconclusive_results_in_full():
    years = np.arange(2000, 2006)
    base = {"estimate": None, "ci_low": None, "ci_high": None, "p_value": None, "warnings": []}

    def extra(y, by, n_pre, n_post, trend=True):
        pre = np.asarray(y)[np.asarray(years[: len(y)]) < by]
        post = np.asarray(y)[np.asarray(years[: len(y)]) >= by]
        return {
            "break_year": by,
            "trend": trend,
            "n_pre": n_pre,
            "n_post": n_post,
            "total_pre": int(pre.sum()),
            "total_post": int(post.sum()),
            "alpha": 0.05,
            "model_requested": "auto",
        }

    def full(y, by, reason, n_pre, n_post, trend=True):
        got = S.poisson_or_nb_break(y, years[: len(y)], by, trend=trend).to_dict()
        want = {
            "method": "count break model",
            **base,
            "n": len(y),
            "reason": reason,
            **extra(y, by, n_pre, n_post, trend),
        }
        assert got == want

    full([3, 4, 5, 6, 7, 8], 2000, "no years before or no years after the break", 0, 6)
    full([3, 4, 5, 6, 7, 8], 2006, "no years before or no years after the break", 6, 0)
    full([3, 4, 5, 6], 2002, "too few years (4) for 3 parameters", 2, 2)
    full([0, 0, 0, 0, 0, 0], 2003, "all counts are zero", 3, 3)
    full([0, 0, 0, 2, 1, 3], 2003, "no events before or after the break: rate ratio is 0 or infinite", 3, 3)
    full([2, 1, 3, 0, 0, 0], 2003, "no events before or after the break: rate ratio is 0 or infinite", 3, 3)
    # the boundaries that still give an estimate: one year before, n = k + 2, one event after
    assert S.poisson_or_nb_break([3, 4, 5, 6, 7], years[:5], 2001, fits=("poisson", "negbin")).ok
    assert S.poisson_or_nb_break([3, 4, 5, 6, 7], years[:5], 2003).ok  # 5 years, 3 parameters
    r = S.poisson_or_nb_break([2, 3, 2, 0, 1, 0], years, 2003, trend=False)
    assert r.ok and r.estimate == pytest.approx((1 / 3) / (7 / 3), rel=1e-9)
    assert S.poisson_or_nb_break([3, 4, 5, 6], years[:4], 2002, trend=False).ok  # 4 years, 2 parameters
    # exposure below 1 is fine; zero or negative is refused
    assert S.poisson_or_nb_break([3, 4, 5, 6, 7, 8], years, 2003, exposure=np.full(6, 0.5)).ok
    with pytest.raises(ValueError, match="^exposure must be positive, one per year$"):
        S.poisson_or_nb_break([3, 4, 5, 6, 7, 8], years, 2003, exposure=[1, 1, 0, 1, 1, 1])
    with pytest.raises(ValueError, match="^counts must be non-negative integers"):
        S.poisson_or_nb_break([3, 4, np.nan, 6, 7, 8], years, 2003)
    with pytest.raises(ValueError, match="^counts must be non-negative integers"):
        S.poisson_or_nb_break([3, 4, np.inf, 6, 7, 8], years, 2003)


@pytest.mark.parametrize("engine", ["numpy", "statsmodels"])
def test_an_underdispersed_series_puts_nb_alpha_at_its_lower_bound(engine):
    # counts that vary less than Poisson: the NB2 likelihood is largest as alpha -> 0 (the Poisson model)
    y = [5, 6, 5, 4, 5, 6, 5, 5, 7, 6, 7, 6, 7, 8, 7, 6]
    r = S.poisson_or_nb_break(y, np.arange(2000, 2016), 2008, engine=engine)
    nb, pois = r["alternatives"]["negbin"], r["alternatives"]["poisson"]
    assert r["dispersion"] < 1 and r["model_used"] == "poisson" and r.warnings == []
    assert nb["note"] == "alpha at lower bound: NB = Poisson"
    assert r["nb_alpha"] < math.exp(-11.5)
    assert r["nb_lr_p"] == 1.0  # LR = 0: nothing to test
    assert nb["rr"] == pytest.approx(pois["rr"], rel=1e-4)
    ref = sm.GLM(
        y, sm.add_constant(np.column_stack([np.arange(-8, 8), np.arange(16) >= 8])), family=sm.families.Poisson()
    )
    assert pois["rr"] == pytest.approx(math.exp(ref.fit(tol=1e-13).params[2]), rel=1e-8)


def test_no_warning_at_the_dispersion_threshold_itself():
    y, years, _ = _overdispersed()
    d = S.poisson_or_nb_break(y, years, 2005)["dispersion"]
    at = S.poisson_or_nb_break(y, years, 2005, dispersion_threshold=d)
    assert at["model_used"] == "poisson" and at.warnings == []  # not overdispersed by the rule (>)
    assert S.poisson_or_nb_break(y, years, 2005, model="negbin", dispersion_threshold=d).warnings == []


# --------------------------------------------------------------------------- logit: the statsmodels engine's errors


def _fake_glm(exc):
    GLM, families = __import__("analysis.stats._lazy", fromlist=["_sm_glm"])._sm_glm()

    class Failing:
        def __init__(self, *a, **k):
            pass

        def fit(self, **kw):
            raise exc

    return lambda: (Failing, families)


def test_a_failing_statsmodels_logit_fit_is_named_and_a_bug_propagates(monkeypatch):
    from analysis.stats import logit

    y, x = _sep_data(1)
    monkeypatch.setattr(logit, "_sm_glm", _fake_glm(np.linalg.LinAlgError("Singular matrix")))
    r = S.logit_clustered(y, {"x": x}, None, "x", engine="statsmodels")
    assert r.reason == "fit failed: LinAlgError: Singular matrix" and r.estimate is None
    assert r.method == "logit, model-based SE, normal inference [statsmodels]" and r.n == len(y)
    assert (r["term"], r["engine"], r["cov_type"], r["n_dropped"]) == ("x", "statsmodels", "model-based", 0)
    monkeypatch.setattr(logit, "_sm_glm", _fake_glm(TypeError("a programming error")))
    with pytest.raises(TypeError, match="a programming error"):
        S.logit_clustered(y, {"x": x}, None, "x", engine="statsmodels")


# --------------------------------------------------------------------------- logit: every field of a fit


def _small_panel(n=240, G=12, seed=4):
    import pandas as pd

    rng = np.random.default_rng(seed)
    g = rng.integers(0, G, n)
    X = pd.DataFrame({"x": rng.normal(size=n), "d": rng.integers(0, 2, n).astype(float)})
    eta = -0.4 + 0.6 * X["x"].to_numpy() + 0.5 * X["d"].to_numpy() + rng.normal(scale=0.5, size=G)[g]
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    return y, X, g


@pytest.mark.parametrize("engine", ["numpy", "statsmodels"])
@pytest.mark.parametrize("use_t", [False, True])
@pytest.mark.parametrize("clustered", [False, True])
def test_logit_every_field_against_statsmodels(engine, use_t, clustered):
    y, X, g = _small_panel()
    alpha = 0.1
    Xc = sm.add_constant(X)
    kw = {"cov_type": "cluster", "cov_kwds": {"groups": g}} if clustered else {}
    ref = sm.GLM(y, Xc, family=sm.families.Binomial()).fit(tol=1e-12, use_t=use_t, **kw)
    r = S.logit_clustered(y, X, g if clustered else None, "d", alpha=alpha, use_t=use_t, engine=engine)
    lo, hi = ref.conf_int(alpha=alpha).loc["d"]
    b, se = ref.params["d"], ref.bse["d"]
    if use_t:  # statsmodels: t with G - 1 df when clustered, else df_resid = n - k
        df = 11 if clustered else 240 - 3
        q = sps.t.ppf(0.95, df)
        p = 2 * sps.t.sf(abs(b / se), df)
    else:
        q = sps.norm.ppf(0.95)
        p = 2 * sps.norm.sf(abs(b / se))
    assert (lo, hi) == pytest.approx((b - q * se, b + q * se), rel=1e-9)  # the reference's own interval
    cov = "cluster (CRV1)" if clustered else "model-based"
    dist = ("t(G-1)" if clustered else "t(n-k)") if use_t else "normal"
    assert r.method == f"logit, {cov} SE, {dist} inference [{engine}]"
    assert (r.estimate, r.ci_low, r.ci_high, r.p_value) == pytest.approx((b, lo, hi, p), rel=1e-6)
    assert r.n == 240 and r.reason is None
    assert r.warnings == (["only 12 clusters: cluster-robust SEs may be too small"] if clustered else [])
    e = dict(r.extra)
    assert list(e) == [
        "term",
        "cluster",
        "n_clusters",
        "n_dropped",
        "engine",
        "cov_type",
        "se",
        "odds_ratio",
        "or_ci_low",
        "or_ci_high",
        "converged",
        "n_iter",
        "llf",
        "params",
        "bse",
        "alpha",
    ]
    assert (e["term"], e["cluster"], e["n_clusters"], e["n_dropped"], e["engine"], e["cov_type"]) == (
        "d",
        "default" if clustered else None,
        12 if clustered else None,
        0,
        engine,
        cov,
    )
    assert e["se"] == pytest.approx(se, rel=1e-6)
    assert (e["odds_ratio"], e["or_ci_low"], e["or_ci_high"]) == pytest.approx(
        (math.exp(b), math.exp(lo), math.exp(hi)), rel=1e-6
    )
    assert e["converged"] is True and 1 <= e["n_iter"] <= 100 and e["alpha"] == 0.1
    assert e["llf"] == pytest.approx(ref.llf, rel=1e-10)
    assert list(e["params"]) == list(e["bse"]) == ["const", "x", "d"]
    assert list(e["params"].values()) == pytest.approx(list(ref.params), rel=1e-6)
    assert list(e["bse"].values()) == pytest.approx(list(ref.bse), rel=1e-6)


def test_logit_inconclusive_results_name_the_reason_in_full():
    import pandas as pd

    y, X, g = _small_panel()

    def check(r, reason, n=240, cluster="default", n_clusters=12, n_dropped=0, engine="numpy"):
        cov = "cluster (CRV1)" if cluster else "model-based"
        assert r.to_dict() == {
            "method": f"logit, {cov} SE, normal inference [{engine}]",
            "estimate": None,
            "ci_low": None,
            "ci_high": None,
            "p_value": None,
            "n": n,
            "reason": reason,
            "warnings": [],
            "term": "d",
            "cluster": cluster,
            "n_clusters": n_clusters,
            "n_dropped": n_dropped,
            "engine": engine,
            "cov_type": cov,
        }

    check(S.logit_clustered(np.zeros(240), X, g, "d"), "outcome has no variation")
    check(S.logit_clustered(np.ones(240), X, g, "d"), "outcome has no variation")
    check(
        S.logit_clustered([0, 1, 0], pd.DataFrame({"x": [0.1, 0.5, -0.2], "d": [0.0, 1.0, 1.0]}), [0, 1, 2], "d"),
        "too few observations (3) for 3 parameters",
        n=3,
        n_clusters=3,
    )
    check(
        S.logit_clustered(y, X, np.zeros(240), "d"), "fewer than 2 clusters: cluster-robust SEs undefined", n_clusters=1
    )
    check(S.logit_clustered(y, X.assign(d=0.0), g, "d"), "term 'd' has no variation")
    check(S.logit_clustered(y, X.assign(z=2 * X["x"]), g, "d"), "design matrix is rank-deficient: collinear columns")
    check(S.logit_clustered(y, X.assign(z=0.0), g, "d"), "design matrix is rank-deficient: no variation in ['z']")
    check(
        S.logit_clustered(y, X.assign(d=y), g, "d"),
        "term 'd' separates the outcome (a zero cell in d x outcome): the MLE does not exist",
    )
    check(S.logit_clustered(y, X, g, "d", max_iter=1), "did not converge in 1 iterations")
    check(
        S.logit_clustered(y, X, None, "d", max_iter=1, engine="statsmodels"),
        "did not converge in 1 iterations",
        cluster=None,
        n_clusters=None,
        engine="statsmodels",
    )
    Xm = X.copy()
    Xm.loc[:4, "x"] = np.nan
    nan_all = pd.DataFrame({"x": np.full(240, np.nan), "d": X["d"]})
    check(S.logit_clustered(y, nan_all, g, "d"), "no complete observations", n=0, n_clusters=0, n_dropped=240)
    m = S.logit_clustered(y, Xm, g, "d")
    assert m.ok and m.n == 235 and m["n_dropped"] == 5
    ref = sm.GLM(y[5:], sm.add_constant(X.iloc[5:]), family=sm.families.Binomial()).fit(
        cov_type="cluster", cov_kwds={"groups": g[5:]}, tol=1e-12
    )
    assert m.estimate == pytest.approx(ref.params["d"], rel=1e-6) and m["se"] == pytest.approx(ref.bse["d"], rel=1e-6)
    with pytest.raises(ValueError, match="^5 rows have missing values$"):
        S.logit_clustered(y, Xm, g, "d", missing="raise")


def test_fit_logit_numpy_fields_start_and_prebuilt_clustering():
    y, X, g = _small_panel()
    Xc = sm.add_constant(X).to_numpy()
    ref = sm.GLM(y, Xc, family=sm.families.Binomial()).fit(tol=1e-12)
    f = S.fit_logit_numpy(Xc, y.tolist())
    assert f.converged and f.error is None and f.n_clusters is None and 3 <= f.n_iter <= 10
    np.testing.assert_allclose(f.fitted, ref.fittedvalues, rtol=1e-7)
    np.testing.assert_allclose(f.params, ref.params, rtol=1e-7)
    assert f.llf == pytest.approx(ref.llf, rel=1e-12)
    # started at the maximum, Newton stops after one step with the same estimates
    s = S.fit_logit_numpy(Xc, y, start=ref.params.tolist())
    assert s.n_iter == 1 and s.converged
    np.testing.assert_allclose(s.params, ref.params, rtol=1e-7)
    # a prebuilt Clustering gives the same covariance as the labels
    a, b = S.fit_logit_numpy(Xc, y, g), S.fit_logit_numpy(Xc, y, S.Clustering(g))
    assert a.n_clusters == b.n_clusters == 12
    np.testing.assert_array_equal(a.cov, b.cov)
    # a singular design is named, with no covariance
    bad = S.fit_logit_numpy(np.column_stack([Xc, Xc[:, 1]]), y)
    assert bad.error == "singular information matrix" and bad.cov is None and np.isnan(bad.bse).all()


def test_one_cluster_sandwich_has_no_small_sample_factor():
    # G = 1: the factor G/(G-1) is undefined, so none is applied; at the MLE the one cluster's
    # score sum is X'(y - p) = 0, so the sandwich is zero (LogitData refuses G < 2 before this)
    y, X, _ = _small_panel()
    Xc = sm.add_constant(X).to_numpy()
    f = S.fit_logit_numpy(Xc, y, np.zeros(len(y)))
    assert f.n_clusters == 1 and f.error is None
    assert np.abs(f.cov).max() < 1e-12


def test_logit_clustered_passes_names_and_add_const():
    y, X, g = _small_panel()
    arr = X.to_numpy()
    r = S.logit_clustered(y, arr, g, "d", names=["x", "d"])
    ref = S.logit_clustered(y, X, g, "d")
    assert r.estimate == ref.estimate and list(r["params"]) == ["const", "x", "d"]
    nc = S.logit_clustered(y, arr, g, "d", names=["x", "d"], add_const=False)
    glm = sm.GLM(y, arr, family=sm.families.Binomial()).fit(tol=1e-12)
    assert list(nc["params"]) == ["x", "d"] and nc.estimate == pytest.approx(glm.params[1], rel=1e-6)
    # cluster labels as a column (n x 1) are the same clustering
    assert S.Clustering(np.asarray(g)[:, None]).codes.tolist() == S.Clustering(g).codes.tolist()


def test_a_warm_start_from_an_unconverged_fit_is_ignored():
    y, X, g = _small_panel()
    cold = S.LogitData(y, X.assign(z=X["x"] ** 2)).core(2)
    assert not cold.converged
    other = S.LogitData(y, X)
    assert not other.core(2).converged  # the sibling did not converge in 2 iterations either
    warm = S.LogitData(y, X.assign(z=X["x"] ** 2))
    warm.warm_start_from(other)
    np.testing.assert_array_equal(warm.core(2).params, cold.params)  # started cold, as if alone


def test_newton_starts_at_zero_with_the_intercept_at_the_logit_of_the_mean():
    """The documented start, seen with max_iter=0 (no step taken): b = 0, and the column of ones
    (wherever it is; a binary column is not one) at logit(mean y), mean y kept in [1e-6, 1 - 1e-6]."""
    y, X, _ = _small_panel()
    ybar = y.mean()
    Xr = np.column_stack([X["d"], X["x"], np.ones(len(y))])  # binary first, the constant last
    f = S.fit_logit_numpy(Xr, y, max_iter=0)
    assert f.n_iter == 0 and not f.converged
    assert f.params.tolist() == [0.0, 0.0, pytest.approx(math.log(ybar / (1 - ybar)), rel=1e-12)]
    for yy, m in ((np.ones(len(y)), 1 - 1e-6), (np.zeros(len(y)), 1e-6)):
        f = S.fit_logit_numpy(Xr, yy, max_iter=0)
        assert f.params[2] == pytest.approx(math.log(m / (1 - m)), rel=1e-9) and f.params[0] == 0.0
    # without a column of ones everything starts at 0; one Newton step from there is the textbook step
    Xn = np.column_stack([X["d"], X["x"]])
    assert S.fit_logit_numpy(Xn, y, max_iter=0).params.tolist() == [0.0, 0.0]
    one = S.fit_logit_numpy(Xn, y, max_iter=1)
    p = np.full(len(y), 0.5)
    step = np.linalg.solve((Xn.T * (p * (1 - p))) @ Xn, Xn.T @ (y - p))
    assert one.n_iter == 1 and one.params == pytest.approx(step, rel=1e-12)


def test_projected_break_negative_binomial_with_trend_and_without_convergence(monkeypatch):
    from statsmodels.discrete import discrete_model

    years = np.arange(1980, 1996)
    ex = np.full(len(years), 10.0)
    y = np.array([1, 9, 0, 12, 2, 0, 15, 1, 3, 20, 6, 8, 14, 5, 9, 11], float)
    pre, post = years < 1990, years >= 1990
    X = np.column_stack([np.ones(16), (years - 1990) / 10.0])
    r = S.projected_break(y, years, 1990, exposure=ex)
    nb = discrete_model.NegativeBinomial(y[pre], X[pre], loglike_method="nb2", offset=np.log(ex[pre])).fit(disp=0)
    M = np.exp(X[post] @ nb.params[:2] + np.log(ex[post])).sum()
    assert r["model_used"] == "negative binomial (NB2)" and r["nb_alpha"] == pytest.approx(nb.params[2], rel=1e-6)
    assert r["params"] == pytest.approx(list(nb.params[:2]), rel=1e-6)
    assert r.estimate == pytest.approx(y[post].sum() / M, rel=1e-6)
    # at a threshold equal to the dispersion the rule (>) keeps Poisson
    at = S.projected_break(y, years, 1990, exposure=ex, dispersion_threshold=r["dispersion"])
    assert at["model_used"] == "poisson" and "nb_alpha" not in at.extra
    # an NB fit that does not converge: no estimate, and the reason says why
    real = discrete_model.NegativeBinomial.fit

    def unconverged(self, *a, **k):
        res = real(self, *a, **k)
        res.mle_retvals["converged"] = False
        return res

    monkeypatch.setattr(discrete_model.NegativeBinomial, "fit", unconverged)
    u = S.projected_break(y, years, 1990, exposure=ex)
    assert u.reason == (
        "the negative binomial fit of the pre-period did not converge (the declared dispersion check requires it)"
    )
    assert u.n == 16 and u.estimate is None and u.method == r.method
    assert u["dispersion"] == r["dispersion"] and u["total_pre"] == int(y[pre].sum()) and u["n_pre"] == 10


def test_projected_break_too_few_years_keeps_its_method():
    years, ex, y = _pb_series()
    few = S.projected_break(y[2:], years[2:], 1996, exposure=ex[2:], trend=False, dispersion_threshold=2.0)
    assert few.method == (
        "projected break: observed / expected onsets from 1996, the expectation projected from a constant-rate "
        "model fitted to the years before it only (Poisson, or NB2 when the pre-period Pearson dispersion "
        "exceeds 2.0); Wald interval on the log ratio"
    )


def test_logit_fit_argument_errors_and_the_plain_loop_engine():
    y, X, g = _small_panel()
    d = S.LogitData(y, X, {"country": g})
    with pytest.raises(ValueError, match=r"^engine must be 'numpy' or 'statsmodels'$"):
        d.fit("d", engine="R")
    with pytest.raises(ValueError, match=r"^term 'z' not in design columns \['const', 'x', 'd'\]$"):
        d.fit("z")
    with pytest.raises(ValueError, match=r"^unknown clustering 'region'; have \['country'\]$"):
        d.fit("d", cluster="region")
    with S.plain_loop():
        r = d.fit("d")
    assert r["engine"] == "statsmodels" and r.method.endswith("[statsmodels]") and r["cluster"] == "country"
    assert r.estimate == pytest.approx(d.fit("d").estimate, rel=1e-7)
    # without clusterings, cluster=None means model-based errors
    m = S.LogitData(y, X).fit("d")
    assert m["cluster"] is None and m["cov_type"] == "model-based" and m["n_clusters"] is None


@pytest.mark.parametrize("n,maxlags", [(12, 2), (25, 2), (30, 3), (74, 3), (100, 4), (150, 4)])
def test_newey_west_maxlags_rule(n, maxlags):
    """maxlags = floor(4 (n/100)^(2/9)) (Newey and West 1994), worked out by hand for each n."""
    rng = np.random.default_rng(n)
    y = rng.poisson(6.0, n)
    years = np.arange(1900, 1900 + n)
    by = 1900 + n // 2
    r = S.poisson_or_nb_break(y, years, by, model="poisson_hac", fits=("poisson", "poisson_hac"))
    hac = r["alternatives"]["poisson_hac"]
    assert hac["note"] == f"Newey-West, maxlags={maxlags}"
    X = np.column_stack([np.ones(n), years - by, (years >= by).astype(float)])
    ref = sm.GLM(y, X, family=sm.families.Poisson()).fit(cov_type="HAC", cov_kwds={"maxlags": maxlags})
    assert hac["se"] == pytest.approx(ref.bse[2], rel=1e-6) and r.estimate == pytest.approx(math.exp(ref.params[2]))


def test_separation_by_a_continuous_column_complete_and_quasi(monkeypatch):
    from analysis.stats import logit

    x = np.linspace(-1, 1, 40)
    y = (x > 0).astype(float)  # x separates y, but is not binary: the pre-check cannot see it
    r = S.logit_clustered(y, {"x": x}, None, "x")
    assert r.to_dict() == {
        "method": "logit, model-based SE, normal inference [numpy]",
        "estimate": None,
        "ci_low": None,
        "ci_high": None,
        "p_value": None,
        "n": 40,
        "reason": "complete separation: every observation fitted at 0 or 1",
        "warnings": [],
        "term": "x",
        "cluster": None,
        "n_clusters": None,
        "n_dropped": 0,
        "engine": "numpy",
        "cov_type": "model-based",
    }
    # quasi-separation: y = 1 where x > 0, 0 where x < 0, mixed at x = 0 (the MLE is at infinity;
    # every observation away from 0 is fitted at 0 or 1, those at 0 at their share of events)
    xq = np.tile(np.arange(-3.0, 4.0), 6)
    yq = np.where(xq > 0, 1.0, 0.0)
    yq[xq == 0] = [1, 0, 1, 0, 1, 1]
    q = S.logit_clustered(yq, {"x": xq}, None, "x")
    assert q.warnings == ["36 observations fitted at 0 or 1 (quasi-separation)"], (q.reason, q.warnings)
    # a standard error of zero is not an estimate
    monkeypatch.setattr(logit, "_crv1", lambda X, resid, hinv, cl: np.zeros_like(hinv))
    z = S.logit_clustered(yq, {"x": xq + np.tile([0.5] * 6 + [0.0], 6)}, np.arange(42) % 5, "x")
    assert z.reason == "standard error is zero or undefined" and z.n == 42 and z.method.startswith("logit, cluster")
    assert z["term"] == "x" and z["n_clusters"] == 5


def test_logit_outcome_input_forms():
    y, X, g = _small_panel()
    ref = S.logit_clustered(y, X, g, "d")
    assert S.logit_clustered(y.astype(bool), X, g, "d").estimate == ref.estimate
    assert S.logit_clustered(y[:, None], X, g, "d").estimate == ref.estimate  # a column vector
    yo = np.array(y.tolist(), dtype=object)
    yo[0] = None  # missing: dropped and counted
    r = S.logit_clustered(yo, X, g, "d")
    assert r.n == 239 and r["n_dropped"] == 1
    with pytest.raises(ValueError, match="^y must be numeric$"):
        S.logit_clustered(["yes"] + [0] * 239, X, g, "d")


def test_which_constant_column_is_the_intercept():
    y, X, _ = _small_panel()
    x, ones = X["x"].to_numpy(), np.ones(240)
    # a column named const is the intercept, wherever it stands; another constant has no variation
    d = {"k": ones, "const": ones, "x": x}
    assert S.logit_clustered(y, d, None, "k").reason == "term 'k' has no variation"
    assert S.logit_clustered(y, d, None, "x").reason == "design matrix is rank-deficient: no variation in ['k']"
    # without one, the first non-zero constant column is the intercept
    d = {"a": ones, "b": 2 * ones, "x": x}
    assert S.logit_clustered(y, d, None, "b").reason == "term 'b' has no variation"
    assert S.logit_clustered(y, d, None, "x").reason == "design matrix is rank-deficient: no variation in ['b']"
    # an intercept after a varying column is still the intercept, and can be reported
    a = S.logit_clustered(y, {"x": x, "a": ones}, None, "a")
    ref = sm.GLM(y, np.column_stack([x, ones]), family=sm.families.Binomial()).fit(tol=1e-12)
    assert a.ok and a.estimate == pytest.approx(ref.params[1], rel=1e-6)


def test_separation_checks_binary_columns_only_and_rank_is_scale_free():
    # x in {0, 0.5, 1} with x > 0 only among events: not a binary column, so not blocked by the
    # pre-check (the fit then sees the quasi-separation itself)
    x = np.tile([1.0, 0.5, 0.0, 0.0], 10)
    y = np.tile([1.0, 1.0, 1.0, 0.0], 10)
    r = S.logit_clustered(y, {"x": x}, None, "x")
    assert "separates the outcome" not in (r.reason or "")
    # without a constant an all-event x = 0 group is no zero cell of the x = 1 column
    xb = np.array([1, 1, 1, 1, 0, 0, 0, 0], float)
    yb = np.array([1, 0, 1, 0, 1, 1, 1, 1], float)
    assert S.LogitData(yb, {"x": xb}, add_const=False)._checks["separated"] == []
    assert S.LogitData(yb, {"x": xb})._checks["separated"] == ["x"]
    # columns on very different scales are not rank-deficient (the check works on correlations)
    yy, X, _ = _small_panel()
    small = S.logit_clustered(yy, {"x": X["x"] * 1e-4, "d": X["d"] * 1e4}, None, "d")
    assert small.ok and small.estimate == pytest.approx(S.logit_clustered(yy, X, None, "d").estimate * 1e-4, rel=1e-6)
