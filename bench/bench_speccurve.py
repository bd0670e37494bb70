"""Benchmark: a 600-specification curve, fast path vs a plain statsmodels loop.

Synthetic country-year panel like the project's (150 countries x 67 years = 10,050
rows, 6 regions, rare binary outcomes, a persistent binary treatment). Three
families of specifications, all over the same choice dimensions where they apply:

  logit  5 samples x 4 control sets x 3 outcomes x 2 treatments x 2 clusterings = 240
  2x2    5 samples x 3 outcomes x 6 periods x 2 treatments (risk difference with
         Newcombe interval + Fisher two-sided p)                               = 180
  share  5 samples x 3 outcomes x 6 periods x 2 benchmarks p0 (share of treated
         years with the outcome, Clopper-Pearson + exact one-sided binomial)   = 180

Baseline ("plain loop"): for each spec, subset the DataFrame with pandas and call
statsmodels GLM(cov_type="cluster") / scipy fisher_exact + statsmodels Newcombe /
scipy binomtest. Fast path: analysis.stats.spec_curve with a DesignCache of
LogitData (one point fit per design, shared by both clusterings; numpy Newton +
CRV1 sandwich) and vectorised batch functions for the 2x2 and share specs.
The script checks that both paths give the same numbers and prints figures; it
does not assert. Timings on a shared machine are noisy: figures are best-of-N
wall-clock; run with OPENBLAS_NUM_THREADS=1 to compare single-threaded code (the
GLM loop otherwise spreads BLAS work over both cores and is very load-sensitive).
Usage:
    python bench/bench_speccurve.py [--repeats N] [--loop-repeats M] [--seed S]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import statsmodels.api as sm  # noqa: E402
from scipy import stats as sps  # noqa: E402
from statsmodels.stats.proportion import confint_proportions_2indep  # noqa: E402

from analysis import stats as S  # noqa: E402
from analysis.claims.decision import classify_curve  # noqa: E402
from analysis.claims.registry import Claim  # noqa: E402

SAMPLES = ["all", "post1989", "excl_region0", "pre2005", "c3_pos"]
CONTROLS = {"none": [], "base": ["c1", "c2"], "mid": ["c1", "c2", "c3"], "full": ["c1", "c2", "c3", "c4", "c5"]}
OUTCOMES = ["y_a", "y_b", "y_c"]
TREATMENTS = ["d", "d_lag"]
CLUSTERS = ["country", "region"]
PERIODS = {
    "1950-69": (1950, 1969),
    "1970-89": (1970, 1989),
    "1990-04": (1990, 2004),
    "2005-16": (2005, 2016),
    "1950-89": (1950, 1989),
    "1990-16": (1990, 2016),
}
P0 = [0.05, 0.10]


def make_panel(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    years = np.arange(1950, 2017)
    G, T = 150, len(years)
    country = np.repeat(np.arange(G), T)
    year = np.tile(years, G)
    region = country % 6
    c = rng.normal(size=(G * T, 5)) + rng.normal(scale=0.8, size=(G, 5))[country]
    # persistent treatment: a country-level propensity, switched on in spells
    prop = rng.normal(-2.6, 0.8, size=G)[country] + 0.4 * c[:, 0]
    d = (rng.random(G * T) < 1 / (1 + np.exp(-prop))).astype(float)
    d_lag = np.r_[0.0, d[:-1]]
    d_lag[year == years[0]] = 0.0
    u = rng.normal(scale=0.6, size=G)[country]
    df = pd.DataFrame({"country": country, "region": region, "year": year, "d": d, "d_lag": d_lag})
    for j in range(5):
        df[f"c{j + 1}"] = c[:, j]
    for name, (b0, bd) in {"y_a": (-2.8, 0.6), "y_b": (-3.2, 0.3), "y_c": (-2.4, 0.0)}.items():
        eta = b0 + bd * d + 0.3 * c[:, 0] - 0.2 * c[:, 1] + 0.1 * c[:, 2] + u
        df[name] = (rng.random(G * T) < 1 / (1 + np.exp(-eta))).astype(float)
    return df


def sample_mask(df: pd.DataFrame, s: str) -> np.ndarray:
    return {
        "all": np.ones(len(df), bool),
        "post1989": (df["year"] >= 1990).to_numpy(),
        "excl_region0": (df["region"] != 0).to_numpy(),
        "pre2005": (df["year"] < 2005).to_numpy(),
        "c3_pos": (df["c3"] > 0).to_numpy(),
    }[s]


LOGIT_DIMS = {
    "sample": SAMPLES,
    "controls": list(CONTROLS),
    "outcome": OUTCOMES,
    "treatment": TREATMENTS,
    "cluster": CLUSTERS,
}
TWO_DIMS = {"sample": SAMPLES, "outcome": OUTCOMES, "period": list(PERIODS), "treatment": TREATMENTS}
SHARE_DIMS = {"sample": SAMPLES, "outcome": OUTCOMES, "period": list(PERIODS), "p0": P0}
#: the registry's decision rule (analysis.claims.decision), with the bounds a synthetic claim would
#: declare: an estimate (log-odds ratio, risk difference, share minus p0 via p) wholly above 0 supports
BENCH_CLAIM = Claim(
    "BENCH1",
    {
        "min_n": 1,
        "decision": {"support": {"above": 0.0}, "contradict": {"below": 0.0}},
        "decided_by": {"statistic": "interval", "test": "95% interval"},
        "primary": {},
        "specifications": {},
    },
    0.05,
    0.8,
)
SHARE_CLAIM = Claim(
    "BENCH2",
    {
        "min_n": 1,
        "decision": {"support": {"above": 0.0}, "contradict": {"below": 0.0}},
        "decided_by": {"statistic": "p_value", "test": "exact binomial (greater)"},
        "primary": {},
        "specifications": {},
    },
    0.05,
    0.8,
)


def decide(curve: pd.DataFrame, claim: Claim = BENCH_CLAIM) -> pd.DataFrame:
    """The registry's rule applied to a benchmark curve (the `outcome` of every specification)."""
    return classify_curve(curve, claim)


# ------------------------------------------------------------------ plain loop


def baseline(
    df: pd.DataFrame, logit_engine: str = "glm", families=("logit", "2x2", "share")
) -> dict[str, pd.DataFrame]:
    def logit(sample, controls, outcome, treatment, cluster):
        sub = df[sample_mask(df, sample)]
        X = sm.add_constant(sub[[treatment] + CONTROLS[controls]])
        if logit_engine == "glm":
            r = sm.GLM(sub[outcome], X, family=sm.families.Binomial()).fit(
                cov_type="cluster", cov_kwds={"groups": sub[cluster]}
            )
        else:
            r = sm.Logit(sub[outcome], X).fit(disp=0, cov_type="cluster", cov_kwds={"groups": sub[cluster]})
        lo, hi = r.conf_int().loc[treatment]
        return {
            "estimate": r.params[treatment],
            "ci_low": lo,
            "ci_high": hi,
            "p_value": r.pvalues[treatment],
            "n": int(r.nobs),
        }

    def two(sample, outcome, period, treatment):
        y0, y1 = PERIODS[period]
        sub = df[sample_mask(df, sample) & df["year"].between(y0, y1).to_numpy()]
        t = sub[treatment] == 1
        a, n1 = int(sub.loc[t, outcome].sum()), int(t.sum())
        c, n2 = int(sub.loc[~t, outcome].sum()), int((~t).sum())
        p = sps.fisher_exact([[a, n1 - a], [c, n2 - c]]).pvalue
        lo, hi = confint_proportions_2indep(a, n1, c, n2, method="newcomb", compare="diff")
        return {"estimate": a / n1 - c / n2, "ci_low": lo, "ci_high": hi, "p_value": p, "n": n1 + n2}

    def share(sample, outcome, period, p0):
        y0, y1 = PERIODS[period]
        sub = df[sample_mask(df, sample) & df["year"].between(y0, y1).to_numpy() & (df["d"] == 1).to_numpy()]
        k, n = int(sub[outcome].sum()), len(sub)
        ci = sps.binomtest(k, n).proportion_ci(method="exact")
        p = sps.binomtest(k, n, p0, alternative="greater").pvalue
        return {"estimate": k / n, "ci_low": ci.low, "ci_high": ci.high, "p_value": p, "n": n}

    out = {}
    if "logit" in families:
        out["logit"] = decide(S.spec_curve(LOGIT_DIMS, logit, key="bench/logit"))
    if "2x2" in families:
        out["2x2"] = decide(S.spec_curve(TWO_DIMS, two, key="bench/2x2"))
    if "share" in families:
        out["share"] = decide(S.spec_curve(SHARE_DIMS, share, key="bench/share"), SHARE_CLAIM)
    return out


# ------------------------------------------------------------------- fast path


def fast(df: pd.DataFrame, families=("logit", "2x2", "share")) -> dict[str, pd.DataFrame]:
    cache = S.DesignCache()
    cols = ["d", "d_lag", "c1", "c2", "c3", "c4", "c5"] + OUTCOMES
    M = df[cols].to_numpy(dtype=float)
    col = {c: i for i, c in enumerate(cols)}
    year = df["year"].to_numpy()
    full_cl = {c: S.Clustering(df[c].to_numpy()) for c in CLUSTERS}

    def mask(sample):
        return cache.get(("mask", sample), lambda: sample_mask(df, sample))

    def clusterings(sample):
        return cache.get(("cl", sample), lambda: {c: full_cl[c].subset(mask(sample)) for c in CLUSTERS})

    def logit(sample, controls, outcome, treatment, cluster, cache):
        def build():
            m = mask(sample)
            names = [treatment] + CONTROLS[controls]
            return S.LogitData(M[m, col[outcome]], M[m][:, [col[c] for c in names]], clusterings(sample), names=names)

        return cache.get(("logit", sample, controls, outcome, treatment), build).fit(treatment, cluster=cluster)

    def period_mask(sample, period):
        def build():
            y0, y1 = PERIODS[period]
            return mask(sample) & (year >= y0) & (year <= y1)

        return cache.get(("pm", sample, period), build)

    def two(grid):
        a, n1, c, n2 = (np.empty(len(grid), np.int64) for _ in range(4))
        for i, (s, o, p, t) in enumerate(zip(grid["sample"], grid["outcome"], grid["period"], grid["treatment"])):
            m = period_mask(s, p)
            on = M[:, col[t]] == 1
            tr, ct = m & on, m & ~on
            yv = M[:, col[o]]
            a[i], n1[i], c[i], n2[i] = yv[tr].sum(), tr.sum(), yv[ct].sum(), ct.sum()
        rd, lo, hi = S.newcombe_diff_ci_many(a, n1, c, n2)
        p = S.fisher_p_many(a, n1 - a, c, n2 - c)
        reason = np.where((n1 == 0) | (n2 == 0), "a group is empty", None)
        return pd.DataFrame(
            {
                "estimate": rd,
                "ci_low": lo,
                "ci_high": hi,
                "p_value": p,
                "n": n1 + n2,
                "method": "risk difference, Newcombe interval; Fisher exact p",
                "reason": reason,
            }
        )

    def share(grid):
        k, n = np.empty(len(grid), np.int64), np.empty(len(grid), np.int64)
        for i, (s, o, p) in enumerate(zip(grid["sample"], grid["outcome"], grid["period"])):
            m = period_mask(s, p) & (M[:, col["d"]] == 1)
            k[i], n[i] = M[m, col[o]].sum(), m.sum()
        lo, hi = S.proportion_ci_many(k, n)
        pv = S.binom_test_many(k, n, grid["p0"].to_numpy(dtype=float), "greater")
        with np.errstate(invalid="ignore", divide="ignore"):
            est = k / n
        return pd.DataFrame(
            {
                "estimate": est,
                "ci_low": lo,
                "ci_high": hi,
                "p_value": pv,
                "n": n,
                "method": "share, Clopper-Pearson; exact binomial (greater)",
                "reason": np.where(n == 0, "n = 0", None),
            }
        )

    out: dict = {"_cache": cache}
    if "logit" in families:
        out["logit"] = decide(S.spec_curve(LOGIT_DIMS, logit, key="bench/logit", cache=cache))
    if "2x2" in families:
        out["2x2"] = decide(S.spec_curve(TWO_DIMS, batch_fn=two, key="bench/2x2"))
    if "share" in families:
        out["share"] = decide(S.spec_curve(SHARE_DIMS, batch_fn=share, key="bench/share"), SHARE_CLAIM)
    return out


def timed(fn, *args, repeats=1):
    """Best-of-`repeats` (wall seconds, CPU seconds of this process) and the last result."""
    best_w, best_c, res = float("inf"), float("inf"), None
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        res = fn(*args)
        best_w = min(best_w, time.perf_counter() - w0)
        best_c = min(best_c, time.process_time() - c0)
    return (best_w, best_c), res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5, help="fast-path repeats (best of)")
    ap.add_argument("--loop-repeats", type=int, default=2, help="plain-loop repeats (best of)")
    ap.add_argument("--seed", type=int, default=20261125)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    df = make_panel(args.seed)
    n_specs = {
        k: int(np.prod([len(v) for v in d.values()]))
        for k, d in (("logit", LOGIT_DIMS), ("2x2", TWO_DIMS), ("share", SHARE_DIMS))
    }
    total = sum(n_specs.values())
    try:
        load = " load avg {:.1f} {:.1f} {:.1f};".format(*os.getloadavg())
    except OSError:  # pragma: no cover
        load = ""
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, statsmodels {sm.__version__}; "
        f"cpus {os.cpu_count()};{load} panel {len(df)} rows, {df['country'].nunique()} clusters; "
        f"{total} specs {n_specs}; single process; "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}"
    )

    fast(df)  # warm-up: imports and first-call overheads
    baseline(df, "glm", ("2x2",))
    # each family timed separately, runs interleaved (the machine may be shared)
    L, OTHERS = ("logit",), ("2x2", "share")
    keys = ("fast", "fast_l", "fast_o", "glm_l", "lgt_l", "loop_o")
    best = {k: [float("inf"), float("inf")] for k in keys}  # [wall, cpu]

    def keep(key, tw):
        best[key] = [min(best[key][0], tw[0]), min(best[key][1], tw[1])]

    F = B = None
    for r in range(max(args.repeats, args.loop_repeats)):
        if r < args.repeats:
            tw, F = timed(fast, df)
            keep("fast", tw)
            keep("fast_l", timed(fast, df, L)[0])
            keep("fast_o", timed(fast, df, OTHERS)[0])
        if r < args.loop_repeats:
            tw, B = timed(baseline, df, "glm", L)
            keep("glm_l", tw)
            keep("lgt_l", timed(baseline, df, "logit", L)[0])
            tw, B2 = timed(baseline, df, "glm", OTHERS)
            keep("loop_o", tw)
            B.update(B2)
    k = n_specs["logit"]
    # wall-clock: the statsmodels loop runs BLAS on both cores part of the time (unless
    # OPENBLAS_NUM_THREADS=1), so process CPU time would not compare like with like
    g = {key: v[0] for key, v in best.items()}
    rows = [
        ("whole curve", total, g["glm_l"] + g["loop_o"], g["lgt_l"] + g["loop_o"], g["fast"]),
        ("logit specs", k, g["glm_l"], g["lgt_l"], g["fast_l"]),
        ("2x2 + share specs", total - k, g["loop_o"], g["loop_o"], g["fast_o"]),
    ]
    print("\nwall-clock:")
    print(
        f"{'':18s} {'specs':>5s} | {'loop, GLM':>16s} | {'loop, sm.Logit':>16s} | {'fast path':>16s} | "
        "speed-up vs loop GLM / sm.Logit"
    )
    for name, n, a, b, c in rows:
        print(
            f"{name:18s} {n:5d} | {a:6.2f} s {n / a:6.1f}/s | {b:6.2f} s {n / b:6.1f}/s | "
            f"{c:6.2f} s {n / c:6.1f}/s | {a / c:5.1f}x / {b / c:5.1f}x"
        )
    print(
        "\n(loop: pandas subset + one statsmodels/scipy call per spec; its logit part uses GLM or sm.Logit, "
        "its 2x2/share part is the same scipy/statsmodels code in both columns; whole-curve loop times are "
        "the sums of the family times; fast path best of --repeats, loops best of --loop-repeats)"
    )
    c = F["_cache"]
    print(f"fast-path cache for the whole curve: {len(c)} entries, {c.hits} hits")

    print("\nagreement, fast path vs GLM loop (max |difference| over usable specs):")
    for fam in ("logit", "2x2", "share"):
        f, b = F[fam], B[fam]
        ok = f["reason"].isna().to_numpy()
        diffs = {
            col: float(np.nanmax(np.abs(f.loc[ok, col].to_numpy(float) - b.loc[ok, col].to_numpy(float))))
            for col in ("estimate", "ci_low", "ci_high", "p_value")
        }
        same_sup = bool((f.loc[ok, "outcome"] == b.loc[ok, "outcome"]).all())
        print(
            f"  {fam:5s} "
            + "  ".join(f"{k} {v:.1e}" for k, v in diffs.items())
            + f"  classifications identical: {same_sup}; fast inconclusive {int((~ok).sum())}, "
            f"loop errors {int(b['error'].notna().sum())}"
        )


if __name__ == "__main__":
    main()
