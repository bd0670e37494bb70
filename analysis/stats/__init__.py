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
depend on the order in which specifications are run (each fit starts from the same
point, or, in the NB2 profile search, from the previous step of a fixed sequence;
seeds come from `step_seed`).

One module per family; each docstring says what it offers, which library it stands on
and why anything in it is written by hand:

    results     StatResult, json_safe and the argument checks every estimator shares
    exact       one proportion, two proportions and 2x2 tables (Fisher, Newcombe), risk
                and rate ratios, the exact trend test; the vectorised `*_many` functions
    logit       clustered logits: LogitData (validate and fit once), logit_clustered,
                fit_logit_numpy, Clustering
    counts      yearly count series: poisson_or_nb_break, projected_break
    resampling  step_seed, permutation_test
    speccurve   spec_curve, DesignCache, curve_records
    reference   plain_loop(): the same work as one scipy/statsmodels call per specification
    _lazy       scipy.stats and statsmodels' GLM, imported on first use

The public names are re-exported here (`from analysis.stats import spec_curve`). A test
that replaces a function for one call patches the module that looks it up (for example
`analysis.stats.counts._nb2_mle_numpy`): patching this package's name would not reach it.
"""

from __future__ import annotations

from .counts import COUNT_MODELS, poisson_or_nb_break, projected_break
from .exact import (
    binom_test_many,
    binom_test_vs,
    exact_score_trend,
    fisher_2x2,
    fisher_p_many,
    newcombe_diff_ci_many,
    proportion,
    proportion_ci_many,
    rate_ratio,
    risk_ratio,
    wilson_ci_many,
)
from .logit import Clustering, LogitData, LogitFit, fit_logit_numpy, logit_clustered
from .reference import plain_loop, plain_loop_active
from .resampling import permutation_test, step_seed
from .results import StatResult, json_safe
from .speccurve import DesignCache, curve_records, spec_curve

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
    "exact_score_trend",
    "LogitFit",
    "Clustering",
    "fit_logit_numpy",
    "LogitData",
    "logit_clustered",
    "COUNT_MODELS",
    "poisson_or_nb_break",
    "projected_break",
    "permutation_test",
    "step_seed",
    "DesignCache",
    "spec_curve",
    "curve_records",
]
